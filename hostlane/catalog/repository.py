"""All SQL of the catalogue. Every read starts from ``GROUP``, ``PRODUCT`` or ``PRICING`` (scoped by mode)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog.errors import GroupNotFound, PricingNotFound, ProductNotFound
from hostlane.core import clock
from hostlane.core.pagination import ListSpec, Match
from hostlane.core.repository import Caller, Include, Row, Scoped, attach, children
from hostlane.identity.principal import Principal
from hostlane.models import CatalogMetadata, CatalogStatus, Pricing, Product, ProductGroup

GROUPS = cast(sa.Table, ProductGroup.__table__)
PRODUCTS = cast(sa.Table, Product.__table__)
PRICINGS = cast(sa.Table, Pricing.__table__)
METADATA = cast(sa.Table, CatalogMetadata.__table__)

PRICE_COLUMNS = tuple(
    name
    for cycle in ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")
    for name in (cycle, f"setup_{cycle}")
)

# The lists accept what CLIENTXCMS's accept (its text filters match a part; a time its day, month or year), and
# what Hostlane always did beside (ids, parents, pins, stock).
GROUP_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "name": Match.PARTIAL,
        "slug": Match.PARTIAL,
        "status": Match.EXACT,
        "description": Match.PARTIAL,
        "sort_order": Match.INTEGER,
        "parent_id": Match.INTEGER,
        "pinned": Match.BOOLEAN,
        "created_at": Match.TIME,
        "updated_at": Match.TIME,
    },
    sorts=frozenset({"id", "name", "slug", "status", "description", "sort_order", "created_at", "updated_at"}),
    includes=frozenset({"products", "groups", "metadata"}),
)
PRODUCT_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "name": Match.PARTIAL,
        "status": Match.EXACT,
        "description": Match.PARTIAL,
        "sort_order": Match.INTEGER,
        "group_id": Match.INTEGER,
        "type": Match.EXACT,
        "pinned": Match.BOOLEAN,
        "stock": Match.INTEGER,
        "created_at": Match.TIME,
        "updated_at": Match.TIME,
    },
    sorts=frozenset(
        {"id", "name", "status", "description", "sort_order", "group_id", "stock", "type", "pinned"}
        | {"created_at", "updated_at"}
    ),
    includes=frozenset({"group", "pricing", "metadata"}),
)
PRICING_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "product_id": Match.INTEGER,
        "related_id": Match.INTEGER,
        "related_type": Match.EXACT,
        "currency": Match.EXACT,
        **dict.fromkeys(PRICE_COLUMNS, Match.AMOUNT),
    },
    sorts=frozenset({"id", "product_id", "related_id", "related_type", "currency", *PRICE_COLUMNS}),
    includes=frozenset({"product"}),
)
# A pricing's product is its ``related_id``; every pricing relates to a product (``related_type``).
PRICING_COLUMNS = {
    **{c.name: c for c in PRICINGS.c},
    "related_id": PRICINGS.c.product_id,
    # An expression, not a bare constant: PostgreSQL refuses to ORDER BY a constant.
    "related_type": sa.cast(sa.literal_column("'product'"), sa.String(16)),
}


# The catalogue has no tenant: every caller of a mode sees all of it.
GROUP = Scoped(ProductGroup, tenant=None, spec=GROUP_SPEC, missing=GroupNotFound)
PRODUCT = Scoped(Product, tenant=None, spec=PRODUCT_SPEC, missing=ProductNotFound)
PRICING = Scoped(Pricing, tenant=None, spec=PRICING_SPEC, list_columns=PRICING_COLUMNS, missing=PricingNotFound)

# Metadata: owner -> its column in ``catalog_metadata``.
OWNERS = {"product": "product_id", "group": "group_id"}
METADATA_OF = {owner: Include(children(METADATA, column)) for owner, column in OWNERS.items()}


async def groups_by_id(session: AsyncSession, caller: Caller, ids: Collection[int]) -> dict[int, Row]:
    """Groups by id, each with its metadata (two queries)."""
    found = await GROUP.by_id(session, caller, ids)
    await attach(session, caller, list(found.values()), {"metadata": METADATA_OF["group"]}, {"metadata"})
    return found


async def products_by_id(session: AsyncSession, caller: Caller, ids: Collection[int]) -> dict[int, Row]:
    """Products by id, each with its metadata (two queries)."""
    found = await PRODUCT.by_id(session, caller, ids)
    await attach(session, caller, list(found.values()), {"metadata": METADATA_OF["product"]}, {"metadata"})
    return found


PRODUCT.includes = {
    "pricing": Include(PRICING.grouped("product_id")),
    "group": Include(groups_by_id, on="group_id", one=True),
    "metadata": METADATA_OF["product"],
}
PRICING.includes = {"product": Include(products_by_id, on="product_id", one=True)}
GROUP.includes = {"metadata": METADATA_OF["group"]}

_SUBGROUPS = GROUP.grouped("parent_id", "sort_order")
_GROUP_PRODUCTS = PRODUCT.grouped("group_id", "sort_order")
# Deeper than any real catalogue (CLIENTXCMS has groups and subgroups): stops the walk should rows ever loop.
MAX_GROUP_DEPTH = 32


async def attach_group_contents(session: AsyncSession, caller: Caller, rows: list[Row], *, products: bool) -> None:
    """Give each group its subgroups (``groups``, each with theirs, down the tree), its metadata and, with
    ``products``, its products (each with its metadata): a few queries per level of the tree, whatever the
    number of groups."""
    groups: list[Row] = []
    found_products: list[Row] = []
    level = rows
    for _ in range(MAX_GROUP_DEPTH):
        if not level:
            break
        ids = [row["id"] for row in level]
        subgroups = await _SUBGROUPS(session, caller, ids)
        in_groups = await _GROUP_PRODUCTS(session, caller, ids) if products else {}
        for row in level:
            row["groups"] = subgroups.get(row["id"], [])
            if products:
                row["products"] = in_groups.get(row["id"], [])
                found_products.extend(row["products"])
        groups.extend(level)
        level = [child for row in level for child in row["groups"]]
    for row in level:  # past the depth: the walk stops here
        row["groups"] = []
    await attach(session, caller, groups, {"metadata": METADATA_OF["group"]}, {"metadata"})
    await attach(session, caller, found_products, {"metadata": METADATA_OF["product"]}, {"metadata"})


async def change_metadata(session: AsyncSession, owner: str, owner_id: int, changes: Mapping[str, str | None]) -> None:
    """Set each key of ``changes`` on the owner (``product`` or ``group``) to its value; a None removes it."""
    if not changes:
        return
    column = METADATA.c[OWNERS[owner]]
    removed = [key for key, value in changes.items() if value is None]
    if removed:
        await session.execute(sa.delete(METADATA).where(column == owner_id, METADATA.c.key.in_(removed)))
    kept = {key: value for key, value in changes.items() if value is not None}
    if not kept:
        return
    existing = await session.scalars(
        sa.select(CatalogMetadata).where(column == owner_id, METADATA.c.key.in_(list(kept)))
    )
    now = clock.now()
    for entry in existing:
        entry.value, entry.updated_at = kept.pop(entry.key), now
    for key, value in kept.items():
        session.add(CatalogMetadata(**{OWNERS[owner]: owner_id}, key=key, value=value, created_at=now, updated_at=now))
    await session.flush()


async def active_products_marked(session: AsyncSession, caller: Caller, key: str, values: Collection[str]) -> list[Row]:
    """The caller's mode's active products whose metadata ``key`` holds one of ``values``, in their sort order,
    each with its metadata and its pricings (oldest first): three queries."""
    marked = sa.select(METADATA.c.product_id).where(METADATA.c.key == key, METADATA.c.value.in_(list(values)))
    statement = (
        PRODUCT.readable(caller)
        .where(PRODUCTS.c.status == CatalogStatus.ACTIVE, PRODUCTS.c.id.in_(marked))
        .order_by(PRODUCTS.c.sort_order, PRODUCTS.c.id)
    )
    rows = [dict(row) for row in (await session.execute(statement)).mappings()]
    await attach(session, caller, rows, PRODUCT.includes, {"metadata", "pricing"})
    return rows


async def group_has_products(session: AsyncSession, group_id: int) -> bool:
    return await session.scalar(sa.select(sa.literal(1)).where(PRODUCTS.c.group_id == group_id).limit(1)) is not None


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    async def count(scoped: Scoped[Any]) -> int:
        statement = sa.select(sa.func.count()).select_from(scoped.table).where(*scoped.scope(principal))
        return int(await session.scalar(statement) or 0)

    return {"groups": await count(GROUP), "products": await count(PRODUCT), "pricings": await count(PRICING)}
