"""CLIENTXCMS's ``tests/Feature/Api/Billing/InvoiceControllerTest.php``, over HTTP: one test per PHP test, same
name, asserting what it asserts and the wire fields a client reads. Where Hostlane's answer carries more than the
PHP test checks (the invoice in its real shape, the mail that goes out), that is asserted too."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from hostlane.jobs.runner import drain
from hostlane.models import Invoice, InvoiceStatus
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer
from tests.fixtures.http import bearer
from tests.fixtures.invoices import make_invoice
from tests.fixtures.mail import Inbox, body

API = "/api/application"
# The fields of an invoice on the wire: CLIENTXCMS's model, then Hostlane's own.
INVOICE_FIELDS = {
    "id",
    "customer_id",
    "invoice_number",
    "status",
    "due_date",
    "paid_at",
    "total",
    "subtotal",
    "tax",
    "setupfees",
    "balance",
    "fees",
    "currency",
    "notes",
    "created_at",
    "updated_at",
    "deleted_at",
    "order_id",
    "date",
    "taxrate",
    "taxrate2",
    "paid",
    "due",
}
ITEM_FIELDS = {
    "id",
    "invoice_id",
    "name",
    "description",
    "quantity",
    "unit_price_ht",
    "unit_setup_ht",
    "unit_price_ttc",
    "unit_setup_ttc",
    "type",
    "related_id",
    "data",
    "parent_id",
    "taxed",
    "period_start",
    "period_end",
}


async def _customer(runtime: Runtime) -> int:
    return int(str((await make_customer(runtime))["id"]))


async def _stored(runtime: Runtime, invoice_id: int) -> Invoice:
    async with runtime.db.reader() as session:
        found = await session.get(Invoice, invoice_id)
        assert found is not None
        return found


async def test_api_invoice_index(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)
    for _ in range(3):
        await make_invoice(runtime, customer_id)

    response = await client.get(f"{API}/invoices", headers=bearer(key))

    assert response.status_code == 200
    page = response.json()
    assert len(page["data"]) == 3
    assert set(page) == {"data", "links", "meta"} and page["meta"]["total"] == 3
    row = page["data"][0]
    assert set(row) == INVOICE_FIELDS  # no items on a list unless asked for (include=items)
    assert row["status"] == "pending" and row["customer_id"] == customer_id
    assert row["total"] == 1.0 and row["subtotal"] == 1.0 and row["tax"] == 0.0 and row["setupfees"] == 0.0
    assert isinstance(row["invoice_number"], str) and row["paid_at"] is None


async def test_api_invoice_store(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)

    response = await client.post(
        f"{API}/invoices",
        headers=bearer(key),
        json={"customer_id": customer_id, "currency": "EUR", "status": "draft"},
    )

    assert response.status_code == 201
    created = response.json()
    async with runtime.db.reader() as session:
        rows = (await session.execute(sa.select(Invoice.customer_id, Invoice.currency))).all()
    assert [tuple(row) for row in rows] == [(customer_id, "EUR")]
    # An empty draft: no number until it is validated, nothing to pay, due in 30 days as CLIENTXCMS makes it.
    assert set(created) == INVOICE_FIELDS | {"items", "payments"}
    assert created["status"] == "draft" and created["invoice_number"] is None and created["items"] == []
    assert created["total"] == 0.0 and created["currency"] == "EUR" and created["customer_id"] == customer_id
    stored = await _stored(runtime, created["id"])
    assert (stored.duedate - stored.date).days == 30


async def test_api_invoice_show(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)
    invoice_id = await make_invoice(runtime, customer_id)

    response = await client.get(f"{API}/invoices/{invoice_id}", headers=bearer(key))

    assert response.status_code == 200
    page = response.json()
    assert page["data"][0]["id"] == invoice_id
    # CLIENTXCMS answers a show as Laravel's plain paginator over the one invoice.
    assert page["total"] == 1 and page["current_page"] == 1 and page["last_page"] == 1
    shown: dict[str, Any] = page["data"][0]
    assert set(shown) == INVOICE_FIELDS | {"items", "payments"}
    assert shown["due_date"].endswith("T00:00:00.000000Z")
    [item] = shown["items"]
    assert set(item) == ITEM_FIELDS
    assert item["name"] == "Minecraft Gold" and item["quantity"] == 1
    assert item["unit_price_ht"] == 1.0 and item["unit_price_ttc"] == 1.0 and item["unit_setup_ht"] == 0.0
    assert item["type"] == "custom_item" and item["related_id"] is None  # staff's own line, no service


async def test_api_invoice_update(runtime: Runtime, client: httpx.AsyncClient) -> None:
    # The real UpdateInvoiceRequest requires paymethod, fees, tax and due_date (``required_if:billing_address,null``),
    # which this body lacks: CLIENTXCMS itself answers it 422. Hostlane answers what the test expects.
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)
    invoice_id = await make_invoice(runtime, customer_id, notes="Old note")

    response = await client.post(
        f"{API}/invoices/{invoice_id}",
        headers=bearer(key),
        json={"notes": "New note", "status": "pending", "currency": "EUR", "customer_id": customer_id},
    )

    assert response.status_code == 200
    assert (await _stored(runtime, invoice_id)).notes == "New note"
    assert response.json()["notes"] == "New note" and response.json()["status"] == "pending"


async def test_api_invoice_destroy(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)
    invoice_id = await make_invoice(runtime, customer_id, draft=True)

    response = await client.delete(f"{API}/invoices/{invoice_id}", headers=bearer(key))

    assert response.status_code == 204 and response.content == b""
    stored = await _stored(runtime, invoice_id)  # soft-deleted: the row stays
    assert stored.deleted_at is not None and stored.status is InvoiceStatus.CANCELLED
    assert (await client.get(f"{API}/invoices/{invoice_id}", headers=bearer(key))).status_code == 404
    assert (await client.get(f"{API}/invoices", headers=bearer(key))).json()["data"] == []


async def test_api_invoice_validate(runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox) -> None:
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)
    invoice_id = await make_invoice(runtime, customer_id, draft=True)  # a draft with one line

    response = await client.post(f"{API}/invoices/{invoice_id}/validate", headers=bearer(key))

    assert response.status_code == 200
    assert (await _stored(runtime, invoice_id)).status is InvoiceStatus.UNPAID  # CLIENTXCMS's "pending"
    answer = response.json()
    assert answer["message"] == "The invoice has been successfully validated"
    assert answer["invoice"]["status"] == "pending" and answer["invoice"]["invoice_number"]
    await drain(runtime)  # CLIENTXCMS's InvoiceCreated: the customer gets the invoice
    number = answer["invoice"]["invoice_number"]
    assert [mail["Subject"] for mail in inbox.messages] == [f"Invoice {number} for 1.00 EUR"]


async def test_api_invoice_edit(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    customer_id = await _customer(runtime)
    invoice_id = await make_invoice(runtime, customer_id)  # pending
    number = (await _stored(runtime, invoice_id)).number

    response = await client.post(f"{API}/invoices/{invoice_id}/edit", headers=bearer(key))

    assert response.status_code == 200
    stored = await _stored(runtime, invoice_id)
    assert stored.status is InvoiceStatus.DRAFT
    assert stored.number == number  # a number once given stays with its invoice
    answer = response.json()
    assert answer["message"] == "The invoice is now editable."
    assert answer["invoice"]["status"] == "draft" and answer["invoice"]["invoice_number"] == number


async def test_api_invoice_notify(runtime: Runtime, client: httpx.AsyncClient, inbox: Inbox) -> None:
    key = await make_api_key(runtime)
    customer = await make_customer(runtime)
    invoice_id = await make_invoice(runtime, int(str(customer["id"])))  # pending
    await drain(runtime)
    inbox.messages.clear()  # the mail of its issue

    response = await client.get(f"{API}/invoices/{invoice_id}/notify", headers=bearer(key))

    assert response.status_code == 200
    assert response.json()["message"] == "The customer has been notified"
    assert response.json()["invoice"]["id"] == invoice_id
    await drain(runtime)
    [mail] = inbox.messages
    assert mail["To"].endswith(f"<{customer['email']}>") and "1.00 EUR" in body(mail)
