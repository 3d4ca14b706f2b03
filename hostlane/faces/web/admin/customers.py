"""The admin panel's customers pages: the list (searched by name, e-mail address or company, paged), a
customer with its services, invoices, tickets and credit, editing it, and adding credit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.billing.schemas import CreditIn
from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.customers.schemas import CustomerUpdate
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.forms import errors_of, list_query, validated
from hostlane.faces.web.auth import AdminViewer, Viewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.models import CustomerStatus
from hostlane.services import service as services
from hostlane.support import service as support

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)

kit.notice("admin_customer_saved", lambda: _("The customer was saved."))
kit.notice("admin_credit_added", lambda: _("The credit was added."))

# The fields the edit form changes (the credit has its own form; the currency never changes here).
EDITED = ("firstname", "lastname", "email", "companyname", "phone", "address1", "address2", "city", "state",
          "postcode", "country", "status", "notes")  # fmt: skip
REQUIRED = ("firstname", "lastname", "email", "country", "status")
STATUSES = [
    ("active", N_("Active")),
    ("suspended", N_("Suspended")),
    ("banned", N_("Banned")),
    ("closed", N_("Closed")),
]
assert {value for value, _label in STATUSES} == {status.value for status in CustomerStatus}
# What a customer's page lists of each relation (its latest), each read only with the relation's permission.
RELATED = 10


@router.get("/customers")
async def index(request: Request, viewer: AdminViewer) -> Response:
    viewer.principal.require("customers:index")
    text = request.query_params.get("q", "").strip()[:100]
    status = request.query_params.get("status", "")
    filters = {"status": status if status in {value for value, _label in STATUSES} else ""}
    async with get_runtime(request).db.reader() as session:
        page = await customers.search_customers(session, viewer.principal, list_query(request, filters), text=text)
    return kit.page(
        request, ADMIN, "admin/customers.html", viewer=viewer, page=page, q=text, chosen=filters["status"],
        statuses=STATUSES,
    )  # fmt: skip


async def _related(session: AsyncSession, viewer: Viewer, customer_id: int) -> dict[str, Any]:
    """The customer's latest services, invoices and tickets, each only for an administrator who may list them."""
    principal = viewer.principal
    latest = ListQuery(page=1, per_page=RELATED, filters={"customer_id": str(customer_id)}, sort=[("id", True)])
    related: dict[str, Any] = {"balance": await billing.balance(session, principal, customer_id)}
    if viewer.can("services:index"):
        related["services"] = await services.list_services(session, principal, latest)
    if viewer.can("invoices:index"):
        related["invoices"] = await billing.list_invoices(session, principal, latest)
    if viewer.can("tickets:index"):
        related["tickets"] = await support.list_tickets(session, principal, latest)
    return related


async def _customer_page(
    request: Request, viewer: AdminViewer, customer_id: int, *, status: int = 200, **form: Any
) -> Response:
    async with get_runtime(request).db.reader() as session:
        customer = await customers.get_customer(session, viewer.principal, customer_id)
        related = await _related(session, viewer, customer_id)
    return kit.page(
        request, ADMIN, "admin/customer.html", viewer=viewer, status=status, customer=customer, **related, **form
    )


@router.get("/customers/{customer_id}")
async def show(request: Request, viewer: AdminViewer, customer_id: PathId) -> Response:
    viewer.principal.require("customers:show")
    return await _customer_page(request, viewer, customer_id)


def _edit_page(
    request: Request, viewer: Viewer, customer: dict[str, Any], *, status: int = 200, **form: Any
) -> Response:
    return kit.page(
        request, ADMIN, "admin/customer_edit.html", viewer=viewer, status=status, customer=customer,
        statuses=[(value, _(label)) for value, label in STATUSES], **form,
    )  # fmt: skip


@router.get("/customers/{customer_id}/edit")
async def edit(request: Request, viewer: AdminViewer, customer_id: PathId) -> Response:
    viewer.principal.require("customers:update")
    async with get_runtime(request).db.reader() as session:
        customer = await customers.get_customer(session, viewer.principal, customer_id)
    values = {name: "" if customer.get(name) is None else str(customer[name]) for name in EDITED}
    return _edit_page(request, viewer, customer, values=values)


@router.post("/customers/{customer_id}/edit")
async def save(request: Request, viewer: AdminViewer, customer_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("customers:update")
    runtime = get_runtime(request)
    try:
        kit.required(fields, *REQUIRED)
        changes = validated(CustomerUpdate, {name: fields.get(name) or None for name in EDITED})  # blank: cleared
        async with runtime.db.transaction() as session:
            await customers.update_customer(session, viewer.principal, customer_id, changes)
    except (kit.FormError, ValidationFailed) as failure:
        async with runtime.db.reader() as session:
            customer = await customers.get_customer(session, viewer.principal, customer_id)
        return _edit_page(request, viewer, customer, status=422, errors=errors_of(failure), values=fields)
    return kit.redirect(f"/admin/customers/{customer_id}", notice_key="admin_customer_saved")


@router.post("/customers/{customer_id}/credit")
async def add_credit(request: Request, viewer: AdminViewer, customer_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("customers:update")
    try:
        kit.required(fields, "amount", "reason")
        credit = validated(CreditIn, {"amount": fields["amount"].replace(",", "."), "reason": fields["reason"]})
        async with get_runtime(request).db.transaction() as session:
            await billing.add_credit_amount(session, viewer.principal, customer_id, credit)
    except (kit.FormError, ValidationFailed) as failure:
        errors = errors_of(failure)
        if "amount" in errors:
            errors["amount"] = [_("Enter a positive amount, such as 10.00.")]
        return await _customer_page(request, viewer, customer_id, status=422, errors=errors, values=fields)
    return kit.redirect(f"/admin/customers/{customer_id}", notice_key="admin_credit_added")
