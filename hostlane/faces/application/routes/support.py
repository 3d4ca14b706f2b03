"""Support departments and tickets, as the real CLIENTXCMS has them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.formats import render
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.inputs import ReplyIn, StaffTicketOpen, TicketUpdate
from hostlane.faces.application.routes.kit import Resource, Row, face_router
from hostlane.faces.common import PathId, WriteSession
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal
from hostlane.support import service as support
from hostlane.support.schemas import CloseIn, DepartmentCreate, DepartmentUpdate

router = face_router("application: support")

DEPARTMENTS = Resource(router, "/departments", one="department", spec=support.DEPARTMENT_SPEC, wire=wire.department)
DEPARTMENTS.index(support.list_departments, summary="List support departments")
DEPARTMENTS.create(DepartmentCreate, support.create_department, summary="Create a support department", idempotent=True)
DEPARTMENTS.show(support.get_department, summary="Show a support department")
DEPARTMENTS.update(DepartmentUpdate, support.update_department, summary="Update a support department (partial)")
DEPARTMENTS.delete(support.delete_department, summary="Delete a department that has no tickets")


async def _open_for_customer(session: AsyncSession, principal: Principal, body: StaffTicketOpen) -> Row:
    return await support.open_ticket(session, principal, body, customer_id=body.customer_id)


async def _update_ticket(session: AsyncSession, principal: Principal, ticket_id: int, body: TicketUpdate) -> Row:
    return await support.update_ticket(session, principal, ticket_id, body.to_domain())


TICKETS = Resource(
    router,
    "/tickets",
    one="ticket",
    spec=support.TICKET_SPEC,
    wire=wire.ticket,
    filter_words=wire.ticket_query,
    index_shows=False,
)
TICKETS.index(support.list_tickets, summary="List support tickets (include=replies)")
TICKETS.create(
    StaffTicketOpen,
    _open_for_customer,
    summary="Open a ticket for a customer (who is mailed) (Idempotency-Key)",
    idempotent=True,
)
TICKETS.show(support.get_ticket, summary="Show a ticket with its replies")
TICKETS.update(
    TicketUpdate, _update_ticket, summary="Update a ticket's department, subject, priority or status (partial)"
)


@router.delete("/tickets/{ticket_id}", summary="Close an open ticket; delete a closed one")
async def delete_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:delete")],
) -> Response:
    row, deleted = await support.delete_ticket(session, principal, ticket_id)
    message = "Ticket deleted successfully" if deleted else "Ticket closed successfully"
    return render(request, wire.ticket_outcome(row, message))


@router.post("/tickets/{ticket_id}/reply", summary="Answer a ticket as staff: the customer is mailed")
async def reply_ticket(
    request: Request,
    ticket_id: PathId,
    body: ReplyIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:reply")],
) -> Response:
    row = await support.reply(session, principal, ticket_id, body)
    return await remember(session, request, render(request, wire.ticket_outcome(row, "Reply added")))


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
    return render(request, wire.ticket_outcome(row, "Ticket closed"))


@router.post("/tickets/{ticket_id}/reopen", summary="Re-open a closed ticket (409 if it is not closed)")
async def reopen_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:update")],
) -> Response:
    row = await support.reopen_ticket(session, principal, ticket_id, strict=True)
    return render(request, wire.ticket_outcome(row, "Ticket reopened"))
