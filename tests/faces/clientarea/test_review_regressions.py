"""Regressions for what the review of the client area found: each failed before its fix."""

from __future__ import annotations

from email.header import decode_header, make_header

import httpx
import pytest

from hostlane.drivers.dns import SimulatorDns
from hostlane.drivers.payments.test import SUCCEEDS, TIMES_OUT
from hostlane.drivers.pdu import SimulatorPdu
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import (
    make_api_key,
    make_customer,
    make_department,
    make_pricing,
    make_product,
    make_service,
)
from tests.fixtures.mail import Inbox

PASSWORD = "s3cret-passw0rd"
API = "/api/application"


async def _equipped(
    runtime: Runtime, client: httpx.AsyncClient, *, livemode: bool
) -> tuple[tuple[str, str], int, int, dict[str, str]]:
    """A customer of the mode with a service holding 192.0.2.10 and outlet 7 of the PDU at 10.0.0.5."""
    staff = {"Authorization": f"Bearer {await make_api_key(runtime, livemode=livemode)}"}
    customer = await make_customer(runtime, livemode=livemode, password=PASSWORD)
    service_id = await make_service(runtime, livemode=livemode, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    pool = (await client.post(f"{API}/ip-pools", json={"name": "v4", "network": "192.0.2.0/24"}, headers=staff)).json()
    await client.post(
        f"{API}/services/{service_id}/ips", json={"pool_id": pool["id"], "address": "192.0.2.10"}, headers=staff
    )
    pdu = (
        await client.post(f"{API}/pdus", json={"name": "p", "address": "10.0.0.5", "outlets": 8}, headers=staff)
    ).json()
    port = (
        await client.post(
            f"{API}/services/{service_id}/pdu-ports", json={"pdu_id": pdu["id"], "outlet": 7}, headers=staff
        )
    ).json()
    return (str(customer["email"]), PASSWORD), service_id, port["id"], staff


async def test_a_sandbox_customer_never_reaches_the_live_dns_server_or_pdus(
    runtime: Runtime, client_for: ClientFactory
) -> None:
    runtime.settings.test_hosts = ["sandbox.test"]
    live_client, sandbox_client = client_for(), client_for(base_url="http://sandbox.test")
    live_auth, live_service, live_port, _ = await _equipped(runtime, live_client, livemode=True)
    test_auth, test_service, test_port, _ = await _equipped(runtime, sandbox_client, livemode=False)
    rdns = await sandbox_client.post(
        f"/api/service/{test_service}/rdns", json={"ipaddress": {"192.0.2.10": "pwned.example.com"}}, auth=test_auth
    )
    power = await sandbox_client.post(
        f"/api/service/{test_service}/pdu/{test_port}", json={"power": False}, auth=test_auth
    )
    assert rdns.status_code == power.status_code == 200  # the sandbox works, on its own simulators
    live_rdns = (await live_client.get(f"/api/service/{live_service}/rdns", auth=live_auth)).json()
    assert live_rdns["ipaddress"] == {"192.0.2.10": ""}
    live_power = (await live_client.get(f"/api/service/{live_service}/pdu/{live_port}", auth=live_auth)).json()
    assert live_power["port"]["status"] == "on"
    assert isinstance(runtime.dns, SimulatorDns) and runtime.dns.state.ptrs == {}
    assert isinstance(runtime.pdu, SimulatorPdu) and runtime.pdu.state.calls["set_power"] == 0


@pytest.mark.parametrize("subject", ["Help\u2028Bcc: x@evil.test", "a\u2029b", "a\x85b", "a\x0bb", "a\x0cb"])
async def test_subjects_with_any_line_break_are_refused(
    runtime: Runtime, client: httpx.AsyncClient, subject: str
) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    department = await make_department(runtime)
    response = await client.post(
        "/api/tickets",
        json={"dept_id": department["id"], "subject": subject, "body": "x"},
        auth=(str(customer["email"]), PASSWORD),
    )
    assert response.status_code == 422 and response.json()["error"][0].startswith("The subject field is invalid")


async def test_a_staff_reply_to_a_unicode_subject_is_mailed(
    runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    department = await make_department(runtime)
    auth = (str(customer["email"]), PASSWORD)
    await client.post(
        "/api/tickets", json={"dept_id": department["id"], "subject": "Zürich — 東京", "body": "x"}, auth=auth
    )
    staff = {"Authorization": f"Bearer {await make_api_key(runtime)}"}
    ticket = (await client.get(f"{API}/tickets", headers=staff)).json()["data"][0]
    await client.post(f"{API}/tickets/{ticket['id']}/reply", json={"content": "Grüße"}, headers=staff)
    await drain(runtime)
    subjects = [str(make_header(decode_header(mail["Subject"]))) for mail in inbox.messages]
    assert subjects == [f"[Ticket #{ticket['number']}] Zürich — 東京"]


@pytest.mark.parametrize("value", ["3000000000", "-3000000000", "9223372036854775807"])
async def test_ticket_number_filters_beyond_32_bits_answer(
    runtime: Runtime, client: httpx.AsyncClient, value: str
) -> None:
    staff = {"Authorization": f"Bearer {await make_api_key(runtime)}"}
    response = await client.get(f"{API}/tickets?filter[number]={value}", headers=staff)
    assert response.status_code == 200 and response.json()["data"] == []


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/application/departments", {"name": "d", "description": "x\u0000"}),
        ("/api/application/ip-pools", {"name": "p\u0000", "network": "192.0.2.0/24"}),
        ("/api/application/pdus", {"name": "p", "address": "10.0.0.5", "outlets": 8, "x": "\u0000"}),
    ],
)
async def test_nul_characters_are_refused_not_a_500(
    runtime: Runtime, client: httpx.AsyncClient, path: str, payload: dict[str, object]
) -> None:
    staff = {"Authorization": f"Bearer {await make_api_key(runtime)}"}
    response = await client.post(path, json=payload, headers=staff)
    assert response.status_code == 422 and response.json() == {"message": "Text may not contain NUL characters."}
    query = await client.get(f"{API}/departments?filter[name]=a%00b", headers=staff)
    assert query.status_code == 422


