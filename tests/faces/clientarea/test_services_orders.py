"""Client-area services, ordering a product, and paying an invoice with the saved card or with credit."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hostlane.drivers.payments.test import DECLINED, SUCCEEDS, TIMES_OUT
from hostlane.models import Invoice, Order, Service
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import (
    make_api_key,
    make_customer,
    make_department,
    make_group,
    make_pricing,
    make_product,
    make_service,
)
from tests.fixtures.http import bearer

PASSWORD = "s3cret-passw0rd"
API = "/api/application"


SANDBOX = "sandbox.test"


@pytest.fixture
def sandbox(runtime: Runtime, client_for: ClientFactory) -> httpx.AsyncClient:
    """A client of the test environment's host: the test gateway's cards serve test mode only."""
    runtime.settings.test_hosts = [SANDBOX]
    return client_for(base_url=f"http://{SANDBOX}")


async def _customer(runtime: Runtime, *, livemode: bool = True) -> tuple[dict[str, object], tuple[str, str]]:
    customer = await make_customer(runtime, password=PASSWORD, currency="EUR", livemode=livemode)
    return customer, (str(customer["email"]), PASSWORD)


async def _product(runtime: Runtime, *, livemode: bool = True) -> int:
    group = await make_group(runtime, name="Web hosting", slug="web-hosting", livemode=livemode)
    product = await make_product(runtime, group_id=int(group["id"]), name="Starter", livemode=livemode)  # type: ignore[call-overload]
    await make_pricing(runtime, int(product["id"]), monthly="9.99", annually="99.00", livemode=livemode)  # type: ignore[call-overload]
    return int(product["id"])  # type: ignore[call-overload]


async def _save_card(client: httpx.AsyncClient, customer: dict[str, object], staff: dict[str, str], card: str) -> None:
    saved = await client.post(f"{API}/customers/{customer['id']}/payment-methods", json={"token": card}, headers=staff)
    assert saved.status_code == 201, saved.text


async def _count(runtime: Runtime, model: type[Order] | type[Service] | type[Invoice]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def test_order_a_product_then_list_and_show_the_service(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, auth = await _customer(runtime)
    product_id = await _product(runtime)
    ordered = await client.post(
        f"/api/order/{product_id}",
        json={"cycle": "a", "domain": "example.org"},
        auth=auth,
        headers={"Idempotency-Key": "order-1"},
    )
    assert ordered.status_code == 200, ordered.text
    placed = ordered.json()
    assert set(placed) == {"order_num", "invoice_id", "total", "items"}
    assert isinstance(placed["order_num"], int) and placed["total"] == "99.00"
    service_id = placed["items"]["id"]
    assert placed["items"] == {
        "id": service_id,
        "type": "Hosting",
        "name": "example.org",
        "product_id": str(product_id),
    }
    # The same key replays; no second order.
    again = await client.post(
        f"/api/order/{product_id}",
        json={"cycle": "a", "domain": "example.org"},
        auth=auth,
        headers={"Idempotency-Key": "order-1"},
    )
    assert again.json() == placed and await _count(runtime, Order) == 1

    services = (await client.get("/api/service", auth=auth)).json()
    assert services == {
        "services": [
            {
                "id": service_id,
                "domain": "example.org",
                "total": "99.00",
                "status": "Pending",
                "billingcycle": "Annually",
                "next_due": services["services"][0]["next_due"],
                "category": "Web hosting",
                "category_url": "web-hosting",
                "name": "Starter",
            }
        ]
    }
    detail = (await client.get(f"/api/service/{service_id}", auth=auth)).json()["service"]
    assert {k: detail[k] for k in ("id", "domain", "total", "billingcycle", "status", "name", "product_id")} == {
        "id": service_id,
        "domain": "example.org",
        "total": "99.00",
        "billingcycle": "Annually",
        "status": "Pending",
        "name": "Starter",
        "product_id": str(product_id),
    }
    invoice = (await client.get(f"/api/invoice/{placed['invoice_id']}", auth=auth)).json()["invoice"]
    assert invoice["status"] == "Unpaid" and invoice["total"] == 99.0


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"cycle": "weekly"}, 422, "The cycle field is invalid"),
        ({"cycle": "q"}, 422, "The product Starter is not offered quarterly in EUR."),
        ({"domain": "x" * 300}, 422, "The domain field is invalid"),
    ],
)
async def test_bad_orders_change_nothing(
    runtime: Runtime, client: httpx.AsyncClient, payload: dict[str, object], status: int, message: str
) -> None:
    _, auth = await _customer(runtime)
    product_id = await _product(runtime)
    response = await client.post(f"/api/order/{product_id}", json=payload, auth=auth)
    assert response.status_code == status
    assert response.json()["success"] is False and response.json()["error"][0].startswith(message)
    assert (await _count(runtime, Order), await _count(runtime, Service), await _count(runtime, Invoice)) == (0, 0, 0)


async def test_ordering_a_product_of_the_other_mode_or_none_is_not_found(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    _, auth = await _customer(runtime)
    test_product = await make_product(runtime, livemode=False)
    for product_id in (test_product["id"], 999999):
        response = await client.post(f"/api/order/{product_id}", json={}, auth=auth)
        assert response.status_code == 404 and response.json() == {"success": False, "error": ["Product not found."]}


async def test_another_customers_service_is_not_found(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, owner = await _customer(runtime)
    _, stranger = await _customer(runtime)
    product_id = await _product(runtime)
    service_id = (await client.post(f"/api/order/{product_id}", json={}, auth=owner)).json()["items"]["id"]
    for path in ("", "/ip", "/rdns", "/pdu", "/pdu/1"):
        response = await client.get(f"/api/service/{service_id}{path}", auth=stranger)
        assert response.status_code == 404, path
    assert (await client.get("/api/service", auth=stranger)).json() == {"services": []}


async def test_pay_an_invoice_with_the_saved_card(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    """In test mode: the test gateway's cards serve test mode only (tests/security/test_gateways.py)."""
    client = sandbox
    customer, auth = await _customer(runtime, livemode=False)
    product_id = await _product(runtime, livemode=False)
    staff = bearer(await make_api_key(runtime, livemode=False))
    placed = (await client.post(f"/api/order/{product_id}", json={}, auth=auth)).json()
    no_card = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", json={"method": "card"}, auth=auth)
    assert no_card.status_code == 422 and no_card.json()["error"][0] == "The customer has no saved payment method."

    await _save_card(client, customer, staff, DECLINED)
    declined = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", auth=auth)
    assert declined.status_code == 402 and declined.json() == {"success": False, "error": ["Your card was declined."]}

    await _save_card(client, customer, staff, SUCCEEDS)
    paid = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", auth=auth)
    assert paid.status_code == 200
    assert paid.json()["success"] is True and paid.json()["invoice"]["status"] == "Paid"
    twice = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", auth=auth)
    assert twice.status_code == 409
    assert twice.json() == {"success": False, "error": ["An invoice that is Paid cannot be paid."]}
    service = (await client.get(f"/api/service/{placed['items']['id']}", auth=auth)).json()["service"]
    assert service["status"] == "Active"


