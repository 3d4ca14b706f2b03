"""Invoices: CLIENTXCMS's routes (list, an empty draft, show, update, delete, notify, pdf, download, export,
validate, edit) and Hostlane's own (a manual invoice with lines, issue, payments received, charges, refunds)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.billing.schemas import PaymentIn, RefundIn
from hostlane.core import clock
from hostlane.core.formats import render
from hostlane.core.pagination import Page
from hostlane.faces.application import inputs, schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.includes import require_includes
from hostlane.faces.application.routes.kit import Endpoint, Resource, Row, face_router, list_query
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession
from hostlane.faces.face import error_responses, success_responses
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal

router = face_router()
VALIDATED = "The invoice has been successfully validated"
SET_IN_DRAFT = "The invoice is now editable."
NOTIFIED = "The customer has been notified"
# What an export answers, per format: its media type and its file's extension.
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/zip", "zip"),
}


async def _create(session: AsyncSession, principal: Principal, body: inputs.InvoiceCreate) -> Row:
    return await billing.create_manual_invoice(session, principal, body.to_domain())


async def _update(session: AsyncSession, principal: Principal, invoice_id: int, body: inputs.InvoiceUpdate) -> Row:
    return await billing.update_invoice(session, principal, invoice_id, body.to_domain())


INVOICES = Resource(
    router,
    "/invoices",
    one="invoice",
    spec=wire.INVOICE_LIST,
    wire=wire.invoice,
    shape=schemas.Invoice,
    filter_words=wire.invoice_query,
    index_shows=False,
)
INVOICES.index(billing.list_invoices, summary="List invoices")
INVOICES.create(
    inputs.InvoiceCreate,
    _create,
    summary="Create an invoice: an empty draft ({customer_id, currency}), or with lines (Idempotency-Key)",
    idempotent=True,
)


async def _export(
    body: inputs.InvoiceExport, runtime: RuntimeDep, session: AsyncSession, principal: Principal
) -> Response:
    pdf = body.format == "pdf"
    rows = await billing.invoices_for_export(session, principal, body.to_domain(), pdf=pdf)
    if pdf:
        document = await billing.pdf_zip(rows, seller=runtime.settings.seller)
    else:
        write = billing.csv_file if body.format == "csv" else billing.xlsx_file
        document = write(wire.INVOICE_EXPORT_HEADER, [wire.invoice_export_row(row) for row in rows])
    media, extension = EXPORTS[body.format]
    name = f"invoices-{clock.now():%Y-%m-%d_%H-%M-%S}.{extension}"
    return Response(document, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


_EXPORTED: dict[int | str, dict[str, Any]] = {200: {"content": {media: {} for media, _ in EXPORTS.values()}}}


# CLIENTXCMS documents the export at /invoices/export and routes it under an invoice it does not use; both work.
@router.post(
    "/invoices/export",
    summary="Export invoices (CSV, XLSX, or a ZIP of PDFs)",
    response_class=Response,
    responses=_EXPORTED,
)
async def export_invoices(
    body: inputs.InvoiceExport,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("invoices:index")],
) -> Response:
    return await _export(body, runtime, session, principal)


@router.post(
    "/invoices/{invoice_id}/export",
    summary="Export invoices (CLIENTXCMS's path: the invoice must exist; the body chooses what is exported)",
    response_class=Response,
    responses=_EXPORTED,
)
async def export_invoices_of(
    invoice_id: PathId,
    body: inputs.InvoiceExport,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("invoices:index")],
) -> Response:
    await billing.get_invoice(session, principal, invoice_id, includes=frozenset())
    return await _export(body, runtime, session, principal)


@router.get(
    "/invoices/{invoice_id}",
    summary="Show an invoice (a page of one, as CLIENTXCMS answers)",
    responses=INVOICES.answers(as_page=True),
)
async def show_invoice(
    request: Request,
    invoice_id: PathId,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("invoices:show")],
) -> Response:
    query = list_query(request, runtime, wire.INVOICE_LIST)
    require_includes(principal, INVOICES.path, query.includes)
    row = await billing.get_invoice(session, principal, invoice_id, includes=query.includes | billing.WHOLE)
    page = Page([row], 1, dataclasses.replace(query, page=1, cursor=None))
    return render(request, wire.flat_paginated(request, page, wire.invoice))


def _pdf(disposition: str) -> Endpoint:
    async def endpoint(
        invoice_id: PathId,
        runtime: RuntimeDep,
        session: ReadSession,
        principal: Annotated[Principal, needs("invoices:show")],
    ) -> Response:
        document, name = await billing.invoice_pdf(session, principal, invoice_id, seller=runtime.settings.seller)
        headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
        return Response(document, media_type="application/pdf", headers=headers)

    return endpoint


_PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}
router.add_api_route(
    "/invoices/{invoice_id}/pdf",
    _pdf("inline"),
    methods=["GET"],
    summary="The invoice as a PDF, shown in the browser",
    response_class=Response,
    responses=_PDF,
    name="invoice_pdf",
)
router.add_api_route(
    "/invoices/{invoice_id}/download",
    _pdf("attachment"),
    methods=["GET"],
    summary="The invoice as a PDF, downloaded",
    response_class=Response,
    responses=_PDF,
    name="download_invoice",
)

INVOICES.update(
    inputs.InvoiceUpdate,
    _update,
    summary="Update an invoice: notes, due date, a draft's lines; a new status moves it (validate, edit, paid …)",
)


@router.delete("/invoices/{invoice_id}", summary="Delete a draft, pending or cancelled invoice", status_code=204)
async def delete_invoice(
    invoice_id: PathId, session: WriteSession, principal: Annotated[Principal, needs("invoices:delete")]
) -> Response:
    await billing.delete_invoice(session, principal, invoice_id)
    return Response(status_code=204)


async def _notify(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    row = await billing.send_invoice(session, principal, invoice_id)
    return render(request, wire.invoice_outcome(row, NOTIFIED))


OUTCOME = success_responses(schemas.InvoiceOutcome)


# CLIENTXCMS sends the mail on a GET; a POST does the same.
for method in ("GET", "POST"):
    router.add_api_route(
        "/invoices/{invoice_id}/notify",
        _notify,
        methods=[method],
        summary="Mail a pending invoice to its customer again",
        name="notify_invoice",
        operation_id=f"notify_invoice_{method.lower()}",
        responses=OUTCOME,
    )


@router.post(
    "/invoices/{invoice_id}/validate", summary="Validate a draft: number it, mail it, apply credit", responses=OUTCOME
)
async def validate_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    row = await billing.issue_draft(session, principal, invoice_id)
    return render(request, wire.invoice_outcome(row, VALIDATED))


@router.post(
    "/invoices/{invoice_id}/edit",
    summary="Take a pending invoice back to draft (it keeps its number)",
    responses=OUTCOME,
)
async def edit_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
) -> Response:
    row = await billing.reopen_draft(session, principal, invoice_id)
    return render(request, wire.invoice_outcome(row, SET_IN_DRAFT))


INVOICES.on_item(
    "POST",
    "/issue",
    billing.issue_draft,
    action="update",
    summary="Issue a draft: number it and apply credit (validate, answering the invoice alone)",
    name="issue_invoice",
)


@router.post(
    "/invoices/{invoice_id}/pay",
    summary="Record a payment received (marks the invoice paid when covered)",
    responses=INVOICES.answers(),
)
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
    responses={**error_responses(402), **INVOICES.answers()},
)
async def charge_invoice(
    request: Request, invoice_id: PathId, runtime: RuntimeDep, principal: Annotated[Principal, needs("invoices:update")]
) -> Response:
    return render(request, wire.invoice(await billing.charge(runtime.db, principal, invoice_id)))


@router.post(
    "/invoices/{invoice_id}/refund",
    summary='Refund a paid invoice: to credit, or {"to": "gateway"}',
    responses=INVOICES.answers(),
)
async def refund_invoice(
    request: Request,
    invoice_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("invoices:update")],
    body: RefundIn | None = None,
) -> Response:
    row = await billing.refund_invoice(session, principal, invoice_id, to_gateway=bool(body and body.to == "gateway"))
    return render(request, wire.invoice(row))
