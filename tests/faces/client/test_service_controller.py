"""CLIENTXCMS's ``ServiceControllerTest`` over HTTP (Hostlane has no hidden services: those cases have no
counterpart)."""

from __future__ import annotations

import httpx

from hostlane.runtime import Runtime
from tests.faces.client.kit import API, assert_client_error, customer, logged_in
from tests.fixtures.factories import make_service


async def test_customer_can_list_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    active = await make_service(runtime, customer_id=int(str(row["id"])), status="active")
    suspended = await make_service(runtime, customer_id=int(str(row["id"])), status="suspended")
    answer = await client.get(f"{API}/services", headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert [item["id"] for item in body["data"]] == [suspended, active]
    assert set(body["data"][0]) >= {"id", "name", "type", "status", "status_label", "expires_at", "created_at"}
    assert (body["data"][0]["status"], body["data"][0]["status_label"]) == ("suspended", "Suspended")
    assert body["meta"]["total"] == 2


async def test_customer_can_filter_services_by_status(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    active = await make_service(runtime, customer_id=int(str(row["id"])), status="active")
    await make_service(runtime, customer_id=int(str(row["id"])), status="suspended")
    answer = await client.get(f"{API}/services?status=active", headers=headers)
    assert [item["id"] for item in answer.json()["data"]] == [active]
    refused = await client.get(f"{API}/services?status=hidden", headers=headers)
    assert_client_error(refused, 422)
    assert list(refused.json()["errors"]) == ["status"]


async def test_customer_cannot_see_other_customer_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    other = await customer(runtime)
    theirs = await make_service(runtime, customer_id=int(str(other["id"])))
    assert (await client.get(f"{API}/services", headers=headers)).json()["data"] == []
    assert_client_error(await client.get(f"{API}/services/{theirs}", headers=headers), 404)


async def test_customer_can_view_service_details(runtime: Runtime, client: httpx.AsyncClient) -> None:
    row, headers = await logged_in(runtime, client)
    service_id = await make_service(runtime, customer_id=int(str(row["id"])), price_minor=1250)
    answer = await client.get(f"{API}/services/{service_id}", headers=headers)
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert set(data) >= {
        "id", "name", "type", "status", "status_label", "billing_cycle", "price_ht", "price_ttc", "expires_at",
        "created_at", "can_renew",
    }  # fmt: skip
    assert (data["id"], data["billing_cycle"], data["price_ht"], data["can_renew"]) == (
        service_id,
        "monthly",
        12.5,
        True,
    )
    assert data["suspension"] is None


async def test_service_details_include_suspension_info_when_suspended(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    row, headers = await logged_in(runtime, client)
    service_id = await make_service(runtime, customer_id=int(str(row["id"])), status="suspended")
    data = (await client.get(f"{API}/services/{service_id}", headers=headers)).json()["data"]
    assert set(data["suspension"]) == {"reason", "suspended_at"} and data["suspension"]["suspended_at"]


async def test_services_need_a_token(client: httpx.AsyncClient) -> None:
    assert_client_error(await client.get(f"{API}/services"), 401)
    assert_client_error(await client.get(f"{API}/services/1"), 401)


async def test_a_bad_service_id_is_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, headers = await logged_in(runtime, client)
    assert_client_error(await client.get(f"{API}/services/0", headers=headers), 422)
