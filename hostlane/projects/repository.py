"""All SQL of projects. Every read starts from a project the principal may read (its mode, and its customer when
the principal is confined to one); actions, topics, time logs and ticket links are read through their project."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import count_bounded
from hostlane.identity.principal import Principal
from hostlane.models import Project, ProjectAction, ProjectFile, ProjectTicketLink, ProjectTimeLog, ProjectTopic

PROJECTS = cast(sa.Table, Project.__table__)
ACTIONS = cast(sa.Table, ProjectAction.__table__)
TOPICS = cast(sa.Table, ProjectTopic.__table__)
TIME_LOGS = cast(sa.Table, ProjectTimeLog.__table__)
TICKET_LINKS = cast(sa.Table, ProjectTicketLink.__table__)
FILES = cast(sa.Table, ProjectFile.__table__)

Row = dict[str, Any]
M = TypeVar("M", Project, ProjectAction, ProjectTopic, ProjectTimeLog, ProjectTicketLink, ProjectFile)


def readable_projects(principal: Principal) -> sa.Select[Any]:
    """The ids of the projects ``principal`` may read."""
    statement = sa.select(PROJECTS.c.id).where(PROJECTS.c.livemode == principal.livemode)
    if principal.scope is not None:
        statement = statement.where(PROJECTS.c.customer_id == principal.scope)
    return statement


def _readable(table: sa.Table, principal: Principal) -> sa.Select[Any]:
    key = table.c.id if table is PROJECTS else table.c.project_id
    return sa.select(table).where(key.in_(readable_projects(principal)))


async def page(
    session: AsyncSession,
    table: sa.Table,
    principal: Principal,
    *,
    filters: Mapping[str, Any],
    limit: int,
    offset: int,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> tuple[list[Row], int]:
    """One window of ``table``'s readable rows matching ``filters`` (column = value), by id, and their total: exact
    when the window ends the list, else counted as ``core.pagination.count_bounded`` counts (the window's ids read
    first when it starts past the first row, so a deep window reads ids, not rows)."""
    statement = _readable(table, principal).where(*where)
    for name, value in filters.items():
        statement = statement.where(table.c[name].is_(None) if value is None else table.c[name] == value)
    ids = statement.with_only_columns(table.c.id)
    window = statement.order_by(table.c.id).limit(limit + 1)
    if offset:
        window = (
            _readable(table, principal)
            .where(table.c.id.in_(ids.order_by(table.c.id).limit(limit + 1).offset(offset)))
            .order_by(table.c.id)
        )
    items = [dict(row) for row in (await session.execute(window)).mappings()]
    more = len(items) > limit
    del items[limit:]
    if not more and (items or offset == 0):
        return items, offset + len(items)
    return items, await count_bounded(session, ids, at_least=offset + len(items) + int(more))


async def one(session: AsyncSession, table: sa.Table, principal: Principal, row_id: int) -> Row | None:
    row = (await session.execute(_readable(table, principal).where(table.c.id == row_id))).mappings().first()
    return dict(row) if row is not None else None


async def rows_where(session: AsyncSession, table: sa.Table, *where: sa.ColumnElement[bool]) -> list[Row]:
    rows = await session.execute(sa.select(table).where(*where).order_by(table.c.id))
    return [dict(row) for row in rows.mappings()]


async def links_of_tickets(session: AsyncSession, principal: Principal, ticket_ids: Sequence[int]) -> dict[int, Row]:
    """The readable links of these tickets, by ticket id (one query)."""
    if not ticket_ids:
        return {}
    statement = _readable(TICKET_LINKS, principal).where(TICKET_LINKS.c.ticket_id.in_(ticket_ids))
    return {row["ticket_id"]: dict(row) for row in (await session.execute(statement)).mappings()}


async def linked_ticket_ids(
    session: AsyncSession, principal: Principal, *, project_id: int | None, action_id: int | None
) -> list[int]:
    statement = sa.select(TICKET_LINKS.c.ticket_id).where(TICKET_LINKS.c.project_id.in_(readable_projects(principal)))
    if project_id is not None:
        statement = statement.where(TICKET_LINKS.c.project_id == project_id)
    if action_id is not None:
        statement = statement.where(TICKET_LINKS.c.action_id == action_id)
    return list((await session.scalars(statement.order_by(TICKET_LINKS.c.ticket_id))).all())


async def get_model(
    session: AsyncSession, model: type[M], principal: Principal, row_id: int, *, lock: bool = False
) -> M | None:
    """The ORM row to change, if the principal may read it (locked for update with ``lock``)."""
    table = cast(sa.Table, model.__table__)
    key = table.c.id if model is Project else table.c.project_id
    statement = sa.select(model).where(table.c.id == row_id, key.in_(readable_projects(principal)))
    return await session.scalar(statement.with_for_update() if lock else statement)


async def uninvoiced_time_logs(session: AsyncSession, project_id: int) -> list[Row]:
    """The project's billable time logs not invoiced yet, with some time on them, oldest first."""
    return await rows_where(
        session,
        TIME_LOGS,
        TIME_LOGS.c.project_id == project_id,
        TIME_LOGS.c.billable.is_(True),
        TIME_LOGS.c.invoice_id.is_(None),
        TIME_LOGS.c.duration_seconds > 0,
    )


async def claim_time_logs(session: AsyncSession, ids: Sequence[int], invoice_id: int) -> int:
    """Mark the logs as invoiced on ``invoice_id``, only those no one invoiced meanwhile; how many were."""
    result = await session.execute(
        sa.update(TIME_LOGS)
        .where(TIME_LOGS.c.id.in_(list(ids)), TIME_LOGS.c.invoice_id.is_(None))
        .values(invoice_id=invoice_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)