async def test_nul_in_client_area_bodies_and_forms_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime, password=PASSWORD)
    department = await make_department(runtime)
    auth = (str(customer["email"]), PASSWORD)
    as_json = await client.post(
        "/api/tickets", json={"dept_id": department["id"], "subject": "s", "body": "a\u0000b"}, auth=auth
    )
    as_form = await client.post(
        "/api/tickets", data={"dept_id": str(department["id"]), "subject": "s", "body": "a\x00b"}, auth=auth
    )
    for response in (as_json, as_form):
        assert response.status_code == 422
        assert response.json() == {"success": False, "error": ["Text may not contain NUL characters."]}
    # An escaped backslash followed by "u0000" is ordinary text.
    literal = await client.post(
        "/api/tickets",
        content=f'{{"dept_id": {department["id"]}, "subject": "s", "body": "C:\\\\u0000"}}',
        headers={"Content-Type": "application/json"},
        auth=auth,
    )
    assert literal.status_code == 200


@pytest.mark.parametrize("name", ["evil\n.example.com", "evil.exa\nmple.com", "a\t.example.com"])
async def test_host_names_with_line_breaks_are_refused(runtime: Runtime, client: httpx.AsyncClient, name: str) -> None:
    auth, service_id, _, staff = await _equipped(runtime, client, livemode=True)
    rdns = await client.post(f"/api/service/{service_id}/rdns", json={"ipaddress": {"192.0.2.10": name}}, auth=auth)
    assert rdns.status_code == 422
    pdu = await client.post(f"{API}/pdus", json={"name": "q", "address": name, "outlets": 8}, headers=staff)
    assert pdu.status_code == 422 and "address" in pdu.json()["errors"]


async def test_scoped_ipv6_addresses_are_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    staff = {"Authorization": f"Bearer {await make_api_key(runtime)}"}
    service_id = await make_service(runtime)
    pool = (await client.post(f"{API}/ip-pools", json={"name": "v6", "network": "2001:db8::/64"}, headers=staff)).json()
    url = f"{API}/services/{service_id}/ips"
    assert (
        await client.post(url, json={"pool_id": pool["id"], "address": "2001:db8::5"}, headers=staff)
    ).status_code == 201
    for address in ("2001:db8::5%eth0", "2001:db8::6%" + "a" * 40):
        response = await client.post(url, json={"pool_id": pool["id"], "address": address}, headers=staff)
        assert response.status_code == 422 and "address" in response.json()["errors"]
    gateway = await client.patch(f"{API}/ip-pools/{pool['id']}", json={"gateway": "2001:db8::1%eth0"}, headers=staff)
    assert gateway.status_code == 422


async def test_credit_cannot_pay_an_invoice_whose_card_charge_is_still_unknown(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    customer = await make_customer(runtime, password=PASSWORD, currency="EUR")
    auth = (str(customer["email"]), PASSWORD)
    staff = {"Authorization": f"Bearer {await make_api_key(runtime)}"}
    product = await make_product(runtime)
    await make_pricing(runtime, int(product["id"]))  # type: ignore[call-overload]
    placed = (await client.post(f"/api/order/{product['id']}", json={}, auth=auth)).json()
    await client.post(f"{API}/customers/{customer['id']}/payment-methods", json={"token": TIMES_OUT}, headers=staff)
    pending = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", auth=auth)
    assert pending.status_code == 202
    assert pending.json()["info"] == ["payment_pending"] and pending.json()["invoice"]["status"] == "Unpaid"
    await client.post(f"{API}/customers/{customer['id']}/credit", json={"amount": "0.01"}, headers=staff)
    refused = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", json={"method": "credit"}, auth=auth)
    assert refused.status_code == 409
    assert refused.json()["error"] == ["A payment of this invoice is already in progress."]
    assert SUCCEEDS  # the saved card, had it answered, would have paid it
