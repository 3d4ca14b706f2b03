"""Provisioning servers on the application face (``servers:*`` and ``POST /servers/test``), the placement of new
services on them, and the real CLIENTXCMS's ``ServerUpdateCredentialsTest`` translated."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.core import sealing
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import AuditEntry, ProvisioningServer, Service, ServiceStatus
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.fixtures.factories import make_api_key, make_product, make_service
from tests.fixtures.http import bearer

API = "/api/application"
SERVER_FIELDS = {
    "id",
    "name",
    "hostname",
    "address",
    "port",
    "type",
    "status",
    "maxaccounts",
    "accounts",
    "created_at",
    "updated_at",
}


@pytest.fixture
async def staff(runtime: Runtime) -> dict[str, str]:
    return bearer(await make_api_key(runtime))


async def _server(client: httpx.AsyncClient, staff: dict[str, str], **fields: Any) -> dict[str, Any]:
    payload = {
        "name": "Node-Paris-01",
        "type": "simulator",
        "hostname": "paris01.example.test",
        "address": "192.0.2.10",
        "port": 8443,
        "username": "root",
        "password": "s3cret-pass",
        "maxaccounts": 10,
        **fields,
    }
    response = await client.post(f"{API}/servers", json=payload, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _stored(runtime: Runtime, server_id: int) -> ProvisioningServer:
    async with runtime.db.reader() as session:
        found = await session.get(ProvisioningServer, server_id)
    assert found is not None
    return found


async def test_a_server_is_created_listed_shown_and_its_credentials_never_leave(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _server(client, staff)
    assert set(server) == SERVER_FIELDS
    assert (server["type"], server["port"], server["maxaccounts"], server["status"], server["accounts"]) == (
        "simulator",
        8443,
        10,
        "active",
        0,
    )
    stored = await _stored(runtime, server["id"])
    # Sealed at rest: neither the password nor the user name is in the row in clear, and both open again.
    assert "s3cret-pass" not in (stored.password_encrypted or "") and "root" not in (stored.username_encrypted or "")
    assert sealing.unseal(stored.password_encrypted) == "s3cret-pass"
    listed = (await client.get(f"{API}/servers", headers=staff)).json()
    assert listed["total"] == 1 and listed["data"][0]["id"] == server["id"]
    shown = (await client.get(f"{API}/servers/{server['id']}", headers=staff)).json()
    assert shown["data"] == [server] and shown["total"] == 1
    for body in (listed, shown, server):
        assert "s3cret-pass" not in str(body) and "password" not in str(body) and "username" not in str(body)
    async with runtime.db.reader() as session:
        logged = await session.scalar(sa.select(AuditEntry.changes).where(AuditEntry.action == "server.create"))
    assert logged is not None and logged["password"] == "***" and "s3cret-pass" not in str(logged)


async def test_filters_and_sorts_in_the_real_names(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    await _server(client, staff, name="B", type="none", maxaccounts=5)
    await _server(client, staff, name="A", address="192.0.2.11", maxaccounts=1)
    by_type = (await client.get(f"{API}/servers", params={"filter[type]": "none"}, headers=staff)).json()
    assert [row["name"] for row in by_type["data"]] == ["B"]
    by_max = (await client.get(f"{API}/servers", params={"sort": "maxaccounts"}, headers=staff)).json()
    assert [row["name"] for row in by_max["data"]] == ["A", "B"]


# The real ServerUpdateCredentialsTest, translated.


async def _stored_server(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, Any]:
    return await _server(
        client,
        staff,
        name="Stored server",
        type="none",
        address="panel.example.test",
        hostname="panel.example.test",
        username="stored-user",
        password="stored-secret",
        port=443,
        maxaccounts=None,
    )


async def test_changing_the_address_without_credentials_is_refused(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _stored_server(client, staff)
    response = await client.post(
        f"{API}/servers/{server['id']}",
        json={"address": "elsewhere.example.test", "hostname": "elsewhere.example.test", "port": 443},
        headers=staff,
    )
    assert response.status_code == 422 and "password" in response.json()["errors"]
    stored = await _stored(runtime, server["id"])
    assert (stored.address, stored.hostname) == ("panel.example.test", "panel.example.test")


async def test_an_update_on_the_same_destination_keeps_the_stored_credentials(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _stored_server(client, staff)
    response = await client.post(
        f"{API}/servers/{server['id']}",
        json={
            "name": "Renamed server",
            "address": "panel.example.test",
            "hostname": "panel.example.test",
            "port": 8443,
        },
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["port"]) == ("Renamed server", 8443)
    stored = await _stored(runtime, server["id"])
    assert sealing.unseal(stored.username_encrypted) == "stored-user"
    assert sealing.unseal(stored.password_encrypted) == "stored-secret"


async def test_changing_the_address_with_credentials_is_accepted(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _stored_server(client, staff)
    response = await client.put(
        f"{API}/servers/{server['id']}",
        json={
            "address": "elsewhere.example.test",
            "hostname": "elsewhere.example.test",
            "port": 443,
            "username": "new-user",
            "password": "new-secret",
        },
        headers=staff,
    )
    assert response.status_code == 200, response.text
    stored = await _stored(runtime, server["id"])
    assert stored.address == "elsewhere.example.test"
    assert sealing.unseal(stored.username_encrypted) == "new-user"
    assert sealing.unseal(stored.password_encrypted) == "new-secret"


async def test_a_token_without_the_update_ability_is_refused(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _stored_server(client, staff)
    reader = bearer(await make_api_key(runtime, "servers:index"))
    response = await client.post(
        f"{API}/servers/{server['id']}",
        json={"address": "panel.example.test", "hostname": "panel.example.test", "port": 443},
        headers=reader,
    )
    assert response.status_code == 403


# Every route: 401, 403, 404, bad input.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/servers"),
        ("POST", "/servers"),
        ("GET", "/servers/1"),
        ("POST", "/servers/1"),
        ("DELETE", "/servers/1"),
        ("POST", "/servers/test"),
    ],
)
async def test_server_routes_need_a_key_and_its_ability(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body: dict[str, object] | None = {} if method == "POST" else None
    assert (await client.request(method, f"{API}{path}", json=body)).status_code == 401
    other = bearer(await make_api_key(runtime, "customers:index"))
    assert (await client.request(method, f"{API}{path}", json=body, headers=other)).status_code == 403


async def test_an_unknown_or_test_mode_server_is_not_found(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _server(client, staff)
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    for headers, server_id in ((staff, 999_999), (sandbox, server["id"])):
        assert (await client.get(f"{API}/servers/{server_id}", headers=headers)).status_code == 404
        assert (await client.post(f"{API}/servers/{server_id}", json={"name": "x"}, headers=headers)).status_code == 404
        assert (await client.delete(f"{API}/servers/{server_id}", headers=headers)).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "no-such-module"}, "type"),
        ({"type": "cms_instance"}, "type"),  # a module that runs on no servers
        ({"port": 70000}, "port"),
        ({"port": "https"}, "port"),
        ({"hostname": "not a host"}, "hostname"),
        ({"address": ""}, "address"),
        ({"name": ""}, "name"),
        ({"maxaccounts": -1}, "maxaccounts"),
        ({"status": "broken"}, "status"),
    ],
)
async def test_bad_servers_name_the_field_and_write_nothing(
    client: httpx.AsyncClient, staff: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    base = {"name": "N", "type": "simulator", "hostname": "n.example.test", "address": "192.0.2.1"}
    response = await client.post(f"{API}/servers", json={**base, **payload}, headers=staff)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert (await client.get(f"{API}/servers", headers=staff)).json()["data"] == []


async def test_a_bad_update_names_the_field_and_changes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _server(client, staff)
    await _server(client, staff, name="Other", address="192.0.2.99")
    for payload, field in (({"name": "Other"}, "name"), ({"port": 0}, "port"), ({"type": "nope"}, "type")):
        response = await client.patch(f"{API}/servers/{server['id']}", json=payload, headers=staff)
        assert response.status_code == 422 and field in response.json()["errors"], response.text
    assert (await _stored(runtime, server["id"])).name == "Node-Paris-01"


# Deletion


async def test_a_server_with_live_services_cannot_go_and_an_empty_one_can(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    server = await _server(client, staff)
    await make_service(runtime)  # placed on the only simulator server
    refused = await client.delete(f"{API}/servers/{server['id']}", headers=staff)
    assert refused.status_code == 409
    empty = await _server(client, staff, name="Empty", address="192.0.2.50")
    deleted = await client.delete(f"{API}/servers/{empty['id']}", headers=staff)
    assert deleted.status_code == 200 and deleted.json() == {"message": "The server was deleted."}
    assert (await client.get(f"{API}/servers/{empty['id']}", headers=staff)).status_code == 404


# The connection test, through the module's driver


async def test_the_connection_test_goes_through_the_driver(
    client: httpx.AsyncClient, staff: dict[str, str], simulator: SimulatorModule
) -> None:
    probe = {"type": "simulator", "address": "192.0.2.10", "hostname": "n1.example.test", "port": 8443}
    ok = await client.post(f"{API}/servers/test", json={**probe, "password": "right"}, headers=staff)
    assert ok.status_code == 200 and ok.json()["success"] is True, ok.text
    assert simulator.state.calls["test_connection"] == 1
    # A server that does not answer, then one that refuses the password: each a failed check, said so.
    simulator.state.unreachable.add("192.0.2.10")
    down = (await client.post(f"{API}/servers/test", json={**probe, "password": "right"}, headers=staff)).json()
    assert down["success"] is False and "did not answer" in down["message"]
    simulator.state.unreachable.clear()
    simulator.state.passwords["192.0.2.10"] = "right"
    wrong = (await client.post(f"{API}/servers/test", json={**probe, "password": "wrong"}, headers=staff)).json()
    assert wrong == {"success": False, "status": 500, "message": "192.0.2.10:8443 refused the credentials."}


async def test_the_connection_test_of_a_stored_server_uses_its_sealed_credentials(
    client: httpx.AsyncClient, staff: dict[str, str], simulator: SimulatorModule
) -> None:
    server = await _server(client, staff, password="kept-secret")
    simulator.state.passwords["192.0.2.10"] = "kept-secret"
    stored = (await client.post(f"{API}/servers/test", json={"server_id": server["id"]}, headers=staff)).json()
    assert stored["success"] is True, stored
    # Elsewhere, the stored credentials are not sent: the caller must give them.
    moved = await client.post(
        f"{API}/servers/test", json={"server_id": server["id"], "address": "198.51.100.7"}, headers=staff
    )
    assert moved.status_code == 422 and "password" in moved.json()["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"address": "192.0.2.1"}, "type"),
        ({"type": "simulator"}, "address"),
        ({"type": "telephony", "address": "192.0.2.1"}, "type"),
        ({"server_id": 999_999}, "server_id"),
        ({"type": "simulator", "address": "192.0.2.1", "port": 0}, "port"),
    ],
)
async def test_a_bad_connection_test_names_the_field(
    client: httpx.AsyncClient, staff: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{API}/servers/test", json=payload, headers=staff)
    assert response.status_code == 422 and field in response.json()["errors"], response.text


# Placement


async def _placed(runtime: Runtime, service_id: int) -> int | None:
    async with runtime.db.reader() as session:
        return await session.scalar(sa.select(Service.server_id).where(Service.id == service_id))


async def test_services_go_to_the_least_loaded_active_server_with_room(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str], simulator: SimulatorModule
) -> None:
    first = await _server(client, staff, name="First", maxaccounts=2)
    second = await _server(client, staff, name="Second", address="192.0.2.20", maxaccounts=1)
    hidden = await _server(client, staff, name="Hidden", address="192.0.2.30", status="hidden")
    await _server(client, staff, name="Other module", type="none", address="192.0.2.40")
    product = int((await make_product(runtime, type="simulator"))["id"])  # type: ignore[call-overload]
    placed = [await _placed(runtime, await make_service(runtime, product_id=product)) for _ in range(4)]
    # A tie goes to the lowest id; a full server gets nothing; a hidden one never does; the fourth finds no room.
    assert placed == [first["id"], second["id"], first["id"], None]
    assert hidden["id"] not in placed
    shown = (await client.get(f"{API}/servers", params={"sort": "id"}, headers=staff)).json()["data"]
    assert [row["accounts"] for row in shown] == [2, 1, 0, 0]
    service = (await client.get(f"{API}/services", params={"sort": "id"}, headers=staff)).json()["data"][0]
    assert service["server_id"] == first["id"]
    # The module created each placed service on the server it was given, and the unplaced one on none.
    assert simulator.state.calls["create"] == 4
    assert sorted(simulator.state.hosts.values()) == ["paris01.example.test"] * 3


async def test_a_terminated_service_frees_its_place(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    only = await _server(client, staff, maxaccounts=1)
    product = int((await make_product(runtime, type="simulator"))["id"])  # type: ignore[call-overload]
    first = await make_service(runtime, product_id=product)
    assert await _placed(runtime, first) == only["id"]
    async with runtime.db.transaction() as session:
        await services.transition(session, Principal.system(), first, ServiceStatus.TERMINATED)
    await drain(runtime)
    assert await _placed(runtime, await make_service(runtime, product_id=product)) == only["id"]


async def test_concurrent_placements_never_overfill_a_server(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    only = await _server(client, staff, maxaccounts=1)
    product = int((await make_product(runtime, type="simulator"))["id"])  # type: ignore[call-overload]
    pending = [await make_service(runtime, product_id=product, status="pending") for _ in range(3)]

    async def activate(service_id: int) -> None:
        async with runtime.db.transaction() as session:
            await services.transition(session, Principal.system(), service_id, ServiceStatus.ACTIVE)

    await asyncio.gather(*(activate(service_id) for service_id in pending))
    placed = [await _placed(runtime, service_id) for service_id in pending]
    assert placed.count(only["id"]) == 1 and placed.count(None) == 2
