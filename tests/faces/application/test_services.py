"""The services routes of the application face, as CLIENTXCMS's service model and controller answer.

CLIENTXCMS has no PHP feature test of its application services; these follow its ``ServiceController``, its
``Service`` model's columns and its state-change answer (``{data, result}``)."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
import sqlalchemy as sa

from hostlane.billing import renewals
from hostlane.core import clock
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.jobs.runner import drain
from hostlane.models import AuditEntry, Invoice, Service
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product, make_service
from tests.fixtures.http import assert_laravel_error, page_of_one
from tests.fixtures.http import bearer as auth

API = "/api/application"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SERVICE_FIELDS = {
    # CLIENTXCMS's service model
    "id",
    "uuid",
    "customer_id",
    "name",
    "type",
    "billing",
    "currency",
    "server_id",
    "product_id",
    "invoice_id",
    "status",
    "expires_at",
    "suspended_at",
    "suspend_reason",
    "cancelled_at",
    "cancelled_reason",
    "is_cancelled",
    "notes",
    "description",
    "data",
    "delivery_errors",
    "delivery_attempts",
    "renewals",
    "max_renewals",
    "trial_ends_at",
    "created_at",
    "updated_at",
    # Hostlane's own
    "price",
    "next_due_date",
    "delivery_status",
    "delivery_action",
}


def midnight(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00.000000Z"


async def test_show_has_the_exact_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    due = clock.today() + dt.timedelta(days=30)
    service_id = await make_service(runtime, price_minor=1965, next_due_date=due)
    key = await make_api_key(runtime, "services:show")
    # A page of one, as CLIENTXCMS's ``queryShow`` answers.
    body = page_of_one(await client.get(f"{API}/services/{service_id}", headers=auth(key)))
    assert set(body) == SERVICE_FIELDS
    assert UUID.match(body["uuid"])
    assert {name: body[name] for name in ("id", "type", "billing", "currency", "status", "renewals")} == {
        "id": service_id,
        "type": "simulator",  # the product's provisioning module
        "billing": "monthly",
        "currency": "EUR",
        "status": "active",
        "renewals": 0,
    }
    # Activated without a renewal paid yet: paid until its next due date.
    assert body["expires_at"] == midnight(due) and body["next_due_date"] == due.isoformat()
    assert (body["invoice_id"], body["server_id"], body["is_cancelled"], body["trial_ends_at"]) == (
        None,
        None,
        False,
        None,
    )
    assert body["price"] == "19.65" and body["delivery_status"] == "done" and body["delivery_action"] == "create"
    assert body["created_at"].endswith("Z")
    # The document's ``services:index`` still reads one service.
    index_key = await make_api_key(runtime, "services:index")
    assert page_of_one(await client.get(f"{API}/services/{service_id}", headers=auth(index_key))) == body


async def test_each_service_has_its_own_uuid(runtime: Runtime, client: httpx.AsyncClient) -> None:
    ids = [await make_service(runtime) for _ in range(3)]
    key = await make_api_key(runtime, "services:index")
    listed = (await client.get(f"{API}/services", headers=auth(key))).json()["data"]
    assert [row["id"] for row in listed] == ids
    assert len({row["uuid"] for row in listed}) == 3


async def test_show_refusals(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    url = f"{API}/services/{service_id}"
    assert_laravel_error(await client.get(url), 401)
    assert_laravel_error(await client.get(url, headers=auth("hl_live_not-a-key")), 401)
    assert_laravel_error(await client.get(url, headers=auth(await make_api_key(runtime, "customers:index"))), 403)
    key = auth(await make_api_key(runtime, "services:show"))
    assert_laravel_error(await client.get(f"{API}/services/999999", headers=key), 404, "Service not found.")
    assert (await client.get(f"{API}/services/abc", headers=key)).status_code == 422


async def test_list_paginates_filters_sorts_and_includes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    ids = [await make_service(runtime, customer_id=int(customer["id"])) for _ in range(3)]  # type: ignore[call-overload]
    suspended = await make_service(runtime, status="suspended")
    key = await make_api_key(runtime, "services:index", "customers:index", "products:index")
    page = (await client.get(f"{API}/services?per_page=2&sort=-id", headers=auth(key))).json()
    assert set(page) == {"data", "links", "meta"}
    assert [s["id"] for s in page["data"]] == [suspended, ids[2]]
    assert page["meta"]["total"] == 4 and page["meta"]["last_page"] == 2 and page["meta"]["per_page"] == 2
    assert page["links"]["next"].endswith("page=2") and page["links"]["prev"] is None
    only = (await client.get(f"{API}/services?filter[status]=suspended", headers=auth(key))).json()
    assert [s["id"] for s in only["data"]] == [suspended]
    by_status = (await client.get(f"{API}/services?sort=-status,id", headers=auth(key))).json()
    assert [s["id"] for s in by_status["data"]] == [suspended, *ids]
    mine = (
        await client.get(
            f"{API}/services?filter[customer_id]={customer['id']}&include=customer,product",
            headers=auth(key),
        )
    ).json()
    assert [s["id"] for s in mine["data"]] == ids
    assert mine["data"][0]["customer"]["email"] == customer["email"]
    assert mine["data"][0]["product"]["type"] == "simulator"
    bad = await client.get(f"{API}/services?include=invoices", headers=auth(key))
    assert bad.status_code == 400 and "invoices" in bad.json()["message"]
    assert (await client.get(f"{API}/services?filter[colour]=red", headers=auth(key))).status_code == 400
    assert_laravel_error(await client.get(f"{API}/services"), 401)
    wrong = auth(await make_api_key(runtime, "customers:index"))
    assert_laravel_error(await client.get(f"{API}/services", headers=wrong), 403)


async def test_statuses_are_clientxcms_words(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """CLIENTXCMS has no "terminated": a terminated service reads, and filters, as "expired"."""
    made = {status: await make_service(runtime, status=status) for status in ("pending", "expired", "terminated")}
    made["cancelled"] = await make_service(runtime, status="cancelled")
    key = auth(await make_api_key(runtime, "services:index"))
    rows = {row["id"]: row for row in (await client.get(f"{API}/services", headers=key)).json()["data"]}
    assert {status: rows[made[status]]["status"] for status in made} == {
        "pending": "pending",
        "expired": "expired",
        "terminated": "expired",
        "cancelled": "cancelled",
    }
    assert rows[made["cancelled"]]["is_cancelled"] is True
    expired = (await client.get(f"{API}/services?filter[status]=expired", headers=key)).json()["data"]
    assert [row["id"] for row in expired] == [made["expired"], made["terminated"]]
    both = (await client.get(f"{API}/services?filter[status]=pending,cancelled", headers=key)).json()["data"]
    assert [row["id"] for row in both] == [made["pending"], made["cancelled"]]
    for word in ("hidden", "terminated", "Active"):  # theirs but never stored, Hostlane's, another spelling
        assert (await client.get(f"{API}/services?filter[status]={word}", headers=key)).json()["data"] == []


async def test_suspend_unsuspend_expire_through_the_api(
    runtime: Runtime, client: httpx.AsyncClient, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "services:suspend", "services:unsuspend", "services:expire")
    response = await client.post(
        f"{API}/services/{service_id}/suspend", headers=auth(key), json={"reason": "Unpaid invoice"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "result"}
    assert body["data"]["status"] == "suspended" and body["data"]["suspend_reason"] == "Unpaid invoice"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", body["result"]["created_at"])
    assert body["data"]["delivery_status"] == "pending"
    # CLIENTXCMS's state-change object: the service again, success, message, when, and the module's data.
    assert body["result"] == {
        "service": body["data"],
        "success": True,
        "message": f"Server {service_id} suspended",
        "created_at": body["result"]["created_at"],
        "data": [],
    }
    await drain(runtime)
    assert simulator.state.machines[service_id] == "suspended"

    again = await client.post(f"{API}/services/{service_id}/suspend", headers=auth(key))
    assert_laravel_error(again, 409, "The service cannot go from suspended to suspended.")

    back = await client.post(f"{API}/services/{service_id}/unsuspend", headers=auth(key))
    assert back.status_code == 200
    assert back.json()["data"]["status"] == "active" and back.json()["data"]["suspended_at"] is None
    assert back.json()["result"]["message"] == f"Server {service_id} unsuspended"
    before = clock.now()
    expired = await client.post(f"{API}/services/{service_id}/expire", headers=auth(key))
    assert expired.status_code == 200 and expired.json()["data"]["status"] == "expired"
    assert expired.json()["result"]["message"] == f"Server {service_id} expired"
    # Expiring cuts what was paid for to now, as CLIENTXCMS's expire does.
    assert before.isoformat()[:10] <= expired.json()["data"]["expires_at"][:10] <= clock.now().isoformat()[:10]
    await drain(runtime)
    assert service_id not in simulator.state.machines
    assert simulator.state.calls["suspend"] == 1 and simulator.state.calls["unsuspend"] == 1
    assert simulator.state.calls["terminate"] == 1


@pytest.mark.parametrize("action", ["suspend", "unsuspend", "expire"])
async def test_action_refusals(runtime: Runtime, client: httpx.AsyncClient, action: str) -> None:
    service_id = await make_service(runtime)
    url = f"{API}/services/{service_id}/{action}"
    assert_laravel_error(await client.post(url), 401)
    others = {"suspend", "unsuspend", "expire"} - {action}
    wrong = auth(await make_api_key(runtime, "services:index", *(f"services:{name}" for name in others)))
    assert_laravel_error(await client.post(url, headers=wrong), 403)
    key = auth(await make_api_key(runtime, f"services:{action}"))
    assert_laravel_error(await client.post(f"{API}/services/999999/{action}", headers=key), 404, "Service not found.")
    async with runtime.db.reader() as session:
        assert (await session.get(Service, service_id)).status == "active"  # type: ignore[union-attr]


async def test_a_suspension_reason_is_checked(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    key = auth(await make_api_key(runtime, "services:suspend"))
    response = await client.post(f"{API}/services/{service_id}/suspend", headers=key, json={"reason": "x" * 256})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"reason"}
    async with runtime.db.reader() as session:
        assert (await session.get(Service, service_id)).status == "active"  # type: ignore[union-attr]


async def test_update_is_partial_and_delete_refuses_live_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "services:update", "services:delete", "services:index")
    for method in ("POST", "PUT", "PATCH"):
        response = await client.request(
            method, f"{API}/services/{service_id}", headers=auth(key), json={"notes": f"via {method}"}
        )
        assert response.status_code == 200 and response.json()["notes"] == f"via {method}"
    changed = await client.patch(
        f"{API}/services/{service_id}",
        headers=auth(key),
        json={"price": "12.50", "next_due_date": "2027-02-01", "billing": "annually", "expires_at": "2027-03-01"},
    )
    body = changed.json()
    assert body["price"] == "12.50" and body["next_due_date"] == "2027-02-01" and body["billing"] == "annually"
    assert body["expires_at"] == "2027-03-01T00:00:00.000000Z"
    assert body["notes"] == "via PATCH" and body["status"] == "active"
    bad = await client.patch(
        f"{API}/services/{service_id}",
        headers=auth(key),
        json={"price": "-1", "billing": "weekly", "next_due_date": "soon"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"price", "billing", "next_due_date"}
    refused = await client.delete(f"{API}/services/{service_id}", headers=auth(key))
    # CLIENTXCMS deletes a running service and leaves its server running; Hostlane refuses (see the face's notes).
    assert_laravel_error(refused, 409, "The service is active; expire or cancel it before deleting it.")
    async with runtime.db.reader() as session:
        assert await session.get(Service, service_id) is not None


async def test_update_refusals(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    url = f"{API}/services/{service_id}"
    assert_laravel_error(await client.patch(url, json={"notes": "x"}), 401)
    wrong = auth(await make_api_key(runtime, "services:index"))
    assert_laravel_error(await client.patch(url, json={"notes": "x"}, headers=wrong), 403)
    key = auth(await make_api_key(runtime, "services:update"))
    assert_laravel_error(await client.patch(f"{API}/services/999999", json={"notes": "x"}, headers=key), 404)
    async with runtime.db.reader() as session:
        assert (await session.get(Service, service_id)).notes is None  # type: ignore[union-attr]


async def test_delete_a_terminated_service(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime, status="terminated")
    key = await make_api_key(runtime, "services:delete", "services:index")
    assert_laravel_error(await client.delete(f"{API}/services/{service_id}"), 401)
    wrong = auth(await make_api_key(runtime, "services:index"))
    assert_laravel_error(await client.delete(f"{API}/services/{service_id}", headers=wrong), 403)
    assert_laravel_error(await client.delete(f"{API}/services/999999", headers=auth(key)), 404)
    response = await client.delete(f"{API}/services/{service_id}", headers=auth(key))
    # As CLIENTXCMS: 200 and the service as it was.
    assert response.status_code == 200 and response.json()["id"] == service_id
    assert set(response.json()) == SERVICE_FIELDS and response.json()["status"] == "expired"
    assert (await client.get(f"{API}/services/{service_id}", headers=auth(key))).status_code == 404
    async with runtime.db.reader() as session:
        actions = (
            await session.scalars(
                sa.select(AuditEntry.action).where(
                    AuditEntry.object_id == service_id, AuditEntry.object_type == "service"
                )
            )
        ).all()
    assert "service.delete" in actions


async def test_a_paid_renewal_counts_and_moves_the_paid_until_date(runtime: Runtime, client: httpx.AsyncClient) -> None:
    """The renewal invoice shows as the service's ``invoice_id`` until it is paid; paying it counts a renewal
    and moves ``expires_at`` to the end of the period paid."""
    today = clock.today()
    due = today + dt.timedelta(days=5)  # within the renewal window
    service_id = await make_service(runtime, next_due_date=due)
    key = auth(await make_api_key(runtime))
    assert await renewals.renew_due_services(runtime.db, today) == 1
    async with runtime.db.reader() as session:
        invoice_id = await session.scalar(sa.select(sa.func.max(Invoice.id)))
    invoiced = page_of_one(await client.get(f"{API}/services/{service_id}", headers=key))
    assert invoiced["invoice_id"] == invoice_id
    assert invoiced["expires_at"] == midnight(due)  # not paid yet: still paid until the old due date
    following = dt.date.fromisoformat(invoiced["next_due_date"])
    assert following > due and invoiced["renewals"] == 0

    paid = await client.post(f"{API}/invoices/{invoice_id}/pay", headers=key, json={"transaction_id": "bank-7"})
    assert paid.status_code == 200, paid.text
    renewed = page_of_one(await client.get(f"{API}/services/{service_id}", headers=key))
    assert renewed["renewals"] == 1 and renewed["invoice_id"] is None
    assert renewed["expires_at"] == midnight(following)


async def test_an_order_paid_activates_without_counting_a_renewal(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer = await make_customer(runtime)
    product = await make_product(runtime, type="simulator")
    await make_pricing(runtime, int(str(product["id"])))
    key = auth(await make_api_key(runtime))
    order = await client.post(
        f"{API}/orders", headers=key, json={"customer_id": customer["id"], "items": [{"product_id": product["id"]}]}
    )
    assert order.status_code == 201, order.text
    invoice_id = order.json()["invoice_id"]
    listed = (await client.get(f"{API}/services?filter[customer_id]={customer['id']}", headers=key)).json()["data"]
    assert [(row["status"], row["invoice_id"], row["expires_at"]) for row in listed] == [("pending", invoice_id, None)]
    paid = await client.post(f"{API}/invoices/{invoice_id}/pay", headers=key, json={"transaction_id": "bank-8"})
    assert paid.status_code == 200, paid.text
    row = page_of_one(await client.get(f"{API}/services/{listed[0]['id']}", headers=key))
    assert (row["status"], row["renewals"], row["invoice_id"]) == ("active", 0, None)
    assert row["expires_at"] == midnight(dt.date.fromisoformat(row["next_due_date"]))


async def test_a_test_mode_key_never_sees_live_services(runtime: Runtime, client: httpx.AsyncClient) -> None:
    live_id = await make_service(runtime)
    test_id = await make_service(runtime, livemode=False)
    test_key = await make_api_key(runtime, "*", livemode=False)
    assert (await client.get(f"{API}/services/{live_id}", headers=auth(test_key))).status_code == 404
    suspend = await client.post(f"{API}/services/{live_id}/suspend", headers=auth(test_key))
    assert suspend.status_code == 404 and suspend.json() == {"message": "Service not found."}
    listed = (await client.get(f"{API}/services", headers=auth(test_key))).json()
    assert [s["id"] for s in listed["data"]] == [test_id]
    live_key = await make_api_key(runtime, "*")
    assert (await client.get(f"{API}/services/{test_id}", headers=auth(live_key))).status_code == 404


async def test_failed_delivery_shows_on_the_api(
    runtime: Runtime, client: httpx.AsyncClient, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "*")
    simulator.fail_next(1)
    await client.post(f"{API}/services/{service_id}/suspend", headers=auth(key))
    await drain(runtime)
    body = page_of_one(await client.get(f"{API}/services/{service_id}", headers=auth(key)))
    assert body["status"] == "suspended" and body["delivery_status"] == "pending"
    assert body["delivery_attempts"] == 1 and "timed out" in body["delivery_errors"]


async def test_xml(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service_id = await make_service(runtime)
    key = await make_api_key(runtime, "services:index")
    response = await client.get(f"{API}/services/{service_id}", headers=auth(key, Accept="application/xml"))
    assert response.headers["content-type"].startswith("application/xml")
    assert f"<id>{service_id}</id>".encode() in response.content and b"<status>active</status>" in response.content
