"""Lines sold as catalogue products (the ``telephony`` provisioning module): provisioning a service makes a line on
the entity's next free number, suspending it stops its SIP account, terminating it removes the line; on a real
Kamailio too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from hostlane.core.errors import ValidationFailed
from hostlane.drivers import provisioning
from hostlane.drivers.pbx import KamailioPbx, SimulatorPbx
from hostlane.drivers.provisioning import ServiceContext
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import PbxLine, ServiceStatus
from hostlane.runtime import Runtime
from hostlane.services import service as services
from hostlane.telephony.provisioning import TelephonyLineModule
from tests.fixtures.factories import make_customer, make_product, make_service
from tests.fixtures.kamailio import Kamailio
from tests.telephony.helpers import make_entity, make_line, make_server, make_template

SYSTEM = Principal.system()


def pbx(runtime: Runtime) -> SimulatorPbx:
    assert isinstance(runtime.pbx, SimulatorPbx)
    return runtime.pbx


async def line_product(runtime: Runtime, *, host: str = "", intervals: list[tuple[str, str]] | None = None) -> Any:
    server = await make_server(runtime, host=host)
    entity = await make_entity(runtime, server["id"], "office", intervals=intervals or [("1700", "1702")])
    template = await make_template(runtime, server_ids=[server["id"]])
    product = await make_product(
        runtime, type="telephony", config={"entity": entity["key"], "template": template["id"]}
    )
    return {"server": server, "entity": entity, "template": template, "product": product}


async def lines(runtime: Runtime) -> list[PbxLine]:
    async with runtime.db.reader() as session:
        return list((await session.scalars(sa.select(PbxLine).order_by(PbxLine.id))).all())


async def transition(runtime: Runtime, service_id: int, target: ServiceStatus) -> None:
    async with runtime.db.transaction() as session:
        await services.transition(session, SYSTEM, service_id, target)
    await drain(runtime)


async def service(runtime: Runtime, service_id: int) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await services.get_service(session, SYSTEM, service_id)


async def test_the_module_is_registered_with_its_options_checked(runtime: Runtime) -> None:
    module = provisioning.get("telephony")
    assert isinstance(module, TelephonyLineModule) and module.reaches_outside
    with pytest.raises(ValidationFailed) as refused:
        await make_product(runtime, type="telephony", config={"entity": "no-server-part", "template": 1})
    assert list(refused.value.fields) == ["config.entity"]
    with pytest.raises(ValidationFailed) as refused:
        await make_product(runtime, type="telephony", config={"entity": "a@b", "template": 0, "colour": "red"})
    assert sorted(refused.value.fields) == ["config.colour", "config.template"]


async def test_a_provisioned_service_gets_a_line_on_the_next_free_number(runtime: Runtime) -> None:
    made = await line_product(runtime)
    await make_line(runtime, made["entity"]["key"], made["template"]["id"], "1700")  # sold over XCI, say
    customer = await make_customer(runtime, firstname="Grace", lastname="Hopper", email="grace@example.com")

    service_id = await make_service(runtime, customer_id=customer["id"], product_id=made["product"]["id"])

    sold = (await lines(runtime))[-1]
    assert (sold.internal_number, sold.first_name, sold.last_name, sold.email) == (
        "1701",
        "Grace",
        "Hopper",
        "grace@example.com",
    )
    assert sold.service_id == service_id and not sold.suspended
    shown = await service(runtime, service_id)
    assert shown["delivery_status"] == "done"
    assert shown["data"] == {
        "line_id": sold.id,
        "entity": made["entity"]["key"],
        "number": "1701",
        "sip_username": sold.sip_username,
        "provisioning_code": sold.provisioning_code,
    }
    assert sold.sip_secret not in str(shown)
    account = pbx(runtime).server(made["server"]["uuid"]).lines[sold.sip_username]
    assert account.number == "1701" and account.secret == sold.sip_secret and account.enabled

    second = await make_service(runtime, customer_id=customer["id"], product_id=made["product"]["id"])
    assert (await service(runtime, second))["data"]["number"] == "1702"


async def test_suspending_the_service_suspends_the_line_and_terminating_removes_it(runtime: Runtime) -> None:
    made = await line_product(runtime)
    service_id = await make_service(runtime, product_id=made["product"]["id"])
    (sold,) = await lines(runtime)
    accounts = pbx(runtime).server(made["server"]["uuid"]).lines

    await transition(runtime, service_id, ServiceStatus.SUSPENDED)
    assert (await lines(runtime))[0].suspended and not accounts[sold.sip_username].enabled
    assert (await service(runtime, service_id))["delivery_status"] == "done"

    await transition(runtime, service_id, ServiceStatus.ACTIVE)
    assert not (await lines(runtime))[0].suspended and accounts[sold.sip_username].enabled

    await transition(runtime, service_id, ServiceStatus.TERMINATED)
    assert await lines(runtime) == [] and sold.sip_username not in accounts
    assert (await service(runtime, service_id))["delivery_status"] == "done"


async def test_each_call_is_safe_to_run_twice(runtime: Runtime) -> None:
    made = await line_product(runtime)
    service_id = await make_service(runtime, product_id=made["product"]["id"])
    (sold,) = await lines(runtime)
    customer_id = int((await service(runtime, service_id))["customer_id"])
    context = ServiceContext(
        service_id=service_id,
        customer_id=customer_id,
        product_id=made["product"]["id"],
        livemode=True,
        config=made["product"]["config"],
        database=runtime.db,
    )
    module = TelephonyLineModule()

    again = await module.create(context)
    assert again["line_id"] == sold.id and len(await lines(runtime)) == 1
    await module.suspend(context)
    await module.suspend(context)
    assert (await lines(runtime))[0].suspended
    await module.terminate(context)
    await module.terminate(context)
    assert await lines(runtime) == []


async def test_an_entity_without_a_free_number_fails_the_delivery_visibly(runtime: Runtime) -> None:
    made = await line_product(runtime, intervals=[("1700", "")])
    await make_service(runtime, product_id=made["product"]["id"])

    full = await make_service(runtime, product_id=made["product"]["id"])

    shown = await service(runtime, full)
    assert shown["status"] == "active" and shown["delivery_status"] in ("pending", "failed")
    assert "has no free number left" in shown["delivery_errors"]
    assert len(await lines(runtime)) == 1


async def test_a_product_without_options_or_with_an_unknown_entity_fails_saying_so(runtime: Runtime) -> None:
    bare = await make_product(runtime, type="telephony")
    assert bare["config"] == {"entity": None, "template": None}
    service_id = await make_service(runtime, product_id=bare["id"])
    assert "name no entity or no template" in (await service(runtime, service_id))["delivery_errors"]

    ghost = await make_product(runtime, type="telephony", config={"entity": "ghost@nowhere", "template": 1})
    service_id = await make_service(runtime, product_id=ghost["id"])
    assert "Entity not found" in (await service(runtime, service_id))["delivery_errors"]
    assert await lines(runtime) == []


async def test_a_test_mode_service_is_provisioned_on_the_simulator(
    runtime: Runtime, simulator: SimulatorModule
) -> None:
    product = await make_product(runtime, livemode=False, type="telephony", config={"entity": "a@b", "template": 1})
    service_id = await make_service(runtime, livemode=False, product_id=product["id"])

    assert simulator.state.machines[service_id] == "running"
    assert await lines(runtime) == []


@pytest.fixture
async def on_kamailio(runtime: Runtime, kamailio: Kamailio) -> AsyncIterator[Kamailio]:
    kamailio.empty()
    runtime.pbx = KamailioPbx(kamailio.database_url)
    yield kamailio
    await runtime.pbx.close()
    kamailio.empty()


async def test_a_sold_line_registers_on_kamailio_until_suspended_or_terminated(
    runtime: Runtime, on_kamailio: Kamailio
) -> None:
    made = await line_product(runtime, host="127.0.0.1")
    service_id = await make_service(runtime, product_id=made["product"]["id"])
    (sold,) = await lines(runtime)

    registered = on_kamailio.register(sold.sip_username, sold.sip_secret)
    assert registered.returncode == 0, registered.stdout + registered.stderr

    await transition(runtime, service_id, ServiceStatus.SUSPENDED)
    assert on_kamailio.register(sold.sip_username, sold.sip_secret).returncode != 0

    await transition(runtime, service_id, ServiceStatus.ACTIVE)
    assert on_kamailio.register(sold.sip_username, sold.sip_secret).returncode == 0

    await transition(runtime, service_id, ServiceStatus.TERMINATED)
    assert on_kamailio.register(sold.sip_username, sold.sip_secret).returncode != 0
    assert on_kamailio.subscribers() == []
