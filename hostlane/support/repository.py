"""All SQL of support. Every read starts from a scoped statement: the principal's mode, and its customer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListQuery, ListSpec, Match, Page, fetch_grouped, fetch_page
from hostlane.identity.principal import Principal
from hostlane.models import Administrator, ApiKey, SupportDepartment, SupportReply, SupportTicket

DEPARTMENTS = cast(sa.Table, SupportDepartment.__table__)
TICKETS = cast(sa.Table, SupportTicket.__table__)
REPLIES = cast(sa.Table, SupportReply.__table__)

DEPARTMENT_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "name": Match.PARTIAL},
    sorts=frozenset({"id", "name", "created_at", "updated_at"}),
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
            "created_at",
            "updated_at",
            "closed_at",
        }
    ),
    includes=frozenset({"replies", "messages"}),
)


# Departments


def readable_departments(principal: Principal) -> sa.Select[Any]:
    return sa.select(DEPARTMENTS).where(DEPARTMENTS.c.livemode.is_(principal.livemode))


async def list_departments(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, readable_departments(principal), DEPARTMENTS.c, DEPARTMENT_SPEC, query)


async def all_departments(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    rows = await session.execute(readable_departments(principal).order_by(DEPARTMENTS.c.id))
    return [dict(row) for row in rows.mappings()]


async def get_department(session: AsyncSession, principal: Principal, department_id: int) -> dict[str, Any] | None:
    statement = readable_departments(principal).where(DEPARTMENTS.c.id == department_id)
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


async def lock_department(session: AsyncSession, principal: Principal, department_id: int) -> SupportDepartment | None:
    return await session.scalar(
        sa.select(SupportDepartment)
        .where(SupportDepartment.id == department_id, SupportDepartment.livemode.is_(principal.livemode))
        .with_for_update()
    )


async def department_name_taken(
    session: AsyncSession, livemode: bool, name: str, *, except_id: int | None = None
) -> bool:
    statement = sa.select(sa.literal(1)).where(
        DEPARTMENTS.c.livemode.is_(livemode), sa.func.lower(DEPARTMENTS.c.name) == name.lower()
    )
    if except_id is not None:
        statement = statement.where(DEPARTMENTS.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def department_has_tickets(session: AsyncSession, department_id: int) -> bool:
    statement = sa.select(sa.literal(1)).where(TICKETS.c.department_id == department_id).limit(1)
    return await session.scalar(statement) is not None


# Tickets


def _ticket_scope(principal: Principal) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [TICKETS.c.livemode.is_(principal.livemode)]
    if principal.scope is not None:
        conditions.append(TICKETS.c.customer_id == principal.scope)
    return conditions


def readable_tickets(principal: Principal) -> sa.Select[Any]:
    """Tickets with their department's name (``deptname``), as every face shows them."""
    return (
        sa.select(TICKETS, DEPARTMENTS.c.name.label("deptname"))
        .join(DEPARTMENTS, DEPARTMENTS.c.id == TICKETS.c.department_id)
        .where(*_ticket_scope(principal))
    )


async def list_tickets(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, readable_tickets(principal), TICKETS.c, TICKET_SPEC, query)


async def get_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> dict[str, Any] | None:
    row = (await session.execute(readable_tickets(principal).where(TICKETS.c.id == ticket_id))).mappings().first()
    return dict(row) if row is not None else None


async def ticket_id_by_number(session: AsyncSession, principal: Principal, number: int) -> int | None:
    statement = sa.select(TICKETS.c.id).where(TICKETS.c.number == number, *_ticket_scope(principal))
    return await session.scalar(statement)


async def lock_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> SupportTicket | None:
    return await session.scalar(
        sa.select(SupportTicket).where(SupportTicket.id == ticket_id, *_ticket_scope(principal)).with_for_update()
    )


async def number_taken(session: AsyncSession, number: int) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(TICKETS.c.number == number).limit(1)) is not None


async def replies_of(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    if not ticket_ids:
        return {}
    statement = sa.select(REPLIES).where(REPLIES.c.ticket_id.in_(set(ticket_ids))).order_by(REPLIES.c.id)
    return await fetch_grouped(session, statement, "ticket_id")


async def get_reply(session: AsyncSession, principal: Principal, reply_id: int) -> dict[str, Any] | None:
    statement = (
        sa.select(REPLIES)
        .join(TICKETS, TICKETS.c.id == REPLIES.c.ticket_id)
        .where(REPLIES.c.id == reply_id, *_ticket_scope(principal))
    )
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


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
