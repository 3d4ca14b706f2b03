"""The admin panel's invoices: the list and its filters, an invoice with its lines, taxes, payments and credit, a
payment recorded by hand (once, whatever the double submits), a refund, the PDF, each behind its permission."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hostlane.billing import service as billing
from hostlane.billing.schemas import InvoiceCreate, InvoiceLineIn
from hostlane.customers import service as customers
from hostlane.identity.principal import Principal
from hostlane.models import Payment
from hostlane.runtime import Runtime
from tests.faces.web.admin_access import limited_admin
from tests.faces.web.conftest import Web
from tests.fixtures.factories import make_customer

SYSTEM = Principal.system()


async def make_invoice(runtime: Runtime, customer_id: int, *lines: tuple[str, str]) -> dict[str, Any]:
    items = [InvoiceLineIn(description=text, amount=amount) for text, amount in lines or [("Hosting", "20.00")]]
    async with runtime.db.transaction() as session:
        return await billing.create_manual_invoice(
            session,
            SYSTEM,
            InvoiceCreate(customer_id=customer_id, items=items),  # type: ignore[arg-type]
        )


async def read(runtime: Runtime, invoice_id: int) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await billing.get_invoice(session, SYSTEM, invoice_id, includes=billing.WHOLE)


async def payments_of(runtime: Runtime, invoice_id: int) -> int:
    async with runtime.db.reader() as session:
        found = await session.scalar(sa.select(sa.func.count()).where(Payment.invoice_id == invoice_id))
    return int(found or 0)


async def test_the_list_filters_by_status_customer_and_number(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    other = await make_customer(runtime, firstname="Jean", lastname="Martin")
    first = await make_invoice(runtime, int(customer["id"]), ("Web hosting", "20.00"))
    second = await make_invoice(runtime, int(other["id"]), ("VPS", "35.50"))  # type: ignore[call-overload]
    await admin.post(f"/admin/invoices/{second['id']}/mark-paid", {"transaction_id": "BANK-1"})

    page = await admin.get("/admin/invoices")
    assert page.status_code == 200
    assert first["number"] in page.text and second["number"] in page.text
    assert "Marie Dubois" in page.text and "Jean Martin" in page.text
    assert "€20.00" in page.text and "€35.50" in page.text

    unpaid = await admin.get("/admin/invoices", params={"status": "unpaid"})
    assert first["number"] in unpaid.text and second["number"] not in unpaid.text
    theirs = await admin.get("/admin/invoices", params={"customer": str(other["id"])})
    assert second["number"] in theirs.text and first["number"] not in theirs.text
    numbered = await admin.get("/admin/invoices", params={"number": first["number"]})
    assert first["number"] in numbered.text and second["number"] not in numbered.text
    wrong = await admin.get("/admin/invoices", params={"customer": "Dubois"})
    assert wrong.status_code == 422
    assert '<p class="error" id="e-customer">A customer number, such as 42.</p>' in wrong.text


async def test_the_list_pages(admin: Web, runtime: Runtime, customer: dict[str, Any]) -> None:
    for n in range(27):
        await make_invoice(runtime, int(customer["id"]), (f"Line {n}", "1.00"))
    first = await admin.get("/admin/invoices")
    assert "Page 1 of 2" in first.text and "27 invoices" in first.text
    assert 'href="/admin/invoices?page=2" rel="next"' in first.text
    unpaid = await admin.get("/admin/invoices", params={"status": "unpaid"})
    assert 'href="/admin/invoices?status=unpaid&amp;page=2" rel="next"' in unpaid.text
    assert first.text.count('<a href="/admin/invoices/') == 25
    second = await admin.get("/admin/invoices", params={"page": "2"})
    assert second.text.count('<a href="/admin/invoices/') == 2


async def test_an_invoice_shows_its_lines_taxes_payments_and_credit(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    async with runtime.db.transaction() as session:
        await billing.set_tax_rule(session, SYSTEM, country="FR", state="", level=1, name="TVA", rate="20")
    invoice = await make_invoice(runtime, int(customer["id"]), ("Web hosting", "10.00"), ("Domain", "5.00"))
    async with runtime.db.transaction() as session:
        await billing.add_credit(session, SYSTEM, int(customer["id"]), 500, reason="Goodwill")
    page = await admin.get(f"/admin/invoices/{invoice['id']}")
    assert page.status_code == 200
    assert f"Invoice {invoice['number']}" in page.text
    assert "Web hosting" in page.text and "Domain" in page.text
    assert "Tax (20%)" in page.text and "€3.00" in page.text and "€18.00" in page.text
    assert "Credit applied</dt><dd>€5.00" in page.text
    assert "Amount due</dt><dd><strong>€13.00" in page.text
    assert "Mark paid" in page.text and "Download PDF" in page.text


async def test_mark_paid_records_one_payment_whatever_the_double_submits(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    invoice = await make_invoice(runtime, int(customer["id"]))
    done = await admin.post(f"/admin/invoices/{invoice['id']}/mark-paid", {"transaction_id": "VIR-2026-001"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/admin/invoices/{invoice['id']}?notice=invoice_marked_paid"
    page = await admin.get(done.headers["location"])
    assert "The payment was recorded: the invoice is paid." in page.text
    assert "VIR-2026-001" in page.text and "Received" in page.text
    paid = await read(runtime, int(invoice["id"]))
    assert (str(paid["status"]), paid["paid_minor"], paid["due_minor"]) == ("paid", 2000, 0)

    again = await admin.post(f"/admin/invoices/{invoice['id']}/mark-paid", {"transaction_id": "VIR-2026-002"})
    assert again.status_code == 303
    assert again.headers["location"].endswith("?notice=invoice_already_paid")
    shown = await admin.get(again.headers["location"])
    assert "This invoice is already paid: no payment was recorded." in shown.text
    assert await payments_of(runtime, int(invoice["id"])) == 1


async def test_mark_paid_refuses_a_blank_or_reused_reference(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    first = await make_invoice(runtime, int(customer["id"]))
    second = await make_invoice(runtime, int(customer["id"]))
    blank = await admin.post(f"/admin/invoices/{first['id']}/mark-paid", {"transaction_id": ""})
    assert blank.status_code == 422
    assert '<p class="error" id="e-transaction_id">This field is required.</p>' in blank.text
    await admin.post(f"/admin/invoices/{first['id']}/mark-paid", {"transaction_id": "CHQ-7"})
    reused = await admin.post(f"/admin/invoices/{second['id']}/mark-paid", {"transaction_id": "CHQ-7"})
    assert reused.status_code == 422
    assert '<p class="error" id="e-transaction_id">This transaction was already recorded.</p>' in reused.text
    assert 'value="CHQ-7"' in reused.text
    assert str((await read(runtime, int(second["id"])))["status"]) == "unpaid"
    assert await payments_of(runtime, int(second["id"])) == 0


async def test_refund_gives_the_money_back_to_credit_once(
    admin: Web, runtime: Runtime, customer: dict[str, Any]
) -> None:
    invoice = await make_invoice(runtime, int(customer["id"]))
    early = await admin.post(f"/admin/invoices/{invoice['id']}/refund", {"to": "credit"})
    assert early.headers["location"].endswith("?notice=invoice_not_paid")
    await admin.post(f"/admin/invoices/{invoice['id']}/mark-paid", {"transaction_id": "VIR-9"})
    page = await admin.get(f"/admin/invoices/{invoice['id']}")
    assert "Refund invoice" in page.text and "Mark paid</button>" not in page.text

    done = await admin.post(f"/admin/invoices/{invoice['id']}/refund", {"to": "credit"})
    assert done.headers["location"] == f"/admin/invoices/{invoice['id']}?notice=invoice_refunded"
    assert "The invoice was refunded." in (await admin.get(done.headers["location"])).text
    assert str((await read(runtime, int(invoice["id"])))["status"]) == "refunded"
    async with runtime.db.reader() as session:
        assert (await customers.get_customer(session, SYSTEM, int(customer["id"])))["credit_minor"] == 2000

    again = await admin.post(f"/admin/invoices/{invoice['id']}/refund", {"to": "credit"})
    assert again.headers["location"].endswith("?notice=invoice_already_refunded")
    async with runtime.db.reader() as session:
        assert (await customers.get_customer(session, SYSTEM, int(customer["id"])))["credit_minor"] == 2000


async def test_the_pdf_downloads(admin: Web, runtime: Runtime, customer: dict[str, Any]) -> None:
    invoice = await make_invoice(runtime, int(customer["id"]))
    answer = await admin.get(f"/admin/invoices/{invoice['id']}/pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.content.startswith(b"%PDF")


async def test_csrf_login_and_missing_invoices(
    admin: Web, browser_for: Any, runtime: Runtime, customer: dict[str, Any]
) -> None:
    invoice = await make_invoice(runtime, int(customer["id"]))
    refused = await admin.post(f"/admin/invoices/{invoice['id']}/mark-paid", {"transaction_id": "X-1"}, csrf=False)
    assert refused.status_code == 403
    refused = await admin.post(f"/admin/invoices/{invoice['id']}/refund", {"to": "credit"}, csrf=False)
    assert refused.status_code == 403
    assert str((await read(runtime, int(invoice["id"])))["status"]) == "unpaid"
    assert (await admin.get("/admin/invoices/999999")).status_code == 404
    assert (await admin.get("/admin/invoices/999999/pdf")).status_code == 404
    missing = await admin.post("/admin/invoices/999999/mark-paid", {"transaction_id": "X-2"})
    assert missing.status_code == 404
    anonymous = browser_for("/admin", "127.0.0.9")
    page = await anonymous.get(f"/admin/invoices/{invoice['id']}")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/admin/login?next=")


async def test_a_test_mode_invoice_is_not_found_in_live_mode(admin: Web, runtime: Runtime) -> None:
    other = await make_customer(runtime, livemode=False)
    items = [InvoiceLineIn(description="Test", amount="1.00")]  # type: ignore[arg-type]
    async with runtime.db.transaction() as session:
        invoice = await billing.create_manual_invoice(
            session,
            Principal.system(livemode=False),
            InvoiceCreate(customer_id=int(other["id"]), items=items),  # type: ignore[call-overload]
        )
    assert (await admin.get(f"/admin/invoices/{invoice['id']}")).status_code == 404


async def test_permissions_decide_pages_and_buttons(
    runtime: Runtime, browser_for: Any, customer: dict[str, Any]
) -> None:
    invoice = await make_invoice(runtime, int(customer["id"]))
    reader = await limited_admin(runtime, browser_for, "invoices:index", "invoices:show")
    page = await reader.get(f"/admin/invoices/{invoice['id']}")
    assert page.status_code == 200
    assert "Mark paid" not in page.text and "Download PDF" in page.text
    refused = await reader.post(f"/admin/invoices/{invoice['id']}/mark-paid", {"transaction_id": "X-3"})
    assert refused.status_code == 403
    assert await payments_of(runtime, int(invoice["id"])) == 0
    lister = await limited_admin(runtime, browser_for, "invoices:index", ip="127.0.0.3")
    assert (await lister.get("/admin/invoices")).status_code == 200
    assert (await lister.get(f"/admin/invoices/{invoice['id']}")).status_code == 403
    assert (await lister.get(f"/admin/invoices/{invoice['id']}/pdf")).status_code == 403
    nobody = await limited_admin(runtime, browser_for, "products:index", ip="127.0.0.4")
    assert (await nobody.get("/admin/invoices")).status_code == 403


async def test_the_invoice_reads_in_french(admin: Web, runtime: Runtime, customer: dict[str, Any]) -> None:
    invoice = await make_invoice(runtime, int(customer["id"]), ("Hébergement", "1234.50"))
    admin.client.cookies.set("hostlane_lang", "fr")
    page = await admin.get(f"/admin/invoices/{invoice['id']}")
    assert f"Facture {invoice['number']}" in page.text
    assert "Reste à payer" in page.text and "Marquer comme payée" in page.text
    assert "1\u202f234,50\xa0€" in page.text
