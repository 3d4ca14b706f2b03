"""The client area's support pages: the customer's tickets, opening one (department, subject, message, a related
service), reading one with who wrote each message, replying and closing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import PORTAL, _
from hostlane.faces.web.portal.shared import page_number, validated
from hostlane.services import service as services
from hostlane.support import service as support
from hostlane.support.errors import UnknownDepartment
from hostlane.support.schemas import ReplyIn, TicketOpen

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)
PER_PAGE = 20
OPEN_STATUSES = "open,answered,customer_reply"

kit.notice("ticket_opened", lambda: _("Your ticket is open: we will answer soon."))
kit.notice("ticket_replied", lambda: _("Your reply is sent."))
kit.notice("ticket_closed", lambda: _("The ticket is closed."))


@router.get("/tickets")
async def ticket_list(request: Request, viewer: CustomerViewer) -> Response:
    runtime = get_runtime(request)
    only_open = request.query_params.get("show") != "all"
    filters = {"status": OPEN_STATUSES} if only_open else {}
    query = ListQuery(
        page=page_number(request), per_page=PER_PAGE, filters=filters, sort=[("updated_at", True), ("id", True)]
    )
    async with runtime.db.reader() as session:
        page = await support.list_tickets(session, viewer.principal, query)
        departments = {row["id"]: row for row in await support.all_departments(session, viewer.principal)}
    return kit.page(
        request,
        PORTAL,
        "portal/tickets.html",
        viewer=viewer,
        tickets=page,
        departments=departments,
        only_open=only_open,
        here="/portal/tickets" + ("" if only_open else "?show=all"),
    )


async def _new_form(
    request: Request,
    viewer: Viewer,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        departments = await support.all_departments(session, viewer.principal)
        owned = await services.list_services(session, viewer.principal, ListQuery(per_page=200, sort=[("id", True)]))
    return kit.page(
        request,
        PORTAL,
        "portal/ticket_new.html",
        status=status,
        viewer=viewer,
        department_options=[(row["id"], row["name"]) for row in departments],
        service_options=[(row["id"], f"{row['name']} (#{row['id']})") for row in owned.items],
        errors=errors or {},
        values=values or {},
    )


@router.get("/tickets/new")
async def new_ticket(request: Request, viewer: CustomerViewer) -> Response:
    service = request.query_params.get("service", "")
    return await _new_form(request, viewer, values={"service_id": service} if service.isdigit() else {})


@router.post("/tickets")
async def open_ticket(request: Request, viewer: CustomerViewer) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    data: dict[str, Any] = {
        "department_id": fields.get("department_id") or None,
        "subject": fields.get("subject", ""),
        "body": fields.get("body", ""),
        "service_id": fields.get("service_id") or None,
    }
    try:
        ticket = validated(TicketOpen, data)
        async with runtime.db.transaction() as session:
            opened = await support.open_ticket(session, viewer.principal, ticket)
    except kit.FormError as failure:
        return await _new_form(request, viewer, status=422, errors=failure.errors, values=fields)
    except UnknownDepartment:
        errors = {"department_id": [_("Choose a department.")]}
        return await _new_form(request, viewer, status=422, errors=errors, values=fields)
    except ValidationFailed as failure:
        errors = {name: [_("This value is not valid.")] for name in (failure.fields or {"form": []})}
        return await _new_form(request, viewer, status=422, errors=errors, values=fields)
    return kit.redirect(f"/portal/tickets/{opened['number']}", notice_key="ticket_opened")


async def _ticket_page(
    request: Request,
    viewer: Viewer,
    number: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    runtime = get_runtime(request)
    async with runtime.db.transaction() as session:  # reading it marks it read
        shown = await support.read_ticket(session, viewer.principal, number)
        departments = {row["id"]: row for row in await support.all_departments(session, viewer.principal)}
        service = (
            await services.get_service(session, viewer.principal, shown["service_id"]) if shown["service_id"] else None
        )
    return kit.page(
        request,
        PORTAL,
        "portal/ticket.html",
        status=status,
        viewer=viewer,
        ticket=shown,
        department=departments.get(shown["department_id"]),
        service=service,
        errors=errors or {},
        values=values or {},
    )


@router.get("/tickets/{number}")
async def ticket(request: Request, viewer: CustomerViewer, number: PathId) -> Response:
    return await _ticket_page(request, viewer, number)


@router.post("/tickets/{number}/reply")
async def reply(request: Request, viewer: CustomerViewer, number: PathId) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        ticket_id = await support.ticket_id(session, viewer.principal, number)  # another customer's: 404
    try:
        data = validated(ReplyIn, {"body": fields.get("body", "")})
        async with runtime.db.transaction() as session:
            await support.reply(session, viewer.principal, ticket_id, data)
    except kit.FormError as failure:
        return await _ticket_page(request, viewer, number, status=422, errors=failure.errors, values=fields)
    return kit.redirect(f"/portal/tickets/{number}", notice_key="ticket_replied")


@router.post("/tickets/{number}/close")
async def close(request: Request, viewer: CustomerViewer, number: PathId) -> Response:
    await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    async with runtime.db.transaction() as session:
        ticket_id = await support.ticket_id(session, viewer.principal, number)
        await support.close_ticket(session, viewer.principal, ticket_id)
    return kit.redirect(f"/portal/tickets/{number}", notice_key="ticket_closed")
