"""IP pools, PDUs, and the addresses and outlets staff give to services, on the application face."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from hostlane.models import AuditEntry, IpAddress
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_service
from tests.fixtures.http import bearer

API = "/api/application"


@pytest.fixture
async def staff(runtime: Runtime) -> dict[str, str]:
    return bearer(await make_api_key(runtime))


async def _pool(client: httpx.AsyncClient, staff: dict[str, str], **fields: object) -> dict:  # type: ignore[type-arg]
    payload = {"name": "Frankfurt v4", "network": "192.0.2.0/29", "gateway": "192.0.2.1", **fields}
    response = await client.post(f"{API}/ip-pools", json=payload, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_pool_lifecycle_and_next_free_addresses(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    pool = await _pool(client, staff)
    assert set(pool) == {"id", "name", "network", "gateway", "assigned", "created_at", "updated_at"}
    assert (pool["network"], pool["gateway"], pool["assigned"]) == ("192.0.2.0/29", "192.0.2.1", 0)
    service_id = await make_service(runtime)
    url = f"{API}/services/{service_id}/ips"
    # The next free host address: never the network, the gateway or the broadcast address.
    given = [(await client.post(url, json={"pool_id": pool["id"]}, headers=staff)).json() for _ in range(5)]
    assert [row["address"] for row in given] == [f"192.0.2.{n}" for n in range(2, 7)]
    assert set(given[0]) == {"id", "address", "pool_id", "pool", "network", "gateway", "service_id", "created_at"}
    exhausted = await client.post(url, json={"pool_id": pool["id"]}, headers=staff)
    assert exhausted.status_code == 409 and exhausted.json() == {"message": "The pool has no free address left."}
    assert (await client.get(f"{API}/ip-pools/{pool['id']}", headers=staff)).json()["assigned"] == 5
    in_use = await client.delete(f"{API}/ip-pools/{pool['id']}", headers=staff)
    assert in_use.status_code == 409

    taken_back = await client.delete(f"{url}/{given[1]['id']}", headers=staff)
    assert taken_back.status_code == 200 and taken_back.json()["address"] == "192.0.2.3"
    listed = (await client.get(url, headers=staff)).json()["data"]
    assert [row["address"] for row in listed] == ["192.0.2.2", "192.0.2.4", "192.0.2.5", "192.0.2.6"]
    again = await client.post(url, json={"pool_id": pool["id"]}, headers=staff)
    assert again.json()["address"] == "192.0.2.3"
    async with runtime.db.reader() as session:
        actions = list(await session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == service_id)))
    assert actions.count("service.ip_assign") == 6 and actions.count("service.ip_unassign") == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"network": "192.0.2.1/24"}, "network"),  # host bits set
        ({"network": "not a network"}, "network"),
        ({"network": "192.0.2.7/32"}, "network"),
        ({"gateway": "198.51.100.1"}, "gateway"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_pools_name_the_field(
    client: httpx.AsyncClient, staff: dict[str, str], payload: dict[str, object], field: str
) -> None:
    base = {"name": "Pool", "network": "192.0.2.0/24", "gateway": "192.0.2.1"}
    response = await client.post(f"{API}/ip-pools", json={**base, **payload}, headers=staff)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert (await client.get(f"{API}/ip-pools", headers=staff)).json()["data"] == []


async def test_pools_may_not_overlap_or_share_a_name(client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    await _pool(client, staff, network="192.0.2.0/24")
    overlap = await client.post(f"{API}/ip-pools", json={"name": "B", "network": "192.0.2.128/25"}, headers=staff)
    assert overlap.status_code == 422
    assert overlap.json()["errors"] == {"network": ["The network overlaps the pool 192.0.2.0/24."]}
    same_name = await client.post(
        f"{API}/ip-pools", json={"name": "frankfurt V4", "network": "10.0.0.0/8"}, headers=staff
    )
    assert same_name.status_code == 422 and same_name.json()["errors"] == {"name": ["The name has already been taken."]}
    v6 = await client.post(f"{API}/ip-pools", json={"name": "v6", "network": "2001:db8::/64"}, headers=staff)
    assert v6.status_code == 201 and v6.json()["network"] == "2001:db8::/64"


async def test_a_named_address_must_be_a_free_host_of_the_pool(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    pool = await _pool(client, staff)
    first, second = await make_service(runtime), await make_service(runtime)
    ok = await client.post(
        f"{API}/services/{first}/ips", json={"pool_id": pool["id"], "address": "192.0.2.5"}, headers=staff
    )
    assert ok.status_code == 201 and ok.json()["address"] == "192.0.2.5"
    for address in ("192.0.2.5", "192.0.2.0", "192.0.2.1", "192.0.2.7", "10.0.0.1", "banana"):
        response = await client.post(
            f"{API}/services/{second}/ips", json={"pool_id": pool["id"], "address": address}, headers=staff
        )
        assert response.status_code == 422 and "address" in response.json()["errors"], address
    unknown_pool = await client.post(f"{API}/services/{second}/ips", json={"pool_id": 999999}, headers=staff)
    assert unknown_pool.status_code == 422 and "pool_id" in unknown_pool.json()["errors"]
    assert (
        await client.post(f"{API}/services/999999/ips", json={"pool_id": pool["id"]}, headers=staff)
    ).status_code == 404
    # Another service's address cannot be taken back through this service.
    assert (await client.delete(f"{API}/services/{second}/ips/{ok.json()['id']}", headers=staff)).status_code == 404
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(IpAddress)) == 1


async def test_pdus_and_outlets(runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]) -> None:
    created = await client.post(
        f"{API}/pdus", json={"name": "pdu-a1", "address": "pdu-a1.dc.example.net", "outlets": 8}, headers=staff
    )
    assert created.status_code == 201
    pdu = created.json()
    assert set(pdu) == {"id", "name", "address", "outlets", "created_at", "updated_at"}
    service_id = await make_service(runtime)
    url = f"{API}/services/{service_id}/pdu-ports"
    port = await client.post(url, json={"pdu_id": pdu["id"], "outlet": 7, "label": "PSU 1"}, headers=staff)
    assert port.status_code == 201
    assert {k: port.json()[k] for k in ("pdu", "outlet", "label", "service_id")} == {
        "pdu": "pdu-a1",
        "outlet": 7,
        "label": "PSU 1",
        "service_id": service_id,
    }
    taken = await client.post(url, json={"pdu_id": pdu["id"], "outlet": 7}, headers=staff)
    assert taken.status_code == 422 and "outlet" in taken.json()["errors"]
    beyond = await client.post(url, json={"pdu_id": pdu["id"], "outlet": 9}, headers=staff)
    assert beyond.status_code == 422 and beyond.json()["errors"] == {"outlet": ["The PDU pdu-a1 has outlets 1 to 8."]}
    shrink = await client.patch(f"{API}/pdus/{pdu['id']}", json={"outlets": 4}, headers=staff)
    assert shrink.status_code == 422 and shrink.json()["errors"] == {"outlets": ["Outlet 7 is assigned to a service."]}
    assert (await client.delete(f"{API}/pdus/{pdu['id']}", headers=staff)).status_code == 409
    bad_host = await client.patch(f"{API}/pdus/{pdu['id']}", json={"address": "not a host"}, headers=staff)
    assert bad_host.status_code == 422 and "address" in bad_host.json()["errors"]
    assert [row["outlet"] for row in (await client.get(url, headers=staff)).json()["data"]] == [7]
    assert (await client.delete(f"{url}/{port.json()['id']}", headers=staff)).status_code == 200
    assert (await client.delete(f"{API}/pdus/{pdu['id']}", headers=staff)).status_code == 200
    assert (await client.get(f"{API}/pdus/{pdu['id']}", headers=staff)).status_code == 404


async def test_test_mode_keys_see_no_live_pools_or_pdus(
    runtime: Runtime, client: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    pool = await _pool(client, staff)
    sandbox = bearer(await make_api_key(runtime, livemode=False))
    assert (await client.get(f"{API}/ip-pools/{pool['id']}", headers=sandbox)).status_code == 404
    test_service = await make_service(runtime, livemode=False)
    response = await client.post(f"{API}/services/{test_service}/ips", json={"pool_id": pool["id"]}, headers=sandbox)
    assert response.status_code == 422 and "pool_id" in response.json()["errors"]


async def test_scoped_ipv6_addresses_are_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    staff = bearer(await make_api_key(runtime))
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
