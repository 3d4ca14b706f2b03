"""Support departments and tickets, as the real CLIENTXCMS's helpdesk API has them.

Its lists are Laravel's plain paginator, and so is its show: ``GET /tickets/{id}`` answers a page holding the one
ticket (``data[0]``), with what ``include=`` asks for, as the real one's query builder does. Its refusals carry
its own status and words (``REFUSALS`` in ``wire``): 400 to close a closed ticket or re-open an open one, 403 to
delete a department that still has tickets; deleting a department answers 204.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.formats import render
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.includes import require_includes
from hostlane.faces.application.inputs import ReplyIn, StaffTicketOpen, TicketUpdate
from hostlane.faces.application.routes.kit import Resource, Row, face_router, includes_of
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession
from hostlane.faces.face import success_responses
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal
from hostlane.support import service as support
from hostlane.support.schemas import CloseIn, DepartmentCreate, DepartmentUpdate

router = face_router("application: support")

# CLIENTXCMS's words for what was done.
CLOSED = "The ticket has been closed"
REOPENED = "The ticket has been reopened"
REPLIED = "Your reply has been sent"
DELETED = "Ticket deleted successfully"
OUTCOME = success_responses(schemas.TicketOutcome)


def _includes(request: Request, principal: Principal, resource: Resource) -> frozenset[str]:
    """What a show's ``include=`` asks for, each include's permission checked."""
    includes = includes_of(request, resource.spec)
    require_includes(principal, resource.path, includes)
    return includes


# Departments

DEPARTMENTS = Resource(
    router,
    "/departments",
    one="department",
    spec=support.DEPARTMENT_SPEC,
    wire=wire.department,
    shape=schemas.Department,
    envelope=wire.flat_paginated,
)
DEPARTMENTS.index(support.list_departments, summary="List support departments (include=tickets)")
DEPARTMENTS.create(DepartmentCreate, support.create_department, summary="Create a support department", idempotent=True)


@router.get(
    "/departments/{department_id}",
    summary="Show a support department, as a page of one (include=tickets)",
    responses=DEPARTMENTS.answers(as_page=True),
)
async def show_department(
    request: Request,
    runtime: RuntimeDep,
    department_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("departments:show", "departments:index")],
) -> Response:
    includes = _includes(request, principal, DEPARTMENTS)
    row = await support.get_department(session, principal, department_id, includes=includes)
    return DEPARTMENTS.one_row_page(request, runtime, row)


DEPARTMENTS.update(DepartmentUpdate, support.update_department, summary="Update a support department (partial)")


@router.delete(
    "/departments/{department_id}",
    status_code=204,
    summary="Delete a department that has no tickets (204; 403 while it has some)",
)
async def delete_department(
    department_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("departments:delete")],
) -> Response:
    await support.delete_department(session, principal, department_id)
    return Response(status_code=204)


# Tickets


async def _open_for_customer(session: AsyncSession, principal: Principal, body: StaffTicketOpen) -> Row:
    return await support.open_ticket(session, principal, body.to_domain(), customer_id=body.customer_id)


async def _update_ticket(session: AsyncSession, principal: Principal, ticket_id: int, body: TicketUpdate) -> Row:
    return await support.update_ticket(session, principal, ticket_id, body.to_domain())


TICKETS = Resource(
    router,
    "/tickets",
    one="ticket",
    spec=support.TICKET_SPEC,
    wire=wire.ticket,
    shape=schemas.Ticket,
    filter_words=wire.ticket_query,
    index_shows=False,
    envelope=wire.flat_paginated,
)
TICKETS.index(support.list_tickets, summary="List support tickets (include=customer,department,messages,assignedTo)")
TICKETS.create(
    StaffTicketOpen,
    _open_for_customer,
    summary="Open a ticket for a customer (who is mailed) (Idempotency-Key)",
    idempotent=True,
)


@router.get(
    "/tickets/{ticket_id}",
    summary="Show a ticket, as a page of one (include=messages …)",
    responses=TICKETS.answers(as_page=True),
)
async def show_ticket(
    request: Request,
    runtime: RuntimeDep,
    ticket_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("tickets:show")],
) -> Response:
    includes = _includes(request, principal, TICKETS)
    row = await support.get_ticket(session, principal, ticket_id, includes=includes)
    return TICKETS.one_row_page(request, runtime, row)


TICKETS.update(
    TicketUpdate,
    _update_ticket,
    summary="Update a ticket's department, subject, priority, status, close reason or assignee (partial)",
)


@router.delete(
    "/tickets/{ticket_id}",
    summary="Close an open ticket; delete a closed one",
    responses=success_responses(schemas.Message),
)
async def delete_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:delete")],
) -> Response:
    _, deleted = await support.delete_ticket(session, principal, ticket_id)
    return render(request, {"message": DELETED if deleted else CLOSED})


@router.post(
    "/tickets/{ticket_id}/reply", summary="Answer a ticket as staff: the customer is mailed", responses=OUTCOME
)
async def reply_ticket(
    request: Request,
    ticket_id: PathId,
    body: ReplyIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:reply")],
) -> Response:
    row = await support.reply(session, principal, ticket_id, body)
    return await remember(session, request, render(request, wire.ticket_outcome(row, REPLIED)))


@router.post("/tickets/{ticket_id}/close", summary="Close a ticket (400 if it is closed)", responses=OUTCOME)
async def close_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:close", "tickets:update")],
    body: CloseIn | None = None,
) -> Response:
    reason = body.reason if body is not None else None
    row = await support.close_ticket(session, principal, ticket_id, reason=reason, strict=True)
    return render(request, wire.ticket_outcome(row, CLOSED))


@router.post(
    "/tickets/{ticket_id}/reopen", summary="Re-open a closed ticket (400 if it is not closed)", responses=OUTCOME
)
async def reopen_ticket(
    request: Request,
    ticket_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("tickets:reopen", "tickets:update")],
) -> Response:
    row = await support.reopen_ticket(session, principal, ticket_id, strict=True)
    return render(request, wire.ticket_outcome(row, REOPENED))