async def test_pay_an_invoice_with_credit_all_or_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    customer, auth = await _customer(runtime)
    product_id = await _product(runtime)
    staff = bearer(await make_api_key(runtime))
    placed = (await client.post(f"/api/order/{product_id}", json={}, auth=auth)).json()
    short = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", json={"method": "credit"}, auth=auth)
    assert short.status_code == 402
    assert short.json()["error"] == ["The account credit (0.00 EUR) does not cover the 9.99 EUR due."]
    # Credit added by staff is spent on the unpaid invoice at once (the ledger's rule).
    await client.post(f"{API}/customers/{customer['id']}/credit", json={"amount": "12.00"}, headers=staff)
    invoice = (await client.get(f"/api/invoice/{placed['invoice_id']}", auth=auth)).json()["invoice"]
    assert invoice["status"] == "Paid" and invoice["credit"] == 9.99
    balance = (await client.get("/api/balance", auth=auth)).json()["details"]
    assert balance["acc_credit"] == "2.01"
    # A second order takes the 2.01 left at once; paying the rest from credit is refused, changing nothing.
    second = (await client.post(f"/api/order/{product_id}", json={}, auth=auth)).json()
    refused = await client.post(f"/api/invoice/{second['invoice_id']}/pay", auth=auth)  # no card: credit
    assert refused.status_code == 402
    assert refused.json()["error"] == ["The account credit (0.00 EUR) does not cover the 7.98 EUR due."]
    unpaid = (await client.get(f"/api/invoice/{second['invoice_id']}", auth=auth)).json()["invoice"]
    assert (unpaid["status"], unpaid["credit"]) == ("Unpaid", 2.01)
    assert (await client.get("/api/balance", auth=auth)).json()["details"]["acc_credit"] == "0.00"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/service"), ("GET", "/api/service/1"), ("POST", "/api/order/1"), ("POST", "/api/invoice/1/pay")],
)
async def test_service_and_order_routes_need_credentials(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == 401 and response.json() == {"success": False, "error": ["Unauthenticated."]}


async def test_another_customers_invoice_cannot_be_paid(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, owner = await _customer(runtime)
    _, stranger = await _customer(runtime)
    product_id = await _product(runtime)
    placed = (await client.post(f"/api/order/{product_id}", json={}, auth=owner)).json()
    response = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", json={"method": "credit"}, auth=stranger)
    assert response.status_code == 404 and response.json() == {"success": False, "error": ["Invoice not found."]}


async def test_client_area_lists_cost_the_same_statements_for_one_row_or_many(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    """``/service``, ``/tickets``, ``/invoice`` and ``…/ip``: a fixed number of statements per list."""
    customer, auth = await _customer(runtime)
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    department = await make_department(runtime)
    staff = bearer(await make_api_key(runtime))
    pool = (await client.post(f"{API}/ip-pools", json={"name": "v4", "network": "10.0.0.0/16"}, headers=staff)).json()
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    async def grow_to(n: int) -> None:
        for _ in range(n - len((await client.get("/api/service", auth=auth)).json()["services"])):
            service_id = await make_service(runtime, customer_id=customer_id)
            await client.post(f"{API}/services/{service_id}/ips", json={"pool_id": pool["id"]}, headers=staff)
            await client.post(
                "/api/tickets", json={"dept_id": department["id"], "subject": "s", "body": "b"}, auth=auth
            )

    async def cost() -> dict[str, int]:
        first = (await client.get("/api/service", auth=auth)).json()["services"][0]["id"]
        costs = {}
        for path in ("/api/service", "/api/tickets", "/api/invoice", f"/api/service/{first}/ip"):
            statements.clear()
            assert (await client.get(path, auth=auth)).status_code == 200
            costs[path.replace(first, "{id}")] = len(statements)
        return costs

    engine = runtime.db.engine.sync_engine
    await grow_to(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        one = await cost()
        event.remove(engine, "before_cursor_execute", count)
        await grow_to(15)
        event.listen(engine, "before_cursor_execute", count)
        many = await cost()
    finally:
        if event.contains(engine, "before_cursor_execute", count):
            event.remove(engine, "before_cursor_execute", count)
    assert one == many, (one, many)


async def test_credit_cannot_pay_an_invoice_whose_card_charge_is_still_unknown(
    runtime: Runtime, sandbox: httpx.AsyncClient
) -> None:
    """In test mode: the test gateway's cards serve test mode only."""
    client = sandbox
    customer, auth = await _customer(runtime, livemode=False)
    staff = bearer(await make_api_key(runtime, livemode=False))
    product = await make_product(runtime, livemode=False)
    await make_pricing(runtime, int(product["id"]), livemode=False)  # type: ignore[call-overload]
    placed = (await client.post(f"/api/order/{product['id']}", json={}, auth=auth)).json()
    await _save_card(client, customer, staff, TIMES_OUT)
    pending = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", auth=auth)
    assert pending.status_code == 202
    assert pending.json()["info"] == ["payment_pending"] and pending.json()["invoice"]["status"] == "Unpaid"
    await client.post(f"{API}/customers/{customer['id']}/credit", json={"amount": "0.01"}, headers=staff)
    refused = await client.post(f"/api/invoice/{placed['invoice_id']}/pay", json={"method": "credit"}, auth=auth)
    assert refused.status_code == 409
    assert refused.json()["error"] == ["A payment of this invoice is already in progress."]
    assert SUCCEEDS  # the saved card, had it answered, would have paid it


async def test_an_order_with_a_promocode_is_discounted_and_a_bad_one_refused(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    _, auth = await _customer(runtime)
    product_id = await _product(runtime)
    staff = bearer(await make_api_key(runtime))
    coupon = {"code": "HALF", "type": "percent", "applied_month": 0, "max_uses": 1, "pricing": {"annually": 50}}
    assert (await client.post(f"{API}/coupons", json=coupon, headers=staff)).status_code == 201
    refused = await client.post(f"/api/order/{product_id}", params={"cycle": "a", "promocode": "NOPE"}, auth=auth)
    assert refused.status_code == 422
    assert refused.json() == {"success": False, "error": ["The promocode does not exist."]}
    assert await _count(runtime, Order) == 0
    placed = await client.post(f"/api/order/{product_id}", params={"cycle": "a", "promocode": "half"}, auth=auth)
    assert placed.status_code == 200, placed.text
    assert placed.json()["total"] == "49.50"
    invoice = (await client.get(f"/api/invoice/{placed.json()['invoice_id']}", auth=auth)).json()["invoice"]
    assert [(item["type"], item["amount"]) for item in invoice["items"]] == [
        ("Hosting", "99.00"),
        ("Discount", "-49.50"),
    ]
    used_up = await client.post(f"/api/order/{product_id}", params={"cycle": "a", "promocode": "HALF"}, auth=auth)
    assert used_up.status_code == 422
    assert used_up.json()["error"] == ["The promocode has been used as many times as it may be."]
