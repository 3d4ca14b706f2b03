"""Orders, invoices, payments and Idempotency-Key on the application face."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hostlane.drivers import payments
from hostlane.drivers.payments.test import DECLINED, SUCCEEDS, TIMES_OUT, TestGateway
from hostlane.jobs.runner import drain
from hostlane.models import Invoice, Order, Payment, PaymentStatus, Service
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product
from tests.fixtures.http import assert_missing_permission
from tests.fixtures.http import bearer as auth


@pytest.fixture(autouse=True)
def gateway() -> TestGateway:
    found = payments.get("test")
    assert isinstance(found, TestGateway)
    found.reset()
    return found


async def _setup(runtime: Runtime, *, stock: int = -1, livemode: bool = True) -> tuple[str, int, int]:
    key = await make_api_key(runtime, "*", livemode=livemode)
    product = await make_product(runtime, type="simulator", stock=stock, livemode=livemode)
    await make_pricing(
        runtime,
        int(product["id"]),
        livemode=livemode,
        monthly="9.99",
        setup_monthly="5.00",  # type: ignore[call-overload]
        annually="99.00",
    )
    customer = await make_customer(runtime, livemode=livemode)
    return key, int(product["id"]), int(customer["id"])  # type: ignore[call-overload]


async def _invoice(client: httpx.AsyncClient, key: str, invoice_id: int) -> dict[str, Any]:
    """An invoice as shown: CLIENTXCMS shows one as a page of one."""
    shown = await client.get(f"/api/application/invoices/{invoice_id}", headers=auth(key))
    assert shown.status_code == 200, shown.text
    rows: list[dict[str, Any]] = shown.json()["data"]
    assert [row["id"] for row in rows] == [invoice_id]
    return rows[0]


async def test_placing_an_order_invoices_it_and_paying_activates_its_services(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key, product_id, customer_id = await _setup(runtime)
    response = await client.post(
        "/api/application/orders",
        headers=auth(key),
        json={"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "monthly", "qty": 2}]},
    )
    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "pending" and order["currency"] == "EUR"
    assert order["items"] == [
        {
            "id": order["items"][0]["id"],
            "product_id": product_id,
            "billing": "monthly",
            "qty": 2,
            "price": "9.99",
            "setup": "5.00",
            "options": {},
        }
    ]
    invoice = await _invoice(client, key, order["invoice_id"])
    assert invoice["status"] == "pending" and invoice["total"] == 29.98 and invoice["subtotal"] == 29.98
    assert invoice["setupfees"] == 10.0 and invoice["order_id"] == order["id"]
    assert [(i["type"], i["unit_price_ht"], i["unit_setup_ht"]) for i in invoice["items"]] == [
        ("service", 9.99, 0.0),
        ("setup", 0.0, 5.0),
        ("service", 9.99, 0.0),
        ("setup", 0.0, 5.0),
    ]
    services = (
        await client.get(f"/api/application/services?filter[customer_id]={customer_id}", headers=auth(key))
    ).json()
    assert [s["status"] for s in services["data"]] == ["pending", "pending"]

    paid = await client.post(
        f"/api/application/invoices/{order['invoice_id']}/pay",
        headers=auth(key),
        json={"transaction_id": "SEPA-2026-001"},
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid" and paid.json()["due"] == 0.0
    assert paid.json()["paid_at"] is not None
    assert paid.json()["payments"][0]["transaction_id"] == "SEPA-2026-001"
    await drain(runtime)
    services = (
        await client.get(f"/api/application/services?filter[customer_id]={customer_id}", headers=auth(key))
    ).json()
    assert [(s["status"], s["delivery_status"]) for s in services["data"]] == [("active", "done")] * 2
    assert (await client.get(f"/api/application/orders/{order['id']}", headers=auth(key))).json()["status"] == "active"
    again = await client.post(
        f"/api/application/invoices/{order['invoice_id']}/pay",
        headers=auth(key),
        json={"transaction_id": "SEPA-2026-001"},
    )
    assert again.status_code == 409


async def test_cancelling_an_unpaid_order_cancels_its_invoice_and_services(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key, product_id, customer_id = await _setup(runtime)
    order = (
        await client.post(
            "/api/application/orders",
            headers=auth(key),
            json={"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "annually"}]},
        )
    ).json()
    cancelled = await client.post(f"/api/application/orders/{order['id']}/cancel", headers=auth(key))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    invoice = await _invoice(client, key, order["invoice_id"])
    assert invoice["status"] == "cancelled"
    async with runtime.db.reader() as session:
        assert (await session.scalars(sa.select(Service.status))).all() == ["cancelled"]
    twice = await client.post(f"/api/application/orders/{order['id']}/cancel", headers=auth(key))
    assert twice.status_code == 409
    other = (
        await client.post(
            "/api/application/orders",
            headers=auth(key),
            json={"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "annually"}]},
        )
    ).json()
    deleted = await client.delete(f"/api/application/orders/{other['id']}", headers=auth(key))
    assert deleted.status_code == 200 and deleted.json()["status"] == "cancelled"


async def test_bad_orders_are_422_naming_the_item_and_write_nothing(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key, product_id, customer_id = await _setup(runtime, stock=1)
    cases = [
        ({"customer_id": customer_id, "items": []}, "items"),
        ({"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "weekly"}]}, "items.0.billing"),
        (
            {"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "quarterly"}]},
            "items.0.product_id",
        ),  # not offered quarterly
        ({"customer_id": customer_id, "items": [{"product_id": 999999}]}, "items.0.product_id"),
        ({"customer_id": customer_id, "items": [{"product_id": product_id, "qty": 2}]}, "items.0.qty"),  # stock 1
    ]
    for body, field in cases:
        response = await client.post("/api/application/orders", headers=auth(key), json=body)
        assert response.status_code == 422, body
        assert field in response.json()["errors"], (field, response.json())
    missing = await client.post(
        "/api/application/orders",
        headers=auth(key),
        json={"customer_id": 999999, "items": [{"product_id": product_id}]},
    )
    assert missing.status_code == 404
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
        assert await session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


async def test_twenty_concurrent_retries_make_one_order(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key, product_id, customer_id = await _setup(runtime)
    body = {"customer_id": customer_id, "items": [{"product_id": product_id, "billing": "monthly"}]}
    headers = auth(key, **{"Idempotency-Key": "order-7f3a"})
    responses = await asyncio.gather(
        *(client.post("/api/application/orders", headers=headers, json=body) for _ in range(20))
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409} and 201 in statuses
    created = {r.text for r in responses if r.status_code == 201}
    assert len(created) == 1  # every 201 is the same answer
    replay = await client.post("/api/application/orders", headers=headers, json=body)
    assert replay.status_code == 201 and replay.text in created and replay.headers["Idempotent-Replayed"] == "true"
    other = await client.post(
        "/api/application/orders",
        headers=headers,
        json={**body, "items": [{"product_id": product_id, "billing": "annually"}]},
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
        assert await session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1


async def test_saved_card_charges_succeed_decline_or_time_out_but_never_charge_twice(
    runtime: Runtime, client: httpx.AsyncClient, gateway: TestGateway
) -> None:
    """In test mode: the test gateway's cards serve test mode only (tests/security/test_gateways.py)."""
    key, product_id, customer_id = await _setup(runtime, livemode=False)

    async def order() -> int:
        placed = await client.post(
            "/api/application/orders",
            headers=auth(key),
            json={"customer_id": customer_id, "items": [{"product_id": product_id}]},
        )
        return int(placed.json()["invoice_id"])

    no_card = await client.post(f"/api/application/invoices/{await order()}/charge", headers=auth(key))
    assert no_card.status_code == 422 and "payment_method" in no_card.json()["errors"]

    card = await client.post(
        f"/api/application/customers/{customer_id}/payment-methods",
        headers=auth(key),
        json={"gateway": "test", "token": DECLINED},
    )
    assert card.status_code == 201 and card.json()["last4"] == "0002"
    declined = await client.post(f"/api/application/invoices/{await order()}/charge", headers=auth(key))
    assert declined.status_code == 402 and declined.json()["message"] == "Your card was declined."

    await client.post(
        f"/api/application/customers/{customer_id}/payment-methods", headers=auth(key), json={"token": SUCCEEDS}
    )
    invoice_id = await order()
    charges = await asyncio.gather(
        *(client.post(f"/api/application/invoices/{invoice_id}/charge", headers=auth(key)) for _ in range(20))
    )
    # One charge wins; each of the others finds it in flight or the invoice paid: 409 either way.
    assert sorted(r.status_code for r in charges) == [200] + [409] * 19
    assert len(gateway.state.charges) == 1
    paid = await _invoice(client, key, invoice_id)
    assert paid["status"] == "paid" and [p["status"] for p in paid["payments"]] == ["succeeded"]

    await client.post(
        f"/api/application/customers/{customer_id}/payment-methods", headers=auth(key), json={"token": TIMES_OUT}
    )
    slow = await order()
    timed_out = await client.post(f"/api/application/invoices/{slow}/charge", headers=auth(key))
    assert timed_out.status_code == 200 and timed_out.json()["status"] == "pending"
    assert [p["status"] for p in timed_out.json()["payments"]] == ["unknown"]
    retry = await client.post(f"/api/application/invoices/{slow}/charge", headers=auth(key))
    assert retry.status_code == 409  # one charge in flight per invoice
    await drain(runtime)  # the resolve job asks the gateway, which did take the money
    resolved = await _invoice(client, key, slow)
    assert resolved["status"] == "paid" and [p["status"] for p in resolved["payments"]] == ["succeeded"]
    assert len(gateway.state.charges) == 2
    async with runtime.db.reader() as session:
        statuses = (await session.scalars(sa.select(Payment.status).order_by(Payment.id))).all()
    assert statuses == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED, PaymentStatus.SUCCEEDED]


