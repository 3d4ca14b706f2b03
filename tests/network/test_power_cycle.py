"""``network.power_cycle``: an outlet switched off and on again, audited as one cycle (or as the switch-off that
reached the PDU when switching on again failed)."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from hostlane.core.errors import Conflict
from hostlane.customers.sessions import customer_principal
from hostlane.drivers.pdu import SimulatorPdu
from hostlane.models import AuditEntry
from hostlane.network import service as network
from hostlane.network.errors import UpstreamUnavailable
from hostlane.runtime import Runtime
from tests.faces.web.portal_setup import service_with_network
from tests.fixtures.factories import make_customer, make_service


async def _actions(runtime: Runtime) -> list[str]:
    async with runtime.db.reader() as session:
        query = sa.select(AuditEntry.action).where(AuditEntry.action.like("service.power%")).order_by(AuditEntry.id)
        return list((await session.scalars(query)).all())


async def test_a_cycle_switches_off_then_on_and_is_audited(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    owned = await service_with_network(runtime, client, int(customer["id"]))
    principal = customer_principal(int(customer["id"]), True, "127.0.0.1")
    pdu = runtime.pdu
    assert isinstance(pdu, SimulatorPdu)
    seen: list[bool] = []
    original = pdu.set_power

    async def recording(address: str, outlet: int, on: bool) -> None:
        seen.append(on)
        await original(address, outlet, on)

    pdu.set_power = recording  # type: ignore[method-assign]
    row = await network.power_cycle(runtime.db, principal, pdu, owned["id"], owned["port_id"])
    assert seen == [False, True] and row["power"] is True
    assert await _actions(runtime) == ["service.power_cycle"]


async def test_a_pdu_failing_between_off_and_on_audits_the_switch_off(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer = await make_customer(runtime)
    owned = await service_with_network(runtime, client, int(customer["id"]))
    principal = customer_principal(int(customer["id"]), True, "127.0.0.1")
    pdu = runtime.pdu
    assert isinstance(pdu, SimulatorPdu)
    original = pdu.set_power

    async def fails_on(address: str, outlet: int, on: bool) -> None:
        if on:
            pdu.fail_next(1)
        await original(address, outlet, on)

    pdu.set_power = fails_on  # type: ignore[method-assign]
    with pytest.raises(UpstreamUnavailable):
        await network.power_cycle(runtime.db, principal, pdu, owned["id"], owned["port_id"])
    assert await _actions(runtime) == ["service.power_off"]
    assert pdu.state.outlets["10.0.0.5", 7] is False


async def test_only_an_active_service_is_cycled(runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    service_id = await make_service(runtime, customer_id=int(customer["id"]), status="suspended")
    principal = customer_principal(int(customer["id"]), True, "127.0.0.1")
    with pytest.raises(Conflict):
        await network.power_cycle(runtime.db, principal, runtime.pdu, service_id, 1)
