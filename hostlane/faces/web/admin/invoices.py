"""The admin panel's invoices: the list (by status, customer and number), an invoice with its lines, taxes, payments
and the credit applied, and what staff do to one: mark it paid (a payment received by hand), refund it, download
its PDF. Every change of money is a POST with its CSRF token, and billing's own state checks make a second "mark
paid" or "refund" of the same invoice a notice, never a second payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.billing import service as billing
from hostlane.billing.errors import DuplicatePayment, InvoiceStateError
from hostlane.billing.schemas import PaymentIn
from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.catalog import checked, refused
from hostlane.faces.web.admin.forms import address, by_value, list_filters, status_choices
from hostlane.faces.web.auth import AdminViewer, Viewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.models import InvoiceStatus

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)
PER_PAGE = 25

kit.notice("invoice_marked_paid", lambda: _("The payment was recorded: the invoice is paid."))
kit.notice("invoice_refunded", lambda: _("The invoice was refunded."))
kit.notice("invoice_already_paid", lambda: _("This invoice is already paid: no payment was recorded."))
kit.notice("invoice_already_refunded", lambda: _("This invoice is already refunded: nothing was refunded again."))
kit.notice("invoice_not_paid", lambda: _("Only a paid invoice can be refunded."))
kit.notice("invoice_not_payable", lambda: _("Only an unpaid invoice can be marked paid."))

STATUS_LABELS = {
    InvoiceStatus.DRAFT: N_("Draft"),
    InvoiceStatus.UNPAID: N_("Unpaid"),
    InvoiceStatus.PAID: N_("Paid"),
    InvoiceStatus.CANCELLED: N_("Cancelled"),
    InvoiceStatus.REFUNDED: N_("Refunded"),
    InvoiceStatus.COLLECTIONS: N_("Collections"),
}
PAYMENT_LABELS = {
    "succeeded": N_("Received"),
    "failed": N_("Failed"),
    "unknown": N_("In progress"),
    "refunded": N_("Refunded"),
}
REFUND_TARGETS = {"credit": N_("To the customer's credit"), "gateway": N_("Back through the payment gateway")}


def _context() -> dict[str, Any]:
    return {
        "status_labels": by_value(STATUS_LABELS),
        "payment_labels": PAYMENT_LABELS,
    }


@router.get("/invoices")
async def invoices(
    request: Request, viewer: AdminViewer, page: int = 1, status: str = "", customer: str = "", number: str = ""
) -> Response:
    viewer.principal.require("invoices:index")
    filters, errors = list_filters(status.strip(), customer.strip(), [item.value for item in InvoiceStatus])
    if number.strip():
        filters["number"] = number.strip()
    query = ListQuery(
        page=max(page, 1), per_page=PER_PAGE, filters=filters, sort=[("id", True)], includes=frozenset({"customer"})
    )
    async with get_runtime(request).db.reader() as session:
        shown = await billing.list_invoices(session, viewer.principal, query)
    values = {"status": status, "customer": customer, "number": number}
    return kit.page(
        request,
        ADMIN,
        "admin/invoice_list.html",
        viewer=viewer,
        status=422 if errors else 200,
        invoices=shown,
        errors=errors,
        values=values,
        here=address("/admin/invoices", values),
        statuses=status_choices(STATUS_LABELS),
        **_context(),
    )


def _rate(milli: int, viewer: Viewer) -> str:
    """A tax rate (thousandths of a percent) as the reader writes a percentage: 20 %, 5,5 %."""
    return format_percent(Decimal(milli) / 100000, format="#,##0.###%", locale=viewer.language)


async def _invoice_page(
    request: Request, viewer: Viewer, invoice_id: int, *, status: int = 200, **context: Any
) -> Response:
    async with get_runtime(request).db.reader() as session:
        shown = await billing.get_invoice(session, viewer.principal, invoice_id, includes=billing.WHOLE | {"customer"})
    return kit.page(
        request,
        ADMIN,
        "admin/invoice_view.html",
        viewer=viewer,
        status=status,
        invoice=shown,
        rates={key: _rate(shown[key], viewer) for key in ("taxrate_milli", "taxrate2_milli")},
        refund_targets=[(key, _(label)) for key, label in REFUND_TARGETS.items()],
        **_context(),
        **context,
    )


@router.get("/invoices/{invoice_id}")
async def invoice(request: Request, viewer: AdminViewer, invoice_id: PathId) -> Response:
    viewer.principal.require("invoices:show")
    return await _invoice_page(request, viewer, invoice_id)


def _refusal(failure: InvoiceStateError, *, wanted: str) -> str:
    """The notice for a change the invoice's status refuses (the second of a double submit, most often)."""
    now = str(failure.context.get("status", ""))
    if wanted == "paid":
        return "invoice_already_paid" if now == InvoiceStatus.PAID.value else "invoice_not_payable"
    return "invoice_already_refunded" if now == InvoiceStatus.REFUNDED.value else "invoice_not_paid"


@router.post("/invoices/{invoice_id}/mark-paid")
async def mark_paid(request: Request, viewer: AdminViewer, invoice_id: PathId) -> Response:
    """A payment received outside Hostlane (bank transfer, cheque): the amount due, under its reference."""
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("invoices:update")
    runtime = get_runtime(request)
    try:
        kit.required(fields, "transaction_id")
        payment = checked(PaymentIn, {"transaction_id": fields["transaction_id"], "gateway": "manual"})
        async with runtime.db.transaction() as session:
            await billing.record_manual_payment(session, viewer.principal, invoice_id, payment)
    except InvoiceStateError as failure:
        return kit.redirect(f"/admin/invoices/{invoice_id}", notice_key=_refusal(failure, wanted="paid"))
    except DuplicatePayment:
        errors = {"transaction_id": [_("This transaction was already recorded.")]}
        return await _invoice_page(request, viewer, invoice_id, status=422, errors=errors, values=fields)
    except (kit.FormError, ValidationFailed) as failure:
        return await _invoice_page(request, viewer, invoice_id, status=422, errors=refused(failure), values=fields)
    return kit.redirect(f"/admin/invoices/{invoice_id}", notice_key="invoice_marked_paid")


@router.post("/invoices/{invoice_id}/refund")
async def refund(request: Request, viewer: AdminViewer, invoice_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("invoices:update")
    target = fields.get("to") or "credit"
    if target not in REFUND_TARGETS:
        errors = {"to": [_("Choose one of the options.")]}
        return await _invoice_page(request, viewer, invoice_id, status=422, errors=errors, values=fields)
    try:
        async with get_runtime(request).db.transaction() as session:
            await billing.refund_invoice(session, viewer.principal, invoice_id, to_gateway=target == "gateway")
    except InvoiceStateError as failure:
        return kit.redirect(f"/admin/invoices/{invoice_id}", notice_key=_refusal(failure, wanted="refunded"))
    return kit.redirect(f"/admin/invoices/{invoice_id}", notice_key="invoice_refunded")


@router.get("/invoices/{invoice_id}/pdf")
async def pdf(request: Request, viewer: AdminViewer, invoice_id: PathId) -> Response:
    viewer.principal.require("invoices:show")
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        document, name = await billing.invoice_pdf(
            session, viewer.principal, invoice_id, seller=runtime.settings.seller
        )
    return kit.attachment(document, name, "application/pdf")
