"""All SQL of support. Every read starts from ``DEPARTMENT`` or ``TICKET``: the principal's mode, and its customer."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListSpec, Match, fetch_grouped
from hostlane.core.repository import Caller, Include, Scoped
from hostlane.identity.principal import Principal
from hostlane.models import Administrator, ApiKey, SupportAttachment, SupportDepartment, SupportReply, SupportTicket
from hostlane.support.errors import DepartmentNotFound, TicketNotFound

DEPARTMENTS = cast(sa.Table, SupportDepartment.__table__)
TICKETS = cast(sa.Table, SupportTicket.__table__)
REPLIES = cast(sa.Table, SupportReply.__table__)
ATTACHMENTS = cast(sa.Table, SupportAttachment.__table__)
ADMINS = cast(sa.Table, Administrator.__table__)

DEPARTMENT_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "name": Match.PARTIAL},
    sorts=frozenset({"id", "name", "created_at", "updated_at"}),
    includes=frozenset({"tickets"}),
)
TICKET_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "number": Match.INTEGER,
        "subject": Match.PARTIAL,
        "status": Match.EXACT,
        "priority": Match.EXACT,
        "department_id": Match.INTEGER,
        "customer_id": Match.INTEGER,
        "service_id": Match.INTEGER,
        "assigned_to": Match.INTEGER,
    },
    sorts=frozenset(
        {
            "id",
            "number",
            "subject",
            "status",
            "priority",
            "department_id",
            "customer_id",
            "assigned_to",
            "created_at",
            "updated_at",
            "closed_at",
        }
    ),
    # ``customer`` is attached by the service (a relation of another domain).
    includes=frozenset({"replies", "messages", "customer", "department", "assignedTo"}),
)


# Departments have no tenant: every caller of a mode sees them all.
DEPARTMENT = Scoped(SupportDepartment, tenant=None, spec=DEPARTMENT_SPEC, missing=DepartmentNotFound)
# Tickets are read with their department's name (``deptname``), as every face shows them.
TICKET = Scoped(
    SupportTicket,
    columns=[*TICKETS.c, DEPARTMENTS.c.name.label("deptname")],
    joins=[(DEPARTMENTS, DEPARTMENTS.c.id == TICKETS.c.department_id)],
    spec=TICKET_SPEC,
    missing=TicketNotFound,
)


async def tickets_with_ids(session: AsyncSession, caller: Caller, ids: Collection[int]) -> list[dict[str, Any]]:
    """The readable tickets among ``ids``, by id (for another domain's list of linked tickets)."""
    if not ids:
        return []
    statement = TICKET.readable(caller).where(TICKETS.c.id.in_(list(ids))).order_by(TICKETS.c.id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


async def staff_by_ids(session: AsyncSession, caller: Caller, ids: Collection[Any]) -> dict[int, dict[str, Any]]:
    """Staff members by id, as a ticket shows them (who opened it, who it is assigned to, who replied)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(sa.select(ADMINS.c.id, ADMINS.c.login, ADMINS.c.name).where(ADMINS.c.id.in_(wanted)))
    return {row["id"]: dict(row) for row in rows.mappings()}


async def replies_of(
    session: AsyncSession, caller: Caller, ticket_ids: Collection[Any]
) -> dict[Any, list[dict[str, Any]]]:
    """The replies of many tickets (read through their own scope), each with its author's login and name if staff."""
    if not ticket_ids:
        return {}
    statement = (
        sa.select(*REPLIES.c, ADMINS.c.login.label("admin_login"), ADMINS.c.name.label("admin_name"))
        .select_from(REPLIES.outerjoin(ADMINS, ADMINS.c.id == REPLIES.c.administrator_id))
        .where(REPLIES.c.ticket_id.in_(ticket_ids))
        .order_by(REPLIES.c.id)
    )
    return await fetch_grouped(session, statement, "ticket_id")


async def departments_by_id(session: AsyncSession, caller: Caller, ids: Collection[int]) -> dict[int, dict[str, Any]]:
    return await DEPARTMENT.by_id(session, caller, ids)


# A ticket's replies come with who opened it (its first message's author); ``messages`` is CLIENTXCMS's word.
_WITH_MESSAGES = frozenset({"replies", "messages"})
TICKET.includes = {
    "replies": Include(replies_of, aliases=frozenset({"messages"})),
    "opener": Include(staff_by_ids, on="administrator_id", one=True, aliases=_WITH_MESSAGES),
    "department": Include(departments_by_id, on="department_id", one=True),
    "assignedTo": Include(staff_by_ids, on="assigned_to", one=True),
}
DEPARTMENT.includes = {"tickets": Include(TICKET.grouped("department_id"))}


async def all_departments(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    rows = await session.execute(DEPARTMENT.readable(principal).order_by(DEPARTMENTS.c.id))
    return [dict(row) for row in rows.mappings()]


async def department_has_tickets(session: AsyncSession, department_id: int) -> bool:
    statement = sa.select(sa.literal(1)).where(TICKETS.c.department_id == department_id).limit(1)
    return await session.scalar(statement) is not None


# Tickets


async def ticket_id_by_number(session: AsyncSession, principal: Principal, number: int) -> int | None:
    statement = sa.select(TICKETS.c.id).where(TICKETS.c.number == number, *TICKET.scope(principal))
    return await session.scalar(statement)


async def number_taken(session: AsyncSession, number: int) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(TICKETS.c.number == number).limit(1)) is not None


async def get_reply(session: AsyncSession, principal: Principal, reply_id: int) -> dict[str, Any] | None:
    statement = (
        sa.select(REPLIES)
        .join(TICKETS, TICKETS.c.id == REPLIES.c.ticket_id)
        .where(REPLIES.c.id == reply_id, *TICKET.scope(principal))
    )
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


async def administrator_exists(session: AsyncSession, administrator_id: int) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(ADMINS.c.id == administrator_id)) is not None


async def staff_name(session: AsyncSession, principal: Principal) -> tuple[int | None, str | None]:
    """The administrator behind an admin or API-key principal, and the name they sign replies with."""
    if principal.id is None:
        return None, None
    if principal.kind.value == "admin":
        statement = sa.select(Administrator.id, Administrator.name).where(Administrator.id == principal.id)
    elif principal.kind.value == "api_key":
        statement = (
            sa.select(Administrator.id, Administrator.name)
            .join(ApiKey, ApiKey.administrator_id == Administrator.id)
            .where(ApiKey.id == principal.id)
        )
    else:
        return None, None
    row = (await session.execute(statement)).first()
    return (row[0], row[1] or None) if row is not None else (None, None)


async def attachments_of(session: AsyncSession, ticket_id: int) -> list[dict[str, Any]]:
    """The attachments of one ticket (the caller checked it may read it), oldest first."""
    rows = await session.execute(
        sa.select(ATTACHMENTS).where(ATTACHMENTS.c.ticket_id == ticket_id).order_by(ATTACHMENTS.c.id)
    )
    return [dict(row) for row in rows.mappings()]


async def attachment_of(session: AsyncSession, ticket_id: int, attachment_id: int) -> dict[str, Any] | None:
    """One attachment of one ticket (the caller checked it may read the ticket)."""
    row = (
        (
            await session.execute(
                sa.select(ATTACHMENTS).where(ATTACHMENTS.c.ticket_id == ticket_id, ATTACHMENTS.c.id == attachment_id)
            )
        )
        .mappings()
        .one_or_none()
    )
    return dict(row) if row is not None else None
