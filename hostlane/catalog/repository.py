"""All SQL of the catalogue. Every read starts from a ``readable_*(principal)`` statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import ListQuery, ListSpec, Match, Page, fetch_grouped, fetch_page
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


def _mode(table: sa.Table, principal: Principal) -> sa.ColumnElement[bool]:
    return table.c.livemode.is_(principal.livemode)


def readable_groups(principal: Principal) -> sa.Select[Any]:
    return sa.select(*GROUPS.c).where(_mode(GROUPS, principal))


def readable_products(principal: Principal) -> sa.Select[Any]:
    return sa.select(*PRODUCTS.c).where(_mode(PRODUCTS, principal))


def readable_pricings(principal: Principal) -> sa.Select[Any]:
    return sa.select(*PRICINGS.c).where(_mode(PRICINGS, principal))


async def list_groups(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, readable_groups(principal), GROUPS.c, GROUP_SPEC, query)


async def list_products(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, readable_products(principal), PRODUCTS.c, PRODUCT_SPEC, query)


async def list_pricings(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await fetch_page(session, readable_pricings(principal), PRICING_COLUMNS, PRICING_SPEC, query)


async def _one(session: AsyncSession, statement: sa.Select[Any]) -> dict[str, Any] | None:
    row = (await session.execute(statement)).mappings().first()
    return dict(row) if row is not None else None


async def get_group(session: AsyncSession, principal: Principal, group_id: int) -> dict[str, Any] | None:
    return await _one(session, readable_groups(principal).where(GROUPS.c.id == group_id))


async def get_product(session: AsyncSession, principal: Principal, product_id: int) -> dict[str, Any] | None:
    return await _one(session, readable_products(principal).where(PRODUCTS.c.id == product_id))


async def get_pricing(session: AsyncSession, principal: Principal, pricing_id: int) -> dict[str, Any] | None:
    return await _one(session, readable_pricings(principal).where(PRICINGS.c.id == pricing_id))


async def lock_group(session: AsyncSession, principal: Principal, group_id: int) -> ProductGroup | None:
    return await session.scalar(
        sa.select(ProductGroup)
        .where(ProductGroup.id == group_id, ProductGroup.livemode.is_(principal.livemode))
        .with_for_update()
    )


async def lock_product(session: AsyncSession, principal: Principal, product_id: int) -> Product | None:
    return await session.scalar(
        sa.select(Product).where(Product.id == product_id, Product.livemode.is_(principal.livemode)).with_for_update()
    )


async def lock_pricing(session: AsyncSession, principal: Principal, pricing_id: int) -> Pricing | None:
    return await session.scalar(
        sa.select(Pricing).where(Pricing.id == pricing_id, Pricing.livemode.is_(principal.livemode)).with_for_update()
    )


async def slug_taken(session: AsyncSession, livemode: bool, slug: str, *, except_id: int | None = None) -> bool:
    statement = sa.select(sa.literal(1)).where(GROUPS.c.livemode.is_(livemode), GROUPS.c.slug == slug)
    if except_id is not None:
        statement = statement.where(GROUPS.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def pricing_exists(
    session: AsyncSession, product_id: int, currency: str, *, except_id: int | None = None
) -> bool:
    statement = sa.select(sa.literal(1)).where(PRICINGS.c.product_id == product_id, PRICINGS.c.currency == currency)
    if except_id is not None:
        statement = statement.where(PRICINGS.c.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def group_has_products(session: AsyncSession, group_id: int) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(PRODUCTS.c.group_id == group_id).limit(1)) is not None


async def pricings_for_products(
    session: AsyncSession, principal: Principal, product_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    statement = readable_pricings(principal).where(PRICINGS.c.product_id.in_(product_ids)).order_by(PRICINGS.c.id)
    return await fetch_grouped(session, statement, "product_id") if product_ids else {}


async def groups_by_id(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await session.execute(readable_groups(principal).where(GROUPS.c.id.in_(set(ids))))
    return {row["id"]: dict(row) for row in rows.mappings()}


async def products_by_id(session: AsyncSession, principal: Principal, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await session.execute(readable_products(principal).where(PRODUCTS.c.id.in_(set(ids))))
    return {row["id"]: dict(row) for row in rows.mappings()}


async def products_of_groups(
    session: AsyncSession, principal: Principal, group_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    statement = (
        readable_products(principal)
        .where(PRODUCTS.c.group_id.in_(group_ids))
        .order_by(PRODUCTS.c.sort_order, PRODUCTS.c.id)
    )
    return await fetch_grouped(session, statement, "group_id") if group_ids else {}


async def children_of_groups(
    session: AsyncSession, principal: Principal, group_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    statement = (
        readable_groups(principal).where(GROUPS.c.parent_id.in_(group_ids)).order_by(GROUPS.c.sort_order, GROUPS.c.id)
    )
    return await fetch_grouped(session, statement, "parent_id") if group_ids else {}


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    async def count(table: sa.Table) -> int:
        return int(
            await session.scalar(sa.select(sa.func.count()).select_from(table).where(_mode(table, principal))) or 0
        )

    return {
        "groups": await count(GROUPS),
        "products": await count(PRODUCTS),
        "pricings": await count(PRICINGS),
    }


async def delete(session: AsyncSession, table: sa.Table, row_id: int) -> None:
    await session.execute(sa.delete(table).where(table.c.id == row_id))
