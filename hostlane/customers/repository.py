"""All SQL of customers. Every read starts from ``readable(principal)``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListQuery, ListSpec, Match, Page, fetch_page
from hostlane.identity.principal import Principal
from hostlane.models import Customer

TABLE = cast(sa.Table, Customer.__table__)
# Columns a customer is rendered from (never the password hash).
COLUMNS = [column for column in TABLE.c if column.name not in ("password_hash", "deleted_at")]

LIST_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "email": Match.PARTIAL,
        "firstname": Match.PARTIAL,
        "lastname": Match.PARTIAL,
        "companyname": Match.PARTIAL,
        "country": Match.EXACT,
        "status": Match.EXACT,
        "currency": Match.EXACT,
        "phone": Match.PARTIAL,
    },
    sorts=frozenset({"id", "email", "firstname", "lastname", "created_at", "updated_at", "country", "status"}),
    includes=frozenset({"services"}),
)


def scope(principal: Principal) -> list[sa.ColumnElement[bool]]:
    """The customers this principal may see: its mode, not deleted, and itself if it is a customer."""
    conditions: list[sa.ColumnElement[bool]] = [TABLE.c.livemode.is_(principal.livemode), TABLE.c.deleted_at.is_(None)]
    if principal.scope is not None:
        conditions.append(TABLE.c.id == principal.scope)
    return conditions


def readable(principal: Principal) -> sa.Select[Any]:
    return sa.select(*COLUMNS).where(*scope(principal))


async def list_page(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, readable(principal), TABLE.c, LIST_SPEC, query)


async def get(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any] | None:
    row = (await session.execute(readable(principal).where(TABLE.c.id == customer_id))).mappings().first()
    return dict(row) if row is not None else None


async def get_for_update(session: AsyncSession, principal: Principal, customer_id: int) -> Customer | None:
    return await session.scalar(
        sa.select(Customer).where(Customer.id == customer_id, *scope(principal)).with_for_update()
    )


async def email_taken(session: AsyncSession, livemode: bool, email: str, *, except_id: int | None = None) -> bool:
    statement = sa.select(sa.literal(1)).where(
        TABLE.c.livemode.is_(livemode),
        TABLE.c.deleted_at.is_(None),
        sa.func.lower(TABLE.c.email) == email.lower(),
    )
    if except_id is not None:
        statement = statement.where(TABLE.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def by_email(session: AsyncSession, livemode: bool, email: str) -> Customer | None:
    return await session.scalar(
        sa.select(Customer).where(
            Customer.livemode.is_(livemode),
            Customer.deleted_at.is_(None),
            sa.func.lower(Customer.email) == email.lower(),
        )
    )


async def count(session: AsyncSession, principal: Principal) -> dict[str, int]:
    rows = await session.execute(
        sa.select(TABLE.c.status, sa.func.count()).where(*scope(principal)).group_by(TABLE.c.status)
    )
    return {str(status): int(n) for status, n in rows.all()}


async def existing_ids(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> set[int]:
    rows = await session.scalars(sa.select(TABLE.c.id).where(TABLE.c.id.in_(ids), *scope(principal)))
    return set(rows.all())


async def by_ids(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = await session.execute(readable(principal).where(TABLE.c.id.in_(set(ids))))
    return [dict(row) for row in rows.mappings()]


async def record_login(
    session: AsyncSession, customer_id: int, *, at: datetime, ip: str, host: str | None, password_hash: str | None
) -> None:
    await session.execute(
        sa.update(Customer)
        .where(Customer.id == customer_id)
        .values(last_login_at=at, last_login_ip=ip, last_login_host=host, password_hash=password_hash)
    )


async def billing_profiles(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What invoicing needs of each customer (tax place and exemption, credit, currency), by id."""
    rows = await session.execute(
        sa.select(
            TABLE.c.id, TABLE.c.country, TABLE.c.state, TABLE.c.taxexempt, TABLE.c.credit_minor, TABLE.c.currency
        ).where(TABLE.c.id.in_(ids))
    )
    return {row["id"]: dict(row) for row in rows.mappings()}
