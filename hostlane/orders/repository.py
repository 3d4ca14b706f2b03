"""All SQL of orders."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Include, Scoped, children
from hostlane.models import Order, OrderItem
from hostlane.orders.errors import OrderNotFound

ORDERS = cast(sa.Table, Order.__table__)
ITEMS = cast(sa.Table, OrderItem.__table__)
LIST_SPEC = ListSpec(
    filters={"id": Match.INTEGER, "customer_id": Match.INTEGER, "status": Match.EXACT, "invoice_id": Match.INTEGER},
    sorts=frozenset({"id", "created_at", "status"}),
    includes=frozenset({"items"}),
)


ORDER = Scoped(Order, spec=LIST_SPEC, missing=OrderNotFound)
ORDER.includes = {"items": Include(children(ITEMS, "order_id"))}


async def lock_by_invoice(session: AsyncSession, invoice_id: int) -> Order | None:
    return await session.scalar(sa.select(Order).where(Order.invoice_id == invoice_id).with_for_update())
