"""All SQL of the catalogue. Every read starts from ``GROUP``, ``PRODUCT`` or ``PRICING`` (scoped by mode)."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog.errors import GroupNotFound, PricingNotFound, ProductNotFound
from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Include, Scoped
from hostlane.identity.principal import Principal
from hostlane.models import Pricing, Product, ProductGroup

GROUPS = cast(sa.Table, ProductGroup.__table__)
PRODUCTS = cast(sa.Table, Product.__table__)
PRICINGS = cast(sa.Table, Pricing.__table__)

GROUP_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "name": Match.PARTIAL,
        "slug": Match.EXACT,
        "status": Match.EXACT,
        "parent_id": Match.INTEGER,
        "pinned": Match.BOOLEAN,
    },
    sorts=frozenset({"id", "name", "slug", "status", "sort_order", "created_at", "updated_at"}),
    includes=frozenset({"products", "groups"}),
)
PRODUCT_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "name": Match.PARTIAL,
        "status": Match.EXACT,
        "group_id": Match.INTEGER,
        "type": Match.EXACT,
        "pinned": Match.BOOLEAN,
        "stock": Match.INTEGER,
    },
    sorts=frozenset({"id", "name", "status", "sort_order", "group_id", "stock", "type", "created_at", "updated_at"}),
    includes=frozenset({"group", "pricing"}),
)
PRICING_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "product_id": Match.INTEGER,
        "related_id": Match.INTEGER,
        "currency": Match.EXACT,
    },
    sorts=frozenset({"id", "product_id", "currency", "monthly", "annually", "onetime"}),
    includes=frozenset({"product"}),
)
PRICING_COLUMNS = {**{c.name: c for c in PRICINGS.c}, "related_id": PRICINGS.c.product_id}


# The catalogue has no tenant: every caller of a mode sees all of it.
GROUP = Scoped(ProductGroup, tenant=None, spec=GROUP_SPEC, missing=GroupNotFound)
PRODUCT = Scoped(Product, tenant=None, spec=PRODUCT_SPEC, missing=ProductNotFound)
PRICING = Scoped(Pricing, tenant=None, spec=PRICING_SPEC, list_columns=PRICING_COLUMNS, missing=PricingNotFound)
GROUP.includes = {
    "products": Include(PRODUCT.grouped("group_id", "sort_order")),
    "groups": Include(GROUP.grouped("parent_id", "sort_order")),
}
PRODUCT.includes = {
    "pricing": Include(PRICING.grouped("product_id")),
    "group": Include(GROUP.by_id, on="group_id", one=True),
}
PRICING.includes = {"product": Include(PRODUCT.by_id, on="product_id", one=True)}


async def pricing_exists(
    session: AsyncSession, product_id: int, currency: str, *, except_id: int | None = None
) -> bool:
    statement = sa.select(sa.literal(1)).where(PRICINGS.c.product_id == product_id, PRICINGS.c.currency == currency)
    if except_id is not None:
        statement = statement.where(PRICINGS.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def group_has_products(session: AsyncSession, group_id: int) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(PRODUCTS.c.group_id == group_id).limit(1)) is not None


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    async def count(scoped: Scoped[Any]) -> int:
        statement = sa.select(sa.func.count()).select_from(scoped.table).where(*scoped.scope(principal))
        return int(await session.scalar(statement) or 0)

    return {"groups": await count(GROUP), "products": await count(PRODUCT), "pricings": await count(PRICING)}
