"""Rules of the catalogue: groups, products with their module settings, and prices per currency."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import repository as repo
from hostlane.catalog.errors import (
    GroupHasProducts,
    PricingExists,
    ProductInUse,
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
from hostlane.core.repository import apply_changes, changes_of
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


async def list_groups(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.GROUP.page(session, principal, query)


async def get_group(
    session: AsyncSession, principal: Principal, group_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    return await repo.GROUP.one(session, principal, group_id, includes=includes)


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
        parent = await repo.GROUP.get(session, principal, current)
        if parent is None:
            raise ValidationFailed.field("parent_id", "The selected parent_id is invalid.")
        if current in seen or (group_id is not None and parent["parent_id"] == group_id):
            raise ValidationFailed.field("parent_id", "The parent would make a cycle of groups.")
        seen.add(current)
        current = parent["parent_id"]


async def create_group(session: AsyncSession, principal: Principal, data: GroupCreate) -> dict[str, Any]:
    slug = data.slug or slugify(data.name)
    if await repo.GROUP.taken(session, principal.livemode, "slug", slug):
        raise Taken("slug")
    await _check_parent(session, principal, data.parent_id)
    group = ProductGroup(livemode=principal.livemode, slug=slug, **data.model_dump(exclude={"slug"}))
    await audit.created(session, principal, group, "group", data.model_dump())
    return await get_group(session, principal, group.id)


async def update_group(session: AsyncSession, principal: Principal, group_id: int, data: GroupUpdate) -> dict[str, Any]:
    group = await repo.GROUP.locked(session, principal, group_id)
    changes = changes_of(data, "name", "slug", "description", "status", "sort_order", "pinned")
    if "slug" in changes and await repo.GROUP.taken(
        session, principal.livemode, "slug", changes["slug"], except_id=group.id
    ):
        raise Taken("slug")
    if "parent_id" in changes:
        await _check_parent(session, principal, changes["parent_id"], group.id)
    await apply_changes(session, group, changes)
    audit.record(session, principal, "group.update", "group", group.id, changes)
    return await get_group(session, principal, group.id)


async def delete_group(session: AsyncSession, principal: Principal, group_id: int) -> dict[str, Any]:
    group = await repo.GROUP.locked(session, principal, group_id)
    if await repo.group_has_products(session, group.id):
        raise GroupHasProducts()
    audit.record(session, principal, "group.delete", "group", group.id, {"slug": group.slug})
    return await repo.GROUP.remove(session, principal, group.id)


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


async def list_products(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.PRODUCT.page(session, principal, query)


async def get_product(
    session: AsyncSession, principal: Principal, product_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    return await repo.PRODUCT.one(session, principal, product_id, includes=includes)


async def _check_group(session: AsyncSession, principal: Principal, group_id: int) -> None:
    if await repo.GROUP.get(session, principal, group_id) is None:
        raise ValidationFailed.field("group_id", "The selected group_id is invalid.")


async def create_product(session: AsyncSession, principal: Principal, data: ProductCreate) -> dict[str, Any]:
    await _check_group(session, principal, data.group_id)
    config = _module_config(data.type, data.config)
    product = Product(livemode=principal.livemode, **data.model_dump(exclude={"config"}), config=config)
    await audit.created(session, principal, product, "product", data.model_dump())
    return await get_product(session, principal, product.id)


async def update_product(
    session: AsyncSession, principal: Principal, product_id: int, data: ProductUpdate
) -> dict[str, Any]:
    product = await repo.PRODUCT.locked(session, principal, product_id)
    changes = changes_of(data, "name", "group_id", "description", "status", "stock", "pinned", "sort_order", "type")
    if "group_id" in changes:
        await _check_group(session, principal, changes["group_id"])
    if "type" in changes and changes["type"] != product.type:
        # A new module starts from its own defaults: the old module's settings mean nothing to it.
        product.config = _module_config(changes["type"], {})
    await apply_changes(session, product, changes)
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
    product = await repo.PRODUCT.locked(session, principal, product_id)
    product.config = _module_config(product.type, config)
    product.updated_at = clock.now()
    await session.flush()
    audit.record(session, principal, "product.config", "product", product.id, {"config": product.config})
    return await product_config(session, principal, product.id)


async def delete_product(session: AsyncSession, principal: Principal, product_id: int) -> dict[str, Any]:
    product = await repo.PRODUCT.locked(session, principal, product_id)
    if await services.product_has_services(session, product.id):
        raise ProductInUse()
    audit.record(session, principal, "product.delete", "product", product.id, {"name": product.name})
    return await repo.PRODUCT.remove(session, principal, product.id)


# Pricings


def _minor_prices(values: dict[str, Any], currency: str) -> dict[str, int | None]:
    return {
        name: None if values[name] is None else money.to_minor(values[name], currency)
        for name in (*PRICE_FIELDS, *SETUP_FIELDS)
        if name in values
    }


async def list_pricings(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.PRICING.page(session, principal, query)


async def get_pricing(
    session: AsyncSession, principal: Principal, pricing_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    return await repo.PRICING.one(session, principal, pricing_id, includes=includes)


async def create_pricing(session: AsyncSession, principal: Principal, data: PricingCreate) -> dict[str, Any]:
    if data.product_id is None:
        raise ValidationFailed.field("product_id", "The product_id field is required.")
    if await repo.PRODUCT.get(session, principal, data.product_id) is None:
        raise ValidationFailed.field("product_id", "The selected product_id is invalid.")
    require_offered_currency(data.currency)
    if await repo.pricing_exists(session, data.product_id, data.currency):
        raise PricingExists(data.currency)
    prices = _minor_prices(data.model_dump(), data.currency)
    pricing = Pricing(livemode=principal.livemode, product_id=data.product_id, currency=data.currency, **prices)
    await audit.created(
        session, principal, pricing, "pricing", {"product_id": data.product_id, "currency": data.currency, **prices}
    )
    return await get_pricing(session, principal, pricing.id)


async def update_pricing(
    session: AsyncSession, principal: Principal, pricing_id: int, data: PricingUpdate
) -> dict[str, Any]:
    pricing = await repo.PRICING.locked(session, principal, pricing_id)
    changes = changes_of(data, "currency")
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
    await apply_changes(session, pricing, prices)
    audit.record(session, principal, "pricing.update", "pricing", pricing.id, {"currency": currency, **prices})
    return await get_pricing(session, principal, pricing.id)


async def delete_pricing(session: AsyncSession, principal: Principal, pricing_id: int) -> dict[str, Any]:
    pricing = await repo.PRICING.locked(session, principal, pricing_id)
    audit.record(session, principal, "pricing.delete", "pricing", pricing.id, {"currency": pricing.currency})
    return await repo.PRICING.remove(session, principal, pricing.id)


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    return await repo.counts(session, principal)


async def products_by_id(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    return await repo.PRODUCT.by_id(session, principal, ids)


async def groups_by_id(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    return await repo.GROUP.by_id(session, principal, ids)


async def take_stock(session: AsyncSession, principal: Principal, product_id: int, qty: int, *, field: str) -> None:
    """Take ``qty`` units of a product's stock (unlimited stock is -1); 422 naming ``field`` if too few."""
    product = await repo.PRODUCT.locked(session, principal, product_id)
    if product.stock == -1:
        return
    if product.stock < qty:
        raise ValidationFailed.field(field, f"Only {product.stock} unit(s) of {product.name} are left.")
    product.stock -= qty
