"""The client area's invoices pages: the list (paged, by status), one invoice with its lines, taxes, totals and
payments, its PDF, and paying it in one click with the saved card or the account credit.

Paying twice is impossible by the billing domain's own checks: a paid invoice is no longer payable
(``InvoiceStateError``) and a card charge still in flight blocks another (``ChargeInProgress``). A second click
(a double submit, a reload) therefore lands on the invoice with "already paid", never on a second charge."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.billing import service as billing
from hostlane.billing.errors import (
    ChargeInProgress,
    InsufficientCredit,
    InvoiceStateError,
    NoPaymentMethod,
    PaymentDeclined,
)
from hostlane.core.pagination import ListQuery
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import PORTAL, _
from hostlane.faces.web.portal.shared import page_number, rate_of
from hostlane.models import InvoiceStatus

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)
PER_PAGE = 20
SHOWN_STATUSES = ("unpaid", "paid", "cancelled", "refunded", "collections")

kit.notice("invoice_paid", lambda: _("Thank you: the invoice is paid."))
kit.notice("already_paid", lambda: _("This invoice is already paid: nothing more was charged."))
kit.notice("payment_pending", lambda: _("Your payment is being processed; this page will show it once it is done."))


@router.get("/invoices")
async def invoice_list(request: Request, viewer: CustomerViewer) -> Response:
    runtime = get_runtime(request)
    status = request.query_params.get("status", "")
    filters = {"status": status} if status in SHOWN_STATUSES else {}
    query = ListQuery(page=page_number(request), per_page=PER_PAGE, filters=filters, sort=[("id", True)])
    async with runtime.db.reader() as session:
        page = await billing.list_invoices(session, viewer.principal, query)
    return kit.page(
        request,
        PORTAL,
        "portal/invoices.html",
        viewer=viewer,
        invoices=page,
        status_filter=filters.get("status", ""),
        statuses=SHOWN_STATUSES,
        here="/portal/invoices" + (f"?status={filters['status']}" if filters else ""),
    )


async def _detail(
    request: Request, viewer: Viewer, invoice_id: int, *, status: int = 200, problem: str | None = None,
    needs_card: bool = False,
) -> Response:  # fmt: skip
    runtime = get_runtime(request)
    customer_id = viewer.principal.scope or 0
    async with runtime.db.reader() as session:
        invoice = await billing.get_invoice(session, viewer.principal, invoice_id, includes=billing.WHOLE)
        balance = await billing.balance(session, viewer.principal, customer_id)
    return kit.page(
        request,
        PORTAL,
        "portal/invoice.html",
        status=status,
        viewer=viewer,
        invoice=invoice,
        balance=balance,
        payable=invoice["status"] == InvoiceStatus.UNPAID and invoice["due_minor"] > 0,
        problem=problem,
        needs_card=needs_card,
        rate_of=rate_of,
    )


@router.get("/invoices/{invoice_id}")
async def invoice(request: Request, viewer: CustomerViewer, invoice_id: PathId) -> Response:
    return await _detail(request, viewer, invoice_id)


@router.get("/invoices/{invoice_id}/pdf")
async def invoice_pdf(request: Request, viewer: CustomerViewer, invoice_id: PathId) -> Response:
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        document, name = await billing.invoice_pdf(
            session, viewer.principal, invoice_id, seller=runtime.settings.seller
        )
    return kit.attachment(document, name, "application/pdf")


@router.post("/invoices/{invoice_id}/pay")
async def pay(request: Request, viewer: CustomerViewer, invoice_id: PathId) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    method: Literal["card", "credit"] = "credit" if fields.get("method") == "credit" else "card"
    runtime = get_runtime(request)
    url = f"/portal/invoices/{invoice_id}"
    async with runtime.db.reader() as session:
        await billing.get_invoice(session, viewer.principal, invoice_id)  # another customer's: 404 first
    try:
        outcome = await billing.pay_invoice(runtime.db, viewer.principal, invoice_id, method)
    except InvoiceStateError as refused:
        if refused.context.get("status") == InvoiceStatus.PAID.value:
            return kit.redirect(url, notice_key="already_paid")
        return await _detail(request, viewer, invoice_id, status=409, problem=_("This invoice cannot be paid."))
    except ChargeInProgress:
        return kit.redirect(url, notice_key="payment_pending")
    except NoPaymentMethod:
        problem = _("You have no saved card.")
        return await _detail(request, viewer, invoice_id, status=422, problem=problem, needs_card=True)
    except InsufficientCredit:
        problem = _("Your account credit does not cover the amount due.")
        return await _detail(request, viewer, invoice_id, status=402, problem=problem)
    except PaymentDeclined:
        problem = _("The payment was declined. Nothing was charged; try another card.")
        return await _detail(request, viewer, invoice_id, status=402, problem=problem, needs_card=True)
    return kit.redirect(url, notice_key="invoice_paid" if outcome.paid else "payment_pending")
