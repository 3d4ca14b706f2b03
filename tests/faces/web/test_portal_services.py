"""The client area's services pages: the list, a service with its addresses, reverse DNS editing and power."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.drivers.dns import SimulatorDns
from hostlane.drivers.pdu import SimulatorPdu
from hostlane.models import AuditEntry
from hostlane.runtime import Runtime
from tests.faces.web.conftest import Web
from tests.faces.web.portal_setup import other_customer, service_with_network
from tests.fixtures.factories import make_service


@pytest.fixture
async def owned(runtime: Runtime, client: httpx.AsyncClient, customer: dict[str, Any]) -> dict[str, Any]:
    return await service_with_network(runtime, client, int(customer["id"]))


async def test_the_list_shows_status_due_date_cycle_and_price(portal: Web, owned: dict[str, Any]) -> None:
    page = await portal.get("/portal/services")
    assert page.status_code == 200
    assert f'href="/portal/services/{owned["id"]}"' in page.text
    assert "Active" in page.text and "Monthly" in page.text and "€9.99" in page.text


async def test_a_service_shows_its_addresses_reverse_dns_and_power(
    runtime: Runtime, portal: Web, owned: dict[str, Any]
) -> None:
    assert isinstance(runtime.dns, SimulatorDns)
    runtime.dns.state.ptrs["192.0.2.2"] = "mail.example.com"
    page = await portal.get(f"/portal/services/{owned['id']}")
    assert page.status_code == 200
    assert "192.0.2.2" in page.text and "2001:db8:5::1" in page.text
    assert 'name="ptr:192.0.2.2" type="text" value="mail.example.com"' in page.text
    assert "PSU A" in page.text and ">On<" in page.text  # the simulator's outlets start on
    assert f'action="/portal/services/{owned["id"]}/power/{owned["port_id"]}/on"' in page.text


async def test_editing_reverse_dns(runtime: Runtime, portal: Web, owned: dict[str, Any]) -> None:
    url = f"/portal/services/{owned['id']}"
    answer = await portal.post(f"{url}/rdns", {"ptr:192.0.2.2": "Mail.Example.COM.", "ptr:192.0.2.3": ""})
    assert answer.status_code == 303 and answer.headers["location"] == f"{url}?notice=rdns_saved"
    assert isinstance(runtime.dns, SimulatorDns) and runtime.dns.state.ptrs == {"192.0.2.2": "mail.example.com"}
    shown = await portal.get(answer.headers["location"])
    assert "The reverse DNS is saved." in shown.text and 'value="mail.example.com"' in shown.text


async def test_a_bad_host_name_is_shown_next_to_its_address_and_nothing_changes(
    runtime: Runtime, portal: Web, owned: dict[str, Any]
) -> None:
    answer = await portal.post(
        f"/portal/services/{owned['id']}/rdns", {"ptr:192.0.2.3": "ok.example.com", "ptr:192.0.2.2": "bad_name.example"}
    )
    assert answer.status_code == 422
    assert "&#39;bad_name.example&#39; is not a valid host name." in answer.text
    assert 'aria-invalid="true" aria-describedby="e-ptr-1"' in answer.text
    assert 'value="bad_name.example"' in answer.text  # what was typed is kept
    assert isinstance(runtime.dns, SimulatorDns) and runtime.dns.state.ptrs == {}


async def test_dns_server_trouble_is_a_message_not_a_crash(
    runtime: Runtime, portal: Web, owned: dict[str, Any]
) -> None:
    assert isinstance(runtime.dns, SimulatorDns)
    runtime.dns.fail_next(1)
    busy = await portal.get(f"/portal/services/{owned['id']}")
    assert busy.status_code == 200 and "is not answering" in busy.text
    runtime.dns.state.broken = True
    refused = await portal.post(f"/portal/services/{owned['id']}/rdns", {"ptr:192.0.2.2": "a.example.com"})
    assert refused.status_code == 502 and "refused the change" in refused.text
    assert 'value="a.example.com"' in refused.text


async def test_power_on_off_and_reboot(runtime: Runtime, portal: Web, owned: dict[str, Any]) -> None:
    base = f"/portal/services/{owned['id']}/power/{owned['port_id']}"
    assert isinstance(runtime.pdu, SimulatorPdu)
    runtime.pdu.state.outlets["10.0.0.5", 7] = False
    on = await portal.post(f"{base}/on")
    assert on.status_code == 303 and on.headers["location"].endswith("?notice=power_on")
    assert await runtime.pdu.get_power("10.0.0.5", 7) is True
    assert (await portal.post(f"{base}/cycle")).status_code == 303
    assert await runtime.pdu.get_power("10.0.0.5", 7) is True
    assert (await portal.post(f"{base}/off")).status_code == 303
    assert await runtime.pdu.get_power("10.0.0.5", 7) is False
    async with runtime.db.reader() as session:
        actions = list(
            await session.scalars(
                sa.select(AuditEntry.action).where(AuditEntry.action.like("service.power%")).order_by(AuditEntry.id)
            )
        )
    assert actions == ["service.power_on", "service.power_cycle", "service.power_off"]
    shown = await portal.get(f"/portal/services/{owned['id']}?notice=power_off")
    assert "The outlet is powered off." in shown.text


async def test_a_pdu_that_fails_is_a_message(runtime: Runtime, portal: Web, owned: dict[str, Any]) -> None:
    assert isinstance(runtime.pdu, SimulatorPdu)
    runtime.pdu.fail_next(1)
    answer = await portal.post(f"/portal/services/{owned['id']}/power/{owned['port_id']}/on")
    assert answer.status_code == 503 and "is not answering" in answer.text


async def test_another_customers_service_is_not_found(runtime: Runtime, portal: Web) -> None:
    theirs = await make_service(runtime, customer_id=int((await other_customer(runtime))["id"]))
    assert (await portal.get(f"/portal/services/{theirs}")).status_code == 404
    assert (await portal.post(f"/portal/services/{theirs}/rdns", {"ptr:192.0.2.2": "a.example.com"})).status_code == 404
    assert (await portal.post(f"/portal/services/{theirs}/power/1/on")).status_code == 404


async def test_without_csrf_nothing_changes(runtime: Runtime, portal: Web, owned: dict[str, Any]) -> None:
    answer = await portal.post(f"/portal/services/{owned['id']}/rdns", {"ptr:192.0.2.2": "a.example.com"}, csrf=False)
    assert answer.status_code == 403
    assert isinstance(runtime.dns, SimulatorDns) and runtime.dns.state.ptrs == {}


async def test_not_logged_in_goes_to_the_login(browser_for: Any, owned: dict[str, Any]) -> None:
    answer = await browser_for("/portal").get(f"/portal/services/{owned['id']}")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/login?next=")


async def test_a_service_name_is_text(runtime: Runtime, portal: Web, customer: dict[str, Any]) -> None:
    from hostlane.identity.principal import Principal
    from hostlane.services import service as services
    from hostlane.services.schemas import ServiceUpdate

    service_id = await make_service(runtime, customer_id=int(customer["id"]))
    async with runtime.db.transaction() as session:
        await services.update_service(
            session, Principal.system(), service_id, ServiceUpdate(name="<script>alert(1)</script>{{7*7}}")
        )
    page = await portal.get("/portal/services")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page.text and "<script>alert(1)" not in page.text


async def test_the_pages_speak_french(portal: Web, owned: dict[str, Any]) -> None:
    await portal.get("/portal/language/fr")
    listed = await portal.get("/portal/services")
    assert "Mensuel" in listed.text and "9,99\xa0€" in listed.text and "Actif" in listed.text
    shown = await portal.get(f"/portal/services/{owned['id']}")
    assert "DNS inverse de 192.0.2.2" in shown.text and "Redémarrer" in shown.text
