"""The application face's invoice routes beyond CLIENTXCMS's own tests: its refusals (status and body), the
routes' 401 / 404 / 422, export and download, numbering that never repeats or skips, drafts that are never billed,
status moves through update, the list's filters, sorts and includes."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa

from hostlane.billing.totals import NewItem
from hostlane.core import clock
from hostlane.faces.application import wire
from hostlane.models import AuditEntry, Invoice, InvoiceItem, InvoiceStatus, ItemType, Payment
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key, make_customer, make_pricing, make_product
from tests.fixtures.http import assert_laravel_error, basic, bearer
from tests.fixtures.invoices import make_invoice

API = "/api/application"
PASSWORD = "a long enough password"


async def _customer(runtime: Runtime, **fields: object) -> int:
    return int(str((await make_customer(runtime, **fields))["id"]))


async def _stored(runtime: Runtime, invoice_id: int) -> Invoice:
    async with runtime.db.reader() as session:
        found = await session.get(Invoice, invoice_id)
        assert found is not None
        return found


async def _count(runtime: Runtime, table: type[Any]) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_the_face_speaks_clientxcms_invoice_words() -> None:
    assert set(wire.INVOICE_STATUS_WORDS.values()) == {"pending", "paid", "draft", "cancelled", "refunded", "failed"}
    assert wire.INVOICE_STATUS_WORDS[InvoiceStatus.UNPAID] == "pending"
    assert wire.ITEM_TYPE_WORDS[ItemType.OTHER] == "custom_item"


# Refusals, worded and numbered as CLIENTXCMS answers them.


async def test_validate_refuses_what_is_not_a_draft_and_an_empty_draft(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    pending = await make_invoice(runtime, customer_id)
    assert_laravel_error(
        await client.post(f"{API}/invoices/{pending}/validate", headers=key), 400, "The invoice is not in drafts"
    )
    empty = (await client.post(f"{API}/invoices", headers=key, json={"customer_id": customer_id})).json()
    refused = await client.post(f"{API}/invoices/{empty['id']}/validate", headers=key)
    assert refused.status_code == 400 and refused.json() == {"message": "No items have been added to this invoice"}
    stored = await _stored(runtime, empty["id"])
    assert stored.status is InvoiceStatus.DRAFT and stored.number is None


async def test_edit_refuses_what_is_not_pending_or_has_payments(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    draft = await make_invoice(runtime, customer_id, draft=True)
    assert_laravel_error(
        await client.post(f"{API}/invoices/{draft}/edit", headers=key), 400, "This invoice cannot be changed"
    )
    part_paid = await make_invoice(runtime, customer_id, items=[NewItem("Hosting", 1000)])
    paid = await client.post(
        f"{API}/invoices/{part_paid}/pay", headers=key, json={"transaction_id": "bank-7", "amount": "4.00"}
    )
    assert paid.status_code == 200 and paid.json()["status"] == "pending" and paid.json()["due"] == 6.0
    assert_laravel_error(
        await client.post(f"{API}/invoices/{part_paid}/edit", headers=key),
        409,
        "An invoice with payments cannot go back to draft.",
    )
    assert (await _stored(runtime, part_paid)).status is InvoiceStatus.UNPAID


async def test_notify_refuses_what_is_not_pending(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    draft = await make_invoice(runtime, await _customer(runtime), draft=True)
    for method in ("GET", "POST"):
        refused = await client.request(method, f"{API}/invoices/{draft}/notify", headers=key)
        assert_laravel_error(refused, 400, "Only a pending invoice can be sent to the customer")


async def test_delete_refuses_a_paid_invoice_and_cancels_a_pending_one(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    paid = await make_invoice(runtime, customer_id)
    await client.post(f"{API}/invoices/{paid}/pay", headers=key, json={"transaction_id": "bank-1"})
    assert_laravel_error(await client.delete(f"{API}/invoices/{paid}", headers=key), 403, "Invoice cannot be deleted")
    assert (await _stored(runtime, paid)).deleted_at is None

    credit = await client.post(f"{API}/customers/{customer_id}/credit", headers=key, json={"amount": "0.40"})
    assert credit.status_code == 200
    pending = await make_invoice(runtime, customer_id)  # 1.00, of which 0.40 paid from credit
    assert (await _stored(runtime, pending)).credit_minor == 40
    assert (await client.delete(f"{API}/invoices/{pending}", headers=key)).status_code == 204
    stored = await _stored(runtime, pending)
    assert stored.status is InvoiceStatus.CANCELLED and stored.deleted_at is not None
    customer = await client.get(f"{API}/invoices?filter[customer_id]={customer_id}", headers=key)
    assert [row["id"] for row in customer.json()["data"]] == [paid]
    async with runtime.db.reader() as session:
        actions = (await session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == pending))).all()
    assert "invoice.delete" in actions
    # The credit spent on it went back to the customer.
    from hostlane.models import Customer

    async with runtime.db.reader() as session:
        assert (await session.get(Customer, customer_id)).credit_minor == 40  # type: ignore[union-attr]


# 401, 404 and the face's 422 on each new route.

ROUTES = [
    ("GET", "/invoices/{id}/notify"),
    ("POST", "/invoices/{id}/notify"),
    ("GET", "/invoices/{id}/download"),
    ("POST", "/invoices/{id}/validate"),
    ("POST", "/invoices/{id}/edit"),
    ("POST", "/invoices/{id}/export"),
    ("DELETE", "/invoices/{id}"),
    ("GET", "/invoices/{id}"),
    ("POST", "/invoices/{id}"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_an_invoice_route_without_a_key_is_401(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str
) -> None:
    invoice_id = await make_invoice(runtime, await _customer(runtime))
    response = await client.request(method, API + path.format(id=invoice_id), json={"format": "csv"})
    assert_laravel_error(response, 401, "Unauthenticated.")


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_an_unknown_or_other_modes_invoice_is_404(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str
) -> None:
    key = bearer(await make_api_key(runtime))
    test_mode = await make_invoice(runtime, await _customer(runtime, livemode=False), livemode=False, draft=True)
    for invoice_id in (999999, test_mode):
        response = await client.request(method, API + path.format(id=invoice_id), headers=key, json={"format": "csv"})
        assert_laravel_error(response, 404)
    assert (await _stored(runtime, test_mode)).deleted_at is None


async def test_bad_bodies_are_422_naming_the_field_and_write_nothing(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    for body, field in [
        ({"currency": "EUR"}, "customer_id"),
        ({"customer_id": customer_id, "currency": "EURO"}, "currency"),
        ({"customer_id": customer_id, "currency": "JPY"}, "currency"),  # not a currency the provider bills in
        ({"customer_id": customer_id, "due_date": "soon"}, "due_date"),
        ({"customer_id": customer_id, "status": "sent"}, "status"),
    ]:
        response = await client.post(f"{API}/invoices", headers=key, json=body)
        assert_laravel_error(response, 422)
        assert field in response.json()["errors"], (body, response.json())
    assert await _count(runtime, Invoice) == 0

    pending = await make_invoice(runtime, customer_id, notes="kept")
    for body, field in [
        ({"status": "failed"}, "status"),
        ({"status": "sent", "notes": "x"}, "status"),
        ({"due_date": "31/01/2030"}, "due_date"),
        ({"notes": "x" * 5001}, "notes"),
    ]:
        response = await client.post(f"{API}/invoices/{pending}", headers=key, json=body)
        assert_laravel_error(response, 422)
        assert field in response.json()["errors"], (body, response.json())
    assert (await _stored(runtime, pending)).notes == "kept"

    for body, field in [
        ({}, "format"),
        ({"format": "docx"}, "format"),
        ({"format": "csv", "status": ["unpaid"]}, "status.0"),
        ({"format": "csv", "date_from": "yesterday"}, "date_from"),
        ({"format": "csv", "customer_id": 999999}, "customer_id"),
        ({"format": "csv", "date_from": "2030-02-01", "date_to": "2030-01-01"}, "date_to"),
    ]:
        response = await client.post(f"{API}/invoices/export", headers=key, json=body)
        assert_laravel_error(response, 422)
        assert field in response.json()["errors"], (body, response.json())


# Export and download.


async def test_export_as_csv_as_clientxcms_exports_filtered_by_status_customer_and_day(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    ada = await _customer(runtime, firstname="Ada", lastname="King", city="London", postcode="N1", country="GB")
    other = await _customer(runtime)
    with clock.frozen_at(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)):
        march = await make_invoice(runtime, ada, notes="March")
    with clock.frozen_at(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC)):
        april_draft = await make_invoice(runtime, ada, draft=True)
        await make_invoice(runtime, other)

    response = await client.post(
        f"{API}/invoices/{march}/export",
        headers=key,
        json={"format": "csv", "customer_id": ada, "status": ["pending", "draft"]},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="invoices-[0-9_-]+\.csv"', response.headers["content-disposition"])
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(wire.INVOICE_EXPORT_HEADER)
    assert [(row[0], row[1], row[8]) for row in rows[1:]] == [
        (str(march), "Ada King", "pending"),
        (str(april_draft), "Ada King", "draft"),
    ]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Total"] == "1.00" and first["Currency"] == "EUR" and first["Notes"] == "March"
    assert first["Invoice Number"] and first["Paid At"] == "" and "London N1" in first["Billing Address"]
    assert first["Due Date"] == "2026-03-17 00:00:00"

    # The days bound the day of creation, both included; the documented path exports the same way.
    by_day = await client.post(
        f"{API}/invoices/export",
        headers=key,
        json={"format": "csv", "date_from": "2026-03-10", "date_to": "2026-03-10"},
    )
    assert [row[0] for row in list(csv.reader(io.StringIO(by_day.text)))[1:]] == [str(march)]
    none = await client.post(f"{API}/invoices/export", headers=key, json={"format": "csv", "status": "paid"})
    assert none.status_code == 200 and list(csv.reader(io.StringIO(none.text))) == [list(wire.INVOICE_EXPORT_HEADER)]


async def test_export_as_xlsx_and_as_a_zip_of_pdfs(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    first = await make_invoice(runtime, customer_id, items=[NewItem("Hosting", 1999)])
    draft = await make_invoice(runtime, customer_id, draft=True)

    sheet = await client.post(f"{API}/invoices/export", headers=key, json={"format": "xlsx", "status": "all"})
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content))["Invoices"].iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][:2] == ("ID", "Client") and "Invoice Number" in rows[0]
    assert rows[1][0] == first and rows[1][4] == 19.99
    assert "draft" in rows[2]

    pdfs = await client.post(f"{API}/invoices/export", headers=key, json={"format": "pdf"})
    assert pdfs.status_code == 200 and pdfs.headers["content-type"] == "application/zip"
    number = (await _stored(runtime, first)).number
    assert number is not None
    with zipfile.ZipFile(io.BytesIO(pdfs.content)) as archive:
        assert archive.namelist() == [f"{number.replace('/', '-')}.pdf", f"draft-{draft}.pdf"]
        assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())


async def test_download_is_the_pdf_as_an_attachment(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    invoice_id = await make_invoice(runtime, await _customer(runtime))
    number = (await _stored(runtime, invoice_id)).number
    assert number is not None
    response = await client.get(f"{API}/invoices/{invoice_id}/download", headers=key)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{number.replace("/", "-")}.pdf"'
    assert response.content.startswith(b"%PDF-")


# Numbering and billing: a draft is never billed, a number never given twice nor skipped.


async def test_validating_twice_at_once_numbers_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    before = await make_invoice(runtime, customer_id)
    draft = await make_invoice(runtime, customer_id, draft=True)
    answers = await asyncio.gather(*(client.post(f"{API}/invoices/{draft}/validate", headers=key) for _ in range(8)))
    assert sorted(answer.status_code for answer in answers) == [200] + [400] * 7
    after = await make_invoice(runtime, customer_id)
    numbers = [(await _stored(runtime, invoice_id)).number for invoice_id in (before, draft, after)]
    sequence = [int(str(number).rsplit("/", 1)[1]) for number in numbers]
    assert sequence == [sequence[0], sequence[0] + 1, sequence[0] + 2]  # no repeat, no gap


async def test_an_edited_invoice_keeps_its_number_and_its_credit_goes_back_until_validated(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    await client.post(f"{API}/customers/{customer_id}/credit", headers=key, json={"amount": "3.00"})
    invoice_id = await make_invoice(runtime, customer_id, items=[NewItem("Hosting", 1000)])
    number = (await _stored(runtime, invoice_id)).number
    assert (await _stored(runtime, invoice_id)).credit_minor == 300

    edited = await client.post(f"{API}/invoices/{invoice_id}/edit", headers=key)
    assert edited.json()["invoice"]["balance"] == 0.0
    # While a draft it is not billed: credit added now is not spent on it, and its customer does not see it.
    await client.post(f"{API}/customers/{customer_id}/credit", headers=key, json={"amount": "21.00"})
    assert (await _stored(runtime, invoice_id)).credit_minor == 0
    changed = await client.post(
        f"{API}/invoices/{invoice_id}",
        headers=key,
        json={"items": [{"description": "Hosting, corrected", "amount": "12.00", "qty": 2}], "notes": "Corrected"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["total"] == 24.0 and [i["name"] for i in changed.json()["items"]] == ["Hosting, corrected"]

    validated = await client.post(f"{API}/invoices/{invoice_id}/validate", headers=key)
    invoice = validated.json()["invoice"]
    assert invoice["invoice_number"] == number and invoice["status"] == "paid" and invoice["balance"] == 24.0
    async with runtime.db.reader() as session:
        assert (
            await session.scalar(sa.select(sa.func.count()).select_from(Invoice).where(Invoice.number == number)) == 1
        )


async def test_a_customer_never_sees_a_draft_nor_a_deleted_invoice(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    customer = await make_customer(runtime, password=PASSWORD)
    customer_id = int(str(customer["id"]))
    draft = await make_invoice(runtime, customer_id, draft=True)
    deleted = await make_invoice(runtime, customer_id)
    shown = await make_invoice(runtime, customer_id)
    assert (await client.delete(f"{API}/invoices/{deleted}", headers=key)).status_code == 204
    own = basic(str(customer["email"]), PASSWORD)
    listed = await client.get("/api/invoice", headers=own)
    assert listed.status_code == 200, listed.text
    assert [int(row["id"]) for row in listed.json()["invoices"]] == [shown]
    for hidden in (draft, deleted):
        assert (await client.get(f"/api/invoice/{hidden}", headers=own)).status_code == 404


# Status moves through update, as CLIENTXCMS's update moves them.


async def test_update_moves_an_invoice_by_its_status(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    invoice_id = await make_invoice(runtime, customer_id, draft=True)

    async def move(status: str, **extra: object) -> httpx.Response:
        return await client.post(f"{API}/invoices/{invoice_id}", headers=key, json={"status": status, **extra})

    pending = await move("pending")
    assert pending.status_code == 200 and pending.json()["status"] == "pending" and pending.json()["invoice_number"]
    draft = await move("draft")
    assert draft.json()["status"] == "draft"
    again = await move("pending", due_date="2030-06-30T00:00:00.000000Z")
    assert again.json()["invoice_number"] == pending.json()["invoice_number"]
    assert again.json()["due_date"] == "2030-06-30T00:00:00.000000Z"
    paid = await move("paid")
    assert paid.json()["status"] == "paid" and paid.json()["paid_at"] and paid.json()["due"] == 0.0
    async with runtime.db.reader() as session:
        gateways = (await session.execute(sa.select(Payment.gateway, Payment.amount_minor))).all()
    assert [tuple(row) for row in gateways] == [("manual", 100)]
    refunded = await move("refunded")
    assert refunded.json()["status"] == "refunded"
    assert_laravel_error(await move("cancelled"), 409, "An invoice that is refunded cannot be cancelled.")
    assert_laravel_error(await move("pending"), 409)
    # A paid or refunded invoice's notes still change; its due date does not.
    assert (await client.post(f"{API}/invoices/{invoice_id}", headers=key, json={"notes": "Done"})).status_code == 200
    refused = await client.post(f"{API}/invoices/{invoice_id}", headers=key, json={"due_date": "2031-01-01"})
    assert_laravel_error(refused, 409, "An invoice that is refunded cannot be edited.")

    other = await make_invoice(runtime, await _customer(runtime))  # the refund left this customer credit
    cancelled = await client.post(f"{API}/invoices/{other}", headers=key, json={"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"


async def test_a_drafts_lines_and_currency_change_and_its_totals_follow(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    created = await client.post(f"{API}/invoices", headers=key, json={"customer_id": customer_id, "currency": "EUR"})
    invoice_id = created.json()["id"]
    usd = await client.post(f"{API}/invoices/{invoice_id}", headers=key, json={"currency": "USD"})
    assert usd.status_code == 200 and usd.json()["currency"] == "USD"
    lines = await client.post(
        f"{API}/invoices/{invoice_id}",
        headers=key,
        json={"items": [{"description": "Setup work", "amount": "50.00"}, {"description": "Support", "amount": "5"}]},
    )
    assert lines.json()["subtotal"] == 55.0 and len(lines.json()["items"]) == 2
    refused = await client.post(f"{API}/invoices/{invoice_id}", headers=key, json={"currency": "GBP"})
    assert_laravel_error(refused, 422)
    assert "currency" in refused.json()["errors"]
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(InvoiceItem)) == 2


# The list: filters, sorts and includes in CLIENTXCMS's words.


async def test_the_list_filters_sorts_and_includes_in_clientxcms_words(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = bearer(await make_api_key(runtime))
    customer_id = await _customer(runtime)
    late = await make_invoice(runtime, customer_id, due_on=dt.date(2031, 1, 1))
    soon = await make_invoice(runtime, customer_id, due_on=dt.date(2030, 1, 1))
    draft = await make_invoice(runtime, customer_id, draft=True, due_on=dt.date(2030, 6, 1))

    async def ids(query: str) -> list[int]:
        response = await client.get(f"{API}/invoices?{query}", headers=key)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    assert await ids("filter[status]=pending") == [late, soon]
    assert await ids("filter[status]=draft,paid") == [draft]
    assert await ids("sort=-due_date") == [late, draft, soon]
    number = (await _stored(runtime, soon)).number
    assert await ids(f"filter[invoice_number]={number}") == [soon]
    included = await client.get(f"{API}/invoices?include=customer,items&filter[id]={soon}", headers=key)
    row = included.json()["data"][0]
    assert row["customer"]["id"] == customer_id and row["items"][0]["name"] == "Minecraft Gold"
    unknown = await client.get(f"{API}/invoices?filter[number]=x", headers=key)
    assert_laravel_error(unknown, 400)


async def test_an_orders_service_line_and_a_renewal_line(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = bearer(await make_api_key(runtime))
    product = await make_product(runtime, type="simulator")
    await make_pricing(runtime, int(str(product["id"])), monthly="10.00", setup_monthly="2.00")  # type: ignore[call-overload]
    customer_id = await _customer(runtime)
    order = await client.post(
        f"{API}/orders", headers=key, json={"customer_id": customer_id, "items": [{"product_id": product["id"]}]}
    )
    shown = (await client.get(f"{API}/invoices/{order.json()['invoice_id']}", headers=key)).json()["data"][0]
    assert [(item["type"], item["unit_price_ht"], item["unit_setup_ht"]) for item in shown["items"]] == [
        ("service", 10.0, 0.0),
        ("setup", 0.0, 2.0),
    ]
    assert shown["setupfees"] == 2.0 and shown["items"][0]["related_id"] is not None
    renewal = await make_invoice(
        runtime,
        customer_id,
        items=[
            NewItem(
                "Renewal",
                1000,
                type=ItemType.SERVICE,
                service_id=shown["items"][0]["related_id"],
                period_start=dt.date(2031, 1, 1),
            )
        ],
    )
    renewed = (await client.get(f"{API}/invoices/{renewal}", headers=key)).json()["data"][0]
    assert renewed["items"][0]["type"] == "renewal"
