"""The services routes of the application face."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from hostlane.core import clock
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.jobs.runner import drain
from hostlane.models import AuditEntry, Service
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_service
from tests.fixtures.http import bearer as auth

SERVICE_FIELDS = {
    "id",
    "customer_id",
    "product_id",
    "name",
    "billing",
    "price",
    "currency",
    "status",
    "next_due_date",
    "expires_at",
    "suspended_at",
    "suspend_reason",
    "cancelled_at",
    "cancelled_reason",
    "notes",
    "data",
    "delivery_status",
    "delivery_action",
    "delivery_attempts",
    "delivery_errors",
    "created_at",
    "updated_at",
}


async def test_show_has_the_exact_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    due = clock.today() + dt.timedelta(days=30)
    service_id = await make_service(runtime, price_minor=1965, next_due_date=due)
    key = await make_api_key(runtime, "services:index")
    body = (await client.get(f"/api/application/services/{service_id}", headers=auth(key))).json()
    assert set(body) == SERVICE_FIELDS
    assert body["id"] == service_id and body["status"] == "active" and body["billing"] == "monthly"
    assert body["price"] == "19.65" and body["currency"] == "EUR" and body["next_due_date"] == due.isoformat()
    assert body["delivery_status"] == "done" and body["delivery_action"] == "create"
    assert body["created_at"].endswith("Z")


async def test_list_paginates_filters_sorts_and_includes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    ids = [await make_service(runtime, customer_id=int(customer["id"])) for _ in range(3)]  # type: ignore[call-overload]
    suspended = await make_service(runtime, status="suspended")
    key = await make_api_key(runtime, "services:index", "customers:index", "products:index")
    page = (await client.get("/api/application/services?per_page=2&sort=-id", headers=auth(key))).json()
    assert [s["id"] for s in page["data"]] == [suspended, ids[2]]
    assert page["meta"]["total"] == 4 and page["meta"]["last_page"] == 2 and page["meta"]["per_page"] == 2
    assert page["links"]["next"].endswith("page=2") and page["links"]["prev"] is None
    only = (await client.get("/api/application/services?filter[status]=suspended", headers=auth(key))).json()
    assert [s["id"] for s in only["data"]] == [suspended]
    mine = (
        await client.get(
            f"/api/application/services?filter[customer_id]={customer['id']}&include=customer,product",
            headers=auth(key),
        )
    ).json()
    assert [s["id"] for s in mine["data"]] == ids
    assert mine["data"][0]["customer"]["email"] == customer["email"]
    assert mine["data"][0]["product"]["type"] == "simulator"
    bad = await client.get("/api/application/services?include=invoices", headers=auth(key))
    assert bad.status_code == 400 and "invoices" in bad.json()["message"]


async def test_suspend_unsuspend_expire_through_the_api(
    runtime: Runtime, client: httpx.AsyncClient, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "services:suspend", "services:unsuspend", "services:expire")
    response = await client.post(
        f"/api/application/services/{service_id}/suspend", headers=auth(key), json={"reason": "Unpaid invoice"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["status"] == "suspended" and body["data"]["suspend_reason"] == "Unpaid invoice"
    assert body["data"]["delivery_status"] == "pending"
    assert body["result"]["success"] is True and body["result"]["message"] == f"Service {service_id} suspended"
    await drain(runtime)
    assert simulator.state.machines[service_id] == "suspended"

    again = await client.post(f"/api/application/services/{service_id}/suspend", headers=auth(key))
    assert again.status_code == 409
    assert again.json() == {"message": "The service cannot go from suspended to suspended."}

    back = await client.post(f"/api/application/services/{service_id}/unsuspend", headers=auth(key))
    assert back.json()["data"]["status"] == "active" and back.json()["data"]["suspended_at"] is None
    expired = await client.post(f"/api/application/services/{service_id}/expire", headers=auth(key))
    assert expired.status_code == 200 and expired.json()["data"]["status"] == "expired"
    await drain(runtime)
    assert service_id not in simulator.state.machines
    assert simulator.state.calls["suspend"] == 1 and simulator.state.calls["unsuspend"] == 1
    assert simulator.state.calls["terminate"] == 1


async def test_update_is_partial_and_delete_refuses_live_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "services:update", "services:delete", "services:index")
    for method in ("POST", "PUT", "PATCH"):
        response = await client.request(
            method, f"/api/application/services/{service_id}", headers=auth(key), json={"notes": f"via {method}"}
        )
        assert response.status_code == 200 and response.json()["notes"] == f"via {method}"
    changed = await client.patch(
        f"/api/application/services/{service_id}",
        headers=auth(key),
        json={"price": "12.50", "next_due_date": "2027-02-01", "billing": "annually"},
    )
    body = changed.json()
    assert body["price"] == "12.50" and body["next_due_date"] == "2027-02-01" and body["billing"] == "annually"
    assert body["notes"] == "via PATCH" and body["status"] == "active"
    bad = await client.patch(
        f"/api/application/services/{service_id}",
        headers=auth(key),
        json={"price": "-1", "billing": "weekly", "next_due_date": "soon"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"price", "billing", "next_due_date"}
    refused = await client.delete(f"/api/application/services/{service_id}", headers=auth(key))
    assert refused.status_code == 409
    async with runtime.db.reader() as session:
        assert await session.get(Service, service_id) is not None


async def test_delete_a_terminated_service(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime, status="terminated")
    key = await make_api_key(runtime, "services:delete", "services:index")
    response = await client.delete(f"/api/application/services/{service_id}", headers=auth(key))
    assert response.status_code == 200 and response.json()["id"] == service_id
    assert (await client.get(f"/api/application/services/{service_id}", headers=auth(key))).status_code == 404
    async with runtime.db.reader() as session:
        actions = (
            await session.scalars(
                sa.select(AuditEntry.action).where(
                    AuditEntry.object_id == service_id, AuditEntry.object_type == "service"
                )
            )
        ).all()
    assert "service.delete" in actions


async def test_a_test_mode_key_never_sees_live_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    live_id = await make_service(runtime)
    test_id = await make_service(runtime, livemode=False)
    test_key = await make_api_key(runtime, "*", livemode=False)
    assert (await client.get(f"/api/application/services/{live_id}", headers=auth(test_key))).status_code == 404
    suspend = await client.post(f"/api/application/services/{live_id}/suspend", headers=auth(test_key))
    assert suspend.status_code == 404 and suspend.json() == {"message": "Service not found."}
    listed = (await client.get("/api/application/services", headers=auth(test_key))).json()
    assert [s["id"] for s in listed["data"]] == [test_id]
    live_key = await make_api_key(runtime, "*")
    assert (await client.get(f"/api/application/services/{test_id}", headers=auth(live_key))).status_code == 404


async def test_failed_delivery_shows_on_the_api(
    runtime: Runtime, client: httpx.AsyncClient, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "*")
    simulator.fail_next(1)
    await client.post(f"/api/application/services/{service_id}/suspend", headers=auth(key))
    await drain(runtime)
    body = (await client.get(f"/api/application/services/{service_id}", headers=auth(key))).json()
    assert body["status"] == "suspended" and body["delivery_status"] == "pending"
    assert body["delivery_attempts"] == 1 and "timed out" in body["delivery_errors"]


async def test_xml(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "services:index")
    response = await client.get(f"/api/application/services/{service_id}", headers=auth(key, Accept="application/xml"))
    assert response.headers["content-type"].startswith("application/xml")
    assert f"<id>{service_id}</id>".encode() in response.content and b"<status>active</status>" in response.content
