"""The admin panel's tickets pages: the list (by status, department and customer), a ticket with its
messages, a staff reply, and closing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.core.errors import ValidationFailed
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.forms import address, errors_of, list_query, validated
from hostlane.faces.web.auth import AdminViewer, Viewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.support import service as support
from hostlane.support.schemas import ReplyIn

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)

kit.notice("admin_ticket_replied", lambda: _("Your reply was sent to the customer."))
kit.notice("admin_ticket_closed", lambda: _("The ticket is closed."))

# The status filter's choices: "waiting" is every ticket whose last word is the customer's (open or replied to).
STATUSES = [
    ("waiting", N_("Waiting for staff"), "open,customer_reply"),
    ("open", N_("Open"), "open"),
    ("customer_reply", N_("Customer reply"), "customer_reply"),
    ("answered", N_("Answered"), "answered"),
    ("closed", N_("Closed"), "closed"),
]
PRIORITIES = [N_("Low"), N_("Medium"), N_("High")]


@router.get("/tickets")
async def index(request: Request, viewer: AdminViewer) -> Response:
    viewer.principal.require("tickets:index")
    params = request.query_params
    chosen = {"status": params.get("status", ""), "department": params.get("department", ""),
              "customer": params.get("customer", "")}  # fmt: skip
    statuses = {key: words for key, _label, words in STATUSES}
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        departments = await support.all_departments(session, viewer.principal)
        known = {str(department["id"]) for department in departments}
        filters = {
            "status": statuses.get(chosen["status"], ""),
            "department_id": chosen["department"] if chosen["department"] in known else "",
            "customer_id": chosen["customer"] if chosen["customer"].isdigit() and len(chosen["customer"]) < 19 else "",
        }
        query = list_query(request, filters, sort="-updated_at", includes=frozenset({"department"}))
        page = await support.list_tickets(session, viewer.principal, query)
    return kit.page(
        request, ADMIN, "admin/tickets.html", viewer=viewer, page=page, chosen=chosen, statuses=STATUSES,
        departments=departments, address=address("/admin/tickets", chosen),
    )  # fmt: skip


async def _ticket_page(request: Request, viewer: Viewer, ticket_id: int, *, status: int = 200, **form: Any) -> Response:
    async with get_runtime(request).db.reader() as session:
        ticket = await support.get_ticket(
            session, viewer.principal, ticket_id, includes={"replies", "customer", "department"}
        )
    return kit.page(request, ADMIN, "admin/ticket.html", viewer=viewer, status=status, ticket=ticket, **form)


@router.get("/tickets/{ticket_id}")
async def show(request: Request, viewer: AdminViewer, ticket_id: PathId) -> Response:
    viewer.principal.require("tickets:show")
    return await _ticket_page(request, viewer, ticket_id)


@router.post("/tickets/{ticket_id}/reply")
async def reply(request: Request, viewer: AdminViewer, ticket_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("tickets:reply")
    try:
        kit.required(fields, "message")
        message = validated(ReplyIn, {"body": fields["message"]})
        async with get_runtime(request).db.transaction() as session:
            await support.reply(session, viewer.principal, ticket_id, message)
    except (kit.FormError, ValidationFailed) as failure:
        errors = errors_of(failure)
        if "body" in errors:
            errors["message"] = errors.pop("body")
        return await _ticket_page(request, viewer, ticket_id, status=422, errors=errors, values=fields)
    return kit.redirect(f"/admin/tickets/{ticket_id}", notice_key="admin_ticket_replied")


@router.post("/tickets/{ticket_id}/close")
async def close(request: Request, viewer: AdminViewer, ticket_id: PathId) -> Response:
    await kit.form_fields(request, ADMIN)
    viewer.principal.require("tickets:close")
    async with get_runtime(request).db.transaction() as session:
        await support.close_ticket(session, viewer.principal, ticket_id)
    return kit.redirect(f"/admin/tickets/{ticket_id}", notice_key="admin_ticket_closed")
