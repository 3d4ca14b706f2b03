"""Rules of the catalogue: groups, products with their module settings, and prices per currency."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import repository as repo
from hostlane.catalog.errors import (
    GroupHasProducts,
    GroupNotFound,
    PricingExists,
    PricingNotFound,
    ProductInUse,
    ProductNotFound,
    UnknownModule,
)
from hostlane.catalog.schemas import (
    PRICE_FIELDS,
    SETUP_FIELDS,
    GroupCreate,
    GroupUpdate,
    PricingCreate,
    PricingUpdate,
    ProductCreate,
    ProductUpdate,
)
from hostlane.core import clock, money
from hostlane.core.errors import Taken, ValidationFailed
from hostlane.core.money import require_offered_currency
from hostlane.core.pagination import ListQuery, Page
from hostlane.drivers import provisioning
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import Pricing, Product, ProductGroup
from hostlane.services import service as services

GROUP_SPEC, PRODUCT_SPEC, PRICING_SPEC = repo.GROUP_SPEC, repo.PRODUCT_SPEC, repo.PRICING_SPEC


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "group"


# Groups


async def _with_group_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    ids = [row["id"] for row in rows]
    if "products" in includes:
        products = await repo.products_of_groups(session, principal, ids)
        for row in rows:
            row["products"] = products.get(row["id"], [])
    if "groups" in includes:
        children = await repo.children_of_groups(session, principal, ids)
        for row in rows:
            row["groups"] = children.get(row["id"], [])


async def list_groups(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    page = await repo.list_groups(session, principal, query)
    await _with_group_includes(session, principal, page.items, query.includes)
    return page


async def get_group(
    session: AsyncSession, principal: Principal, group_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    row = await repo.get_group(session, principal, group_id)
    if row is None:
        raise GroupNotFound()
    await _with_group_includes(session, principal, [row], includes)
    return row


async def _check_parent(
    session: AsyncSession, principal: Principal, parent_id: int | None, group_id: int | None = None
) -> None:
    if parent_id is None:
        return
    if parent_id == group_id:
        raise ValidationFailed.field("parent_id", "A group cannot be its own parent.")
    seen: set[int] = set()
    current: int | None = parent_id
    while current is not None:
        parent = await repo.get_group(session, principal, current)
        if parent is None:
            raise ValidationFailed.field("parent_id", "The selected parent_id is invalid.")
        if current in seen or (group_id is not None and parent["parent_id"] == group_id):
            raise ValidationFailed.field("parent_id", "The parent would make a cycle of groups.")
        seen.add(current)
        current = parent["parent_id"]


async def create_group(session: AsyncSession, principal: Principal, data: GroupCreate) -> dict[str, Any]:
    slug = data.slug or slugify(data.name)
    if await repo.slug_taken(session, principal.livemode, slug):
        raise Taken("slug")
    await _check_parent(session, principal, data.parent_id)
    group = ProductGroup(livemode=principal.livemode, slug=slug, **data.model_dump(exclude={"slug"}))
    session.add(group)
    await session.flush()
    audit.record(session, principal, "group.create", "group", group.id, data.model_dump())
    return await get_group(session, principal, group.id)


async def update_group(session: AsyncSession, principal: Principal, group_id: int, data: GroupUpdate) -> dict[str, Any]:
    group = await repo.lock_group(session, principal, group_id)
    if group is None:
        raise GroupNotFound()
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "name", "slug", "description", "status", "sort_order", "pinned")
    if "slug" in changes and await repo.slug_taken(session, principal.livemode, changes["slug"], except_id=group.id):
        raise Taken("slug")
    if "parent_id" in changes:
        await _check_parent(session, principal, changes["parent_id"], group.id)
    for name, value in changes.items():
        setattr(group, name, value)
    group.updated_at = clock.now()
    await session.flush()
    audit.record(session, principal, "group.update", "group", group.id, changes)
    return await get_group(session, principal, group.id)


async def delete_group(session: AsyncSession, principal: Principal, group_id: int) -> dict[str, Any]:
    group = await repo.lock_group(session, principal, group_id)
    if group is None:
        raise GroupNotFound()
    if await repo.group_has_products(session, group.id):
        raise GroupHasProducts()
    row = await get_group(session, principal, group.id)
    audit.record(session, principal, "group.delete", "group", group.id, {"slug": group.slug})
    await repo.delete(session, repo.GROUPS, group.id)
    return row


# Products


def _module_config(module_name: str, config: dict[str, Any]) -> dict[str, Any]:
    module = provisioning.get(module_name)
    if module is None:
        raise UnknownModule(module_name, sorted(provisioning.modules()))
    try:
        return module.config_schema.model_validate(config).model_dump(mode="json")
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            name = ".".join(["config", *(str(part) for part in error["loc"])])
            fields.setdefault(name, []).append(f"The {name} field is invalid: {error['msg']}.")
        raise ValidationFailed(next(iter(fields.values()))[0], fields=fields) from None


async def _with_product_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    if "pricing" in includes:
        prices = await repo.pricings_for_products(session, principal, [row["id"] for row in rows])
        for row in rows:
            row["pricing"] = prices.get(row["id"], [])
    if "group" in includes:
        groups = await repo.groups_by_id(session, principal, [row["group_id"] for row in rows])
        for row in rows:
            row["group"] = groups.get(row["group_id"])


async def list_products(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    page = await repo.list_products(session, principal, query)
    await _with_product_includes(session, principal, page.items, query.includes)
    return page


async def get_product(
    session: AsyncSession, principal: Principal, product_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    row = await repo.get_product(session, principal, product_id)
    if row is None:
        raise ProductNotFound()
    await _with_product_includes(session, principal, [row], includes)
    return row


async def _check_group(session: AsyncSession, principal: Principal, group_id: int) -> None:
    if await repo.get_group(session, principal, group_id) is None:
        raise ValidationFailed.field("group_id", "The selected group_id is invalid.")


async def create_product(session: AsyncSession, principal: Principal, data: ProductCreate) -> dict[str, Any]:
    await _check_group(session, principal, data.group_id)
    config = _module_config(data.type, data.config)
    product = Product(livemode=principal.livemode, **data.model_dump(exclude={"config"}), config=config)
    session.add(product)
    await session.flush()
    audit.record(session, principal, "product.create", "product", product.id, data.model_dump())
    return await get_product(session, principal, product.id)


async def update_product(
    session: AsyncSession, principal: Principal, product_id: int, data: ProductUpdate
) -> dict[str, Any]:
    product = await repo.lock_product(session, principal, product_id)
    if product is None:
        raise ProductNotFound()
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(
        changes, "name", "group_id", "description", "status", "stock", "pinned", "sort_order", "type"
    )
    if "group_id" in changes:
        await _check_group(session, principal, changes["group_id"])
    if "type" in changes and changes["type"] != product.type:
        # A new module starts from its own defaults: the old module's settings mean nothing to it.
        product.config = _module_config(changes["type"], {})
    for name, value in changes.items():
        setattr(product, name, value)
    product.updated_at = clock.now()
    await session.flush()
    audit.record(session, principal, "product.update", "product", product.id, changes)
    return await get_product(session, principal, product.id)


async def product_config(session: AsyncSession, principal: Principal, product_id: int) -> dict[str, Any]:
    product = await get_product(session, principal, product_id)
    module = provisioning.get(product["type"])
    return {
        "type": product["type"],
        "module": module.description if module else None,
        "config": product["config"] or {},
    }


async def update_product_config(
    session: AsyncSession, principal: Principal, product_id: int, config: dict[str, Any]
) -> dict[str, Any]:
    product = await repo.lock_product(session, principal, product_id)
    if product is None:
        raise ProductNotFound()
    product.config = _module_config(product.type, config)
    product.updated_at = clock.now()
    await session.flush()
    audit.record(session, principal, "product.config", "product", product.id, {"config": product.config})
    return await product_config(session, principal, product.id)


async def delete_product(session: AsyncSession, principal: Principal, product_id: int) -> dict[str, Any]:
    product = await repo.lock_product(session, principal, product_id)
    if product is None:
        raise ProductNotFound()
    if await services.product_has_services(session, product.id):
        raise ProductInUse()
    row = await get_product(session, principal, product.id)
    audit.record(session, principal, "product.delete", "product", product.id, {"name": product.name})
    await repo.delete(session, repo.PRODUCTS, product.id)
    return row


# Pricings


def _minor_prices(values: dict[str, Any], currency: str) -> dict[str, int | None]:
    return {
        name: None if values[name] is None else money.to_minor(values[name], currency)
        for name in (*PRICE_FIELDS, *SETUP_FIELDS)
        if name in values
    }


async def _with_pricing_includes(
    session: AsyncSession, principal: Principal, rows: list[dict[str, Any]], includes: frozenset[str]
) -> None:
    if "product" in includes:
        products = await repo.products_by_id(session, principal, [row["product_id"] for row in rows])
        for row in rows:
            row["product"] = products.get(row["product_id"])


async def list_pricings(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    page = await repo.list_pricings(session, principal, query)
    await _with_pricing_includes(session, principal, page.items, query.includes)
    return page


async def get_pricing(
    session: AsyncSession, principal: Principal, pricing_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    row = await repo.get_pricing(session, principal, pricing_id)
    if row is None:
        raise PricingNotFound()
    await _with_pricing_includes(session, principal, [row], includes)
    return row


async def pricings_of(
    session: AsyncSession, principal: Principal, product_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    return await repo.pricings_for_products(session, principal, product_ids)


async def create_pricing(session: AsyncSession, principal: Principal, data: PricingCreate) -> dict[str, Any]:
    if data.product_id is None:
        raise ValidationFailed.field("product_id", "The product_id field is required.")
    if await repo.get_product(session, principal, data.product_id) is None:
        raise ValidationFailed.field("product_id", "The selected product_id is invalid.")
    require_offered_currency(data.currency)
    if await repo.pricing_exists(session, data.product_id, data.currency):
        raise PricingExists(data.currency)
    prices = _minor_prices(data.model_dump(), data.currency)
    pricing = Pricing(livemode=principal.livemode, product_id=data.product_id, currency=data.currency, **prices)
    session.add(pricing)
    await session.flush()
    audit.record(
        session,
        principal,
        "pricing.create",
        "pricing",
        pricing.id,
        {"product_id": data.product_id, "currency": data.currency, **prices},
    )
    return await get_pricing(session, principal, pricing.id)


async def update_pricing(
    session: AsyncSession, principal: Principal, pricing_id: int, data: PricingUpdate
) -> dict[str, Any]:
    pricing = await repo.lock_pricing(session, principal, pricing_id)
    if pricing is None:
        raise PricingNotFound()
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "currency")
    currency = changes.get("currency") or pricing.currency
    if currency != pricing.currency:
        require_offered_currency(currency)
        if await repo.pricing_exists(session, pricing.product_id, currency, except_id=pricing.id):
            raise PricingExists(currency)
        # Amounts not sent keep their value in major units (9.99 EUR becomes 10 JPY, not 999 JPY).
        for name in (*PRICE_FIELDS, *SETUP_FIELDS):
            stored = getattr(pricing, name)
            if name not in changes and stored is not None:
                setattr(pricing, name, money.to_minor(money.to_decimal(stored, pricing.currency), currency))
        pricing.currency = currency
    prices = _minor_prices(changes, currency)
    for name, value in prices.items():
        setattr(pricing, name, value)
    pricing.updated_at = clock.now()
    await session.flush()
    audit.record(session, principal, "pricing.update", "pricing", pricing.id, {"currency": currency, **prices})
    return await get_pricing(session, principal, pricing.id)


async def delete_pricing(session: AsyncSession, principal: Principal, pricing_id: int) -> dict[str, Any]:
    pricing = await repo.lock_pricing(session, principal, pricing_id)
    if pricing is None:
        raise PricingNotFound()
    row = await get_pricing(session, principal, pricing.id)
    audit.record(session, principal, "pricing.delete", "pricing", pricing.id, {"currency": pricing.currency})
    await repo.delete(session, repo.PRICINGS, pricing.id)
    return row


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    return await repo.counts(session, principal)


async def products_by_id(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    return await repo.products_by_id(session, principal, ids)


async def groups_by_id(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    return await repo.groups_by_id(session, principal, ids)


async def take_stock(session: AsyncSession, principal: Principal, product_id: int, qty: int, *, field: str) -> None:
    """Take ``qty`` units of a product's stock (unlimited stock is -1); 422 naming ``field`` if too few."""
    product = await repo.lock_product(session, principal, product_id)
    if product is None:
        raise ProductNotFound()
    if product.stock == -1:
        return
    if product.stock < qty:
        raise ValidationFailed.field(field, f"Only {product.stock} unit(s) of {product.name} are left.")
    product.stock -= qty
