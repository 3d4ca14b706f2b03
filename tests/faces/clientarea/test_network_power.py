"""A service's IP addresses, their reverse DNS (simulator, and a real PowerDNS) and its PDU outlets."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from hostlane.drivers.dns import PowerDnsDriver, SimulatorDns
from hostlane.drivers.pdu import SimulatorPdu
from hostlane.models import AuditEntry
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import make_api_key, make_customer, make_service
from tests.fixtures.http import bearer
from tests.fixtures.powerdns import PowerDns, ptrs_over_dns

PASSWORD = "s3cret-passw0rd"
API = "/api/application"


class Setup:
    """A customer with an active service holding two IPv4 addresses, one IPv6 address and two outlets."""

    auth: tuple[str, str]
    service_id: int
    ports: list[int]


@pytest.fixture
async def setup(runtime: Runtime, client: httpx.AsyncClient) -> Setup:
    staff = bearer(await make_api_key(runtime))
    customer = await make_customer(runtime, password=PASSWORD)
    service_id = await make_service(runtime, customer_id=int(customer["id"]))  # type: ignore[call-overload]
    v4 = (
        await client.post(
            f"{API}/ip-pools", json={"name": "v4", "network": "192.0.2.0/24", "gateway": "192.0.2.1"}, headers=staff
        )
    ).json()
    v6 = (await client.post(f"{API}/ip-pools", json={"name": "v6", "network": "2001:db8:5::/64"}, headers=staff)).json()
    for pool in (v4, v4, v6):
        assert (
            await client.post(f"{API}/services/{service_id}/ips", json={"pool_id": pool["id"]}, headers=staff)
        ).status_code == 201
    pdu = (
        await client.post(f"{API}/pdus", json={"name": "pdu-a1", "address": "10.0.0.5", "outlets": 24}, headers=staff)
    ).json()
    ports = []
    for outlet, label in ((7, "PSU A"), (8, "PSU B")):
        port = await client.post(
            f"{API}/services/{service_id}/pdu-ports",
            json={"pdu_id": pdu["id"], "outlet": outlet, "label": label},
            headers=staff,
        )
        ports.append(port.json()["id"])
    result = Setup()
    result.auth, result.service_id, result.ports = (str(customer["email"]), PASSWORD), service_id, ports
    return result


async def test_the_services_addresses(client: httpx.AsyncClient, setup: Setup) -> None:
    response = await client.get(f"/api/service/{setup.service_id}/ip", auth=setup.auth)
    assert response.status_code == 200
    ips = response.json()["ips"]
    assert [(ip["ipaddress"], ip["network"], ip["prefix"], ip["gateway"], ip["version"]) for ip in ips] == [
        ("192.0.2.2", "192.0.2.0/24", "24", "192.0.2.1", "4"),
        ("192.0.2.3", "192.0.2.0/24", "24", "192.0.2.1", "4"),
        ("2001:db8:5::1", "2001:db8:5::/64", "64", "", "6"),
    ]
    assert all(ip["id"].isdigit() for ip in ips) and response.json()["success"] is True


async def test_rdns_round_trip_on_the_simulator(runtime: Runtime, client: httpx.AsyncClient, setup: Setup) -> None:
    url = f"/api/service/{setup.service_id}/rdns"
    before = await client.get(url, auth=setup.auth)
    assert before.json() == {"success": True, "ipaddress": {"192.0.2.2": "", "192.0.2.3": "", "2001:db8:5::1": ""}}
    changed = await client.post(
        url, json={"ipaddress": {"192.0.2.2": "Mail.Example.COM.", "2001:DB8:5::1": "v6.example.com"}}, auth=setup.auth
    )
    assert changed.status_code == 200
    assert changed.json()["ipaddress"] == {
        "192.0.2.2": "mail.example.com",
        "192.0.2.3": "",
        "2001:db8:5::1": "v6.example.com",
    }
    assert isinstance(runtime.dns, SimulatorDns) and runtime.dns.state.ptrs["192.0.2.2"] == "mail.example.com"
    removed = await client.post(url, json={"ipaddress": {"192.0.2.2": ""}}, auth=setup.auth)
    assert removed.json()["ipaddress"]["192.0.2.2"] == ""
    async with runtime.db.reader() as session:
        changes = list(await session.scalars(sa.select(AuditEntry.changes).where(AuditEntry.action == "service.rdns")))
    assert changes == [
        {"ptr": {"192.0.2.2": "mail.example.com", "2001:db8:5::1": "v6.example.com"}},
        {"ptr": {"192.0.2.2": None}},
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"ipaddress": {"192.0.2.200": "a.example.com"}}, "The address 192.0.2.200 is not assigned to this service."),
        ({"ipaddress": {"8.8.8.8": "a.example.com"}}, "The address 8.8.8.8 is not assigned to this service."),
        ({"ipaddress": {"not-an-ip": "a.example.com"}}, "'not-an-ip' is not an IP address."),
        ({"ipaddress": {"192.0.2.2": "bad_name.example.com"}}, "'bad_name.example.com' is not a valid host name."),
        ({"ipaddress": {"192.0.2.2": "localhost"}}, "'localhost' is not a valid host name."),
        ({"ipaddress": {"192.0.2.2": "-a.example.com"}}, "'-a.example.com' is not a valid host name."),
        ({"ipaddress": {"192.0.2.2": ("a" * 64) + ".example.com"}}, "is not a valid host name"),
        ({"ipaddress": {}}, "The ipaddress field is invalid"),
        ({"ipaddress": "192.0.2.2"}, "The ipaddress field is invalid"),
        ({}, "The ipaddress field is required."),
    ],
)
async def test_bad_rdns_changes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, setup: Setup, payload: dict[str, object], message: str
) -> None:
    # A valid entry first: it must not be applied when another entry is refused.
    if isinstance(payload.get("ipaddress"), dict) and payload["ipaddress"]:
        payload = {"ipaddress": {"192.0.2.3": "ok.example.com", **payload["ipaddress"]}}  # type: ignore[dict-item]
    response = await client.post(f"/api/service/{setup.service_id}/rdns", json=payload, auth=setup.auth)
    assert response.status_code == 422
    assert response.json()["success"] is False and message in response.json()["error"][0]
    assert isinstance(runtime.dns, SimulatorDns) and runtime.dns.state.ptrs == {}


async def test_dns_server_failures_are_503_or_502_and_say_so(
    runtime: Runtime, client: httpx.AsyncClient, setup: Setup
) -> None:
    assert isinstance(runtime.dns, SimulatorDns)
    runtime.dns.fail_next(1)
    busy = await client.get(f"/api/service/{setup.service_id}/rdns", auth=setup.auth)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
    assert busy.json() == {"success": False, "error": ["The DNS server is not answering; try again later."]}
    runtime.dns.state.broken = True
    refused = await client.post(
        f"/api/service/{setup.service_id}/rdns", json={"ipaddress": {"192.0.2.2": "a.example.com"}}, auth=setup.auth
    )
    assert refused.status_code == 502 and refused.json()["error"] == ["The DNS server refused the change."]


async def test_rdns_round_trip_through_a_real_powerdns(
    runtime: Runtime, client: httpx.AsyncClient, setup: Setup, powerdns: PowerDns
) -> None:
    powerdns.delete_all_zones()
    runtime.dns = PowerDnsDriver(powerdns.url, powerdns.api_key)
    url = f"/api/service/{setup.service_id}/rdns"
    changed = await client.post(
        url, json={"ipaddress": {"192.0.2.2": "mail.example.com", "2001:db8:5::1": "v6.example.com"}}, auth=setup.auth
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["ipaddress"] == {
        "192.0.2.2": "mail.example.com",
        "192.0.2.3": "",
        "2001:db8:5::1": "v6.example.com",
    }
    # PowerDNS itself now answers the PTR queries.
    assert "2.0.192.in-addr.arpa." in powerdns.zone_names()
    assert await ptrs_over_dns(powerdns, "192.0.2.2") == ["mail.example.com."]
    assert await ptrs_over_dns(powerdns, "2001:db8:5::1") == ["v6.example.com."]
    fresh = await client.get(url, auth=setup.auth)
    assert fresh.json()["ipaddress"]["192.0.2.2"] == "mail.example.com"
    await client.post(url, json={"ipaddress": {"192.0.2.2": None}}, auth=setup.auth)
    assert (await client.get(url, auth=setup.auth)).json()["ipaddress"]["192.0.2.2"] == ""
    assert await ptrs_over_dns(powerdns, "192.0.2.2") == []


async def test_pdu_ports_power_and_audit(runtime: Runtime, client: httpx.AsyncClient, setup: Setup) -> None:
    listed = await client.get(f"/api/service/{setup.service_id}/pdu", auth=setup.auth)
    assert listed.status_code == 200
    assert listed.json() == {
        "success": True,
        "ports": [
            {"id": str(setup.ports[0]), "pdu": "pdu-a1", "port": "7", "label": "PSU A", "power": True, "status": "on"},
            {"id": str(setup.ports[1]), "pdu": "pdu-a1", "port": "8", "label": "PSU B", "power": True, "status": "on"},
        ],
    }
    url = f"/api/service/{setup.service_id}/pdu/{setup.ports[0]}"
    off = await client.post(url, json={"power": False}, auth=setup.auth)
    assert off.status_code == 200 and off.json()["port"]["status"] == "off"
    assert isinstance(runtime.pdu, SimulatorPdu)
    assert (await client.get(url, auth=setup.auth)).json()["port"]["power"] is False
    for value in ("on", "1", 1, True, "true"):
        assert (await client.post(url, json={"power": value}, auth=setup.auth)).json()["port"]["power"] is True
    async with runtime.db.reader() as session:
        actions = list(
            await session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("service.power_%")))
        )
    assert actions == ["service.power_off"] + ["service.power_on"] * 5


@pytest.mark.parametrize("power", [None, "maybe", 2, "", [True]])
async def test_bad_power_values_switch_nothing(
    runtime: Runtime, client: httpx.AsyncClient, setup: Setup, power: object
) -> None:
    url = f"/api/service/{setup.service_id}/pdu/{setup.ports[0]}"
    response = await client.post(url, json={"power": power}, auth=setup.auth)
    assert response.status_code == 422 and response.json()["error"][0].startswith("The power field is invalid")
    assert (await client.get(url, auth=setup.auth)).json()["port"]["power"] is True


async def test_a_suspended_service_cannot_power_on_or_change_rdns(
    runtime: Runtime, client: httpx.AsyncClient, setup: Setup
) -> None:
    staff = bearer(await make_api_key(runtime))
    await client.post(f"{API}/services/{setup.service_id}/suspend", json={"reason": "abuse"}, headers=staff)
    power = await client.post(
        f"/api/service/{setup.service_id}/pdu/{setup.ports[0]}", json={"power": True}, auth=setup.auth
    )
    assert power.status_code == 409
    rdns = await client.post(
        f"/api/service/{setup.service_id}/rdns", json={"ipaddress": {"192.0.2.2": "a.example.com"}}, auth=setup.auth
    )
    assert rdns.status_code == 409
    # Reading stays allowed.
    assert (await client.get(f"/api/service/{setup.service_id}/pdu", auth=setup.auth)).status_code == 200


async def test_another_customers_ports_and_unknown_ports_are_not_found(
    runtime: Runtime, client: httpx.AsyncClient, setup: Setup
) -> None:
    stranger = await make_customer(runtime, password=PASSWORD)
    auth = (str(stranger["email"]), PASSWORD)
    other_service = await make_service(runtime, customer_id=int(stranger["id"]))  # type: ignore[call-overload]
    # The stranger's own service, but the owner's port id: still not found.
    for method in ("GET", "POST"):
        response = await client.request(
            method, f"/api/service/{other_service}/pdu/{setup.ports[0]}", json={"power": False}, auth=auth
        )
        assert response.status_code == 404 and response.json()["error"] == ["PDU port not found."]
        response = await client.request(
            method, f"/api/service/{setup.service_id}/pdu/{setup.ports[0]}", json={"power": False}, auth=auth
        )
        assert response.status_code == 404 and response.json()["error"] == ["Service not found."]
    rdns = await client.post(
        f"/api/service/{setup.service_id}/rdns", json={"ipaddress": {"192.0.2.2": "x.example.com"}}, auth=auth
    )
    assert rdns.status_code == 404
    assert isinstance(runtime.pdu, SimulatorPdu)


ROUTES = [
    ("GET", "/api/service/1/ip"),
    ("GET", "/api/service/1/rdns"),
    ("POST", "/api/service/1/rdns"),
    ("GET", "/api/service/1/pdu"),
    ("GET", "/api/service/1/pdu/1"),
    ("POST", "/api/service/1/pdu/1"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_the_documents_credential_less_examples_still_need_credentials(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"power": True})
    assert response.status_code == 401 and response.json() == {"success": False, "error": ["Unauthenticated."]}


async def _equipped(
    runtime: Runtime, client: httpx.AsyncClient, *, livemode: bool
) -> tuple[tuple[str, str], int, int, dict[str, str]]:
    """A customer of the mode with a service holding 192.0.2.10 and outlet 7 of the PDU at 10.0.0.5."""
    staff = bearer(await make_api_key(runtime, livemode=livemode))
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


@pytest.mark.parametrize("name", ["evil\n.example.com", "evil.exa\nmple.com", "a\t.example.com"])
async def test_host_names_with_line_breaks_are_refused(runtime: Runtime, client: httpx.AsyncClient, name: str) -> None:
    auth, service_id, _, staff = await _equipped(runtime, client, livemode=True)
    rdns = await client.post(f"/api/service/{service_id}/rdns", json={"ipaddress": {"192.0.2.10": name}}, auth=auth)
    assert rdns.status_code == 422
    pdu = await client.post(f"{API}/pdus", json={"name": "q", "address": name, "outlets": 8}, headers=staff)
    assert pdu.status_code == 422 and "address" in pdu.json()["errors"]
