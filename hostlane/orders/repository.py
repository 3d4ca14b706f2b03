"""All SQL of orders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListQuery, ListSpec, Match, Page, fetch_grouped, fetch_page
from hostlane.identity.principal import Principal
from hostlane.models import Order, OrderItem

ORDERS = cast(sa.Table, Order.__table__)
ITEMS = cast(sa.Table, OrderItem.__table__)
LIST_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "customer_id": Match.INTEGER, "status": Match.EXACT, "invoice_id": Match.INTEGER},
    sorts=frozenset({"id", "created_at", "status"}),
    includes=frozenset({"items"}),
)


def scope(principal: Principal) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [ORDERS.c.livemode.is_(principal.livemode)]
    if principal.scope is not None:
        conditions.append(ORDERS.c.customer_id == principal.scope)
    return conditions


async def list_page(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, sa.select(*ORDERS.c).where(*scope(principal)), ORDERS.c, LIST_SPEC, query)


async def get(session: AsyncSession, principal: Principal, order_id: int) -> dict[str, Any] | None:
    row = (
        (await session.execute(sa.select(*ORDERS.c).where(ORDERS.c.id == order_id, *scope(principal))))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def lock(session: AsyncSession, principal: Principal, order_id: int) -> Order | None:
    return await session.scalar(sa.select(Order).where(Order.id == order_id, *scope(principal)).with_for_update())


async def lock_by_invoice(session: AsyncSession, invoice_id: int) -> Order | None:
    return await session.scalar(sa.select(Order).where(Order.invoice_id == invoice_id).with_for_update())


async def items_of(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    statement = sa.select(*ITEMS.c).where(ITEMS.c.order_id.in_(order_ids)).order_by(ITEMS.c.id)
    return await fetch_grouped(session, statement, "order_id") if order_ids else {}