async def test_manual_invoice_draft_issue_cancel_refund_and_credit(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key, _, customer_id = await _setup(runtime)
    draft = await client.post(
        "/api/application/invoices",
        headers=auth(key),
        json={
            "customer_id": customer_id,
            "draft": True,
            "items": [{"description": "Consulting", "amount": "120.00", "qty": 2}],
        },
    )
    assert draft.status_code == 201
    body = draft.json()
    assert body["status"] == "draft" and body["invoice_number"] is None and body["total"] == 240.0
    edited = await client.patch(
        f"/api/application/invoices/{body['id']}",
        headers=auth(key),
        json={"notes": "Thank you", "duedate": "2030-01-31"},
    )
    assert edited.json()["notes"] == "Thank you" and edited.json()["due_date"] == "2030-01-31T00:00:00.000000Z"
    issued = await client.post(f"/api/application/invoices/{body['id']}/issue", headers=auth(key))
    assert issued.json()["status"] == "pending" and issued.json()["invoice_number"]
    refused = await client.patch(
        f"/api/application/invoices/{body['id']}", headers=auth(key), json={"date": "2030-01-01"}
    )
    assert refused.status_code == 409
    assert refused.json() == {"message": "An invoice that is pending cannot be edited."}
    credit = await client.post(
        f"/api/application/customers/{customer_id}/credit",
        headers=auth(key),
        json={"amount": "250.00", "reason": "Prepayment"},
    )
    assert credit.status_code == 200 and credit.json()["balance"] == 10  # 240 went to the invoice
    paid = await _invoice(client, key, body["id"])
    assert paid["status"] == "paid" and paid["balance"] == 240.0
    refund = await client.post(f"/api/application/invoices/{body['id']}/refund", headers=auth(key))
    assert refund.json()["status"] == "refunded"
    refunded = await client.get("/api/application/invoices?filter[status]=refunded,paid", headers=auth(key))
    assert [row["id"] for row in refunded.json()["data"]] == [body["id"]]
    for unknown in ("Refunded", "refunded-ish", ""):  # only the face's own words match, exactly
        listed = await client.get(f"/api/application/invoices?filter[status]={unknown}", headers=auth(key))
        assert listed.json()["data"] == []
    customer = (await client.get(f"/api/application/customers/{customer_id}", headers=auth(key))).json()
    assert customer["balance"] == 250
    bad = await client.post(
        "/api/application/invoices",
        headers=auth(key),
        json={"customer_id": customer_id, "items": [{"description": "", "amount": "-1"}]},
    )
    assert bad.status_code == 422 and {"items.0.description", "items.0.amount"} <= set(bad.json()["errors"])


async def test_another_mode_and_missing_permissions(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key, product_id, customer_id = await _setup(runtime)
    order = (
        await client.post(
            "/api/application/orders",
            headers=auth(key),
            json={"customer_id": customer_id, "items": [{"product_id": product_id}]},
        )
    ).json()
    test_key = await make_api_key(runtime, "*", livemode=False)
    assert (await client.get(f"/api/application/orders/{order['id']}", headers=auth(test_key))).status_code == 404
    assert (
        await client.get(f"/api/application/invoices/{order['invoice_id']}", headers=auth(test_key))
    ).status_code == 404
    listed = (await client.get("/api/application/invoices", headers=auth(test_key))).json()
    assert listed["data"] == []
    reader = await make_api_key(runtime, "invoices:index")
    denied = await client.get(f"/api/application/invoices/{order['invoice_id']}", headers=auth(reader))
    assert_missing_permission(denied, "invoices:show")
    assert (await client.get("/api/application/orders")).status_code == 401


async def test_invoice_pdf(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key, product_id, customer_id = await _setup(runtime)
    order = (
        await client.post(
            "/api/application/orders",
            headers=auth(key),
            json={"customer_id": customer_id, "items": [{"product_id": product_id}]},
        )
    ).json()
    response = await client.get(f"/api/application/invoices/{order['invoice_id']}/pdf", headers=auth(key))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    number = (await _invoice(client, key, order["invoice_id"]))["invoice_number"]
    assert response.headers["content-disposition"] == f'inline; filename="{number.replace("/", "-")}.pdf"'
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert f"Invoice {number}" in text and "Amount due" in text and "14.99 EUR" in text
    other = await make_api_key(runtime, "*", livemode=False)
    assert (
        await client.get(f"/api/application/invoices/{order['invoice_id']}/pdf", headers=auth(other))
    ).status_code == 404
