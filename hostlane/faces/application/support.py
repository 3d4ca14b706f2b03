"""The application face's support routes: departments and tickets, as the real CLIENTXCMS has them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from hostlane.core.formats import FormatRoute, render
from hostlane.core.idempotency import remember
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.inputs import ReplyIn, StaffTicketOpen, TicketUpdate
from hostlane.faces.application.routes import PREFIX, list_query, update_route
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession
from hostlane.identity.principal import Principal
from hostlane.support import service as support
from hostlane.support.schemas import CloseIn, DepartmentCreate, DepartmentUpdate

router = APIRouter(prefix=PREFIX, tags=["application: support"], route_class=FormatRoute)


# Departments


@router.get("/departments", summary="List support departments")
async def list_departments(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("departments:index")],
) -> Response:
    page = await support.list_departments(session, principal, list_query(request, runtime, support.DEPARTMENT_SPEC))
    return render(request, wire.paginated(request, page, wire.department))


@router.post("/departments", status_code=201, summary="Create a support department")
async def create_department(
    request: Request,
    body: DepartmentCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("departments:create")],
) -> Response:
    row = await support.create_department(session, principal, body)
    return await remember(session, request, render(request, wire.department(row), 201))


@router.get("/departments/{department_id}", summary="Show a support department")
async def show_department(
    request: Request,
    department_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("departments:index")],
) -> Response:
    return render(request, wire.department(await support.get_department(session, principal, department_id)))


@update_route("/departments/{department_id}", "Update a support department (partial)", on=router)
async def update_department(
    request: Request,
    department_id: PathId,
    body: DepartmentUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("departments:update")],
) -> Response:
    row = await support.update_department(session, principal, department_id, body)
    return render(request, wire.department(row))


@router.delete("/departments/{department_id}", summary="Delete a department that has no tickets")
async def delete_department(
    request: Request,
    department_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("departments:delete")],
) -> Response:
    return render(request, wire.department(await support.delete_department(session, principal, department_id)))


# Tickets


@router.get("/tickets", summary="List support tickets (include=replies)")
async def list_tickets(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("tickets:index")],
) -> Response:
    query = wire.ticket_query(list_query(request, runtime, support.TICKET_SPEC))
    page = await support.list_tickets(session, principal, query)
    return render(request, wire.paginated(request, page, wire.ticket))


@router.post("/tickets", status_code=201, summary="Open a ticket for a customer (who is mailed) (Idempotency-Key)")
async def create_ticket(
    request: Request,
    body: StaffTicketOpen,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:create")],
) -> Response:
    row = await support.open_ticket(session, principal, body, customer_id=body.customer_id)
    return await remember(session, request, render(request, wire.ticket(row), 201))


@router.get("/tickets/{ticket_id}", summary="Show a ticket with its replies")
async def show_ticket(
    request: Request,
    ticket_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("tickets:show")],
) -> Response:
    return render(request, wire.ticket(await support.get_ticket(session, principal, ticket_id)))


@update_route("/tickets/{ticket_id}", "Update a ticket's department, subject, priority or status (partial)", on=router)
async def update_ticket(
    request: Request,
    ticket_id: PathId,
    body: TicketUpdate,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:update")],
) -> Response:
    return render(request, wire.ticket(await support.update_ticket(session, principal, ticket_id, body.to_domain())))


@router.delete("/tickets/{ticket_id}", summary="Close an open ticket; delete a closed one")
async def delete_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:delete")],
) -> Response:
    row, deleted = await support.delete_ticket(session, principal, ticket_id)
    message = "Ticket deleted successfully" if deleted else "Ticket closed successfully"
    return render(request, {"message": message, "ticket": wire.ticket(row)})


@router.post("/tickets/{ticket_id}/reply", summary="Answer a ticket as staff: the customer is mailed")
async def reply_ticket(
    request: Request,
    ticket_id: PathId,
    body: ReplyIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:reply")],
) -> Response:
    await support.reply(session, principal, ticket_id, body)
    row = await support.get_ticket(session, principal, ticket_id)
    return await remember(session, request, render(request, {"message": "Reply added", "ticket": wire.ticket(row)}))


@router.post("/tickets/{ticket_id}/close", summary="Close a ticket (409 if it is closed)")
async def close_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:update")],
    body: CloseIn | None = None,
) -> Response:
    reason = body.reason if body is not None else None
    row = await support.close_ticket(session, principal, ticket_id, reason=reason, strict=True)
    return render(request, {"message": "Ticket closed", "ticket": wire.ticket(row)})


@router.post("/tickets/{ticket_id}/reopen", summary="Re-open a closed ticket (409 if it is not closed)")
async def reopen_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:update")],
) -> Response:
    row = await support.reopen_ticket(session, principal, ticket_id, strict=True)
    return render(request, {"message": "Ticket reopened", "ticket": wire.ticket(row)})
