"""Invoices: manual ones and drafts, their PDF, payments received, charges, refunds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.billing.schemas import InvoiceCreate, InvoiceUpdate, PaymentIn, RefundIn
from hostlane.core.formats import render
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.routes.kit import Resource, Row, face_router
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession
from hostlane.faces.face import error_responses
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal

router = face_router()


async def _invoice(session: AsyncSession, principal: Principal, invoice_id: int, /) -> Row:
    return await billing.get_invoice(session, principal, invoice_id, includes=frozenset({"items", "payments"}))


async def _update_draft(session: AsyncSession, principal: Principal, invoice_id: int, body: InvoiceUpdate) -> Row:
    return await billing.update_draft(session, principal, invoice_id, body.model_dump(exclude_unset=True))


INVOICES = Resource(
    router,
    "/invoices",
    one="invoice",
    spec=billing.LIST_SPEC,
    wire=wire.invoice,
    filter_words=wire.invoice_query,
    index_shows=False,
)
INVOICES.index(billing.list_invoices, summary="List invoices")
INVOICES.create(
    InvoiceCreate,
    billing.create_manual_invoice,
    summary="Create a manual invoice (or a draft) (Idempotency-Key)",
    idempotent=True,
)
INVOICES.show(_invoice, summary="Show an invoice with its items and payments")


@router.get(
    "/invoices/{invoice_id}/pdf",
    summary="The invoice as a PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def invoice_pdf(
    invoice_id: PathId,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("invoices:show")],
) -> Response:
    document, number = await billing.invoice_pdf(session, principal, invoice_id, seller=runtime.settings.seller)
    filename = f"invoice-{(number or f'draft-{invoice_id}').replace('/', '-')}.pdf"
    return Response(
        document, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


INVOICES.update(InvoiceUpdate, _update_draft, summary="Update a draft invoice (date, due date, notes)")
INVOICES.delete(billing.cancel_invoice, summary="Cancel an unpaid or draft invoice", name="cancel_invoice")
INVOICES.on_item(
    "POST",
    "/issue",
    billing.issue_draft,
    action="update",
    summary="Issue a draft: number it and apply credit",
    name="issue_invoice",
)


@router.post("/invoices/{invoice_id}/pay", summary="Record a payment received (marks the invoice paid when covered)")
async def pay_invoice(
    request: Request,
    invoice_id: PathId,
    body: PaymentIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    row = await billing.record_manual_payment(session, principal, invoice_id, body)
    return await remember(session, request, render(request, wire.invoice(row)))


@router.post(
    "/invoices/{invoice_id}/charge",
    summary="Charge the customer's saved payment method",
    responses=error_responses(402),
)
async def charge_invoice(
    request: Request, invoice_id: PathId, runtime: RuntimeDep, principal: Annotated[Principal, needs("invoices:update")]
) -> Response:
    return render(request, wire.invoice(await billing.charge(runtime.db, principal, invoice_id)))


@router.post("/invoices/{invoice_id}/refund", summary='Refund a paid invoice: to credit, or {"to": "gateway"}')
async def refund_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
    body: RefundIn | None = None,
) -> Response:
    row = await billing.refund_invoice(session, principal, invoice_id, to_gateway=bool(body and body.to == "gateway"))
    return render(request, wire.invoice(row))
