"""Rules of the catalogue: groups, products with their module settings and images, and prices per currency.

A group reads with its subgroups (down the tree) and metadata, and its products when asked; a product with its
metadata. A product may have several pricings in one currency: an order charges the oldest of them (lowest id)
that offers the ordered cycle (``price_for``).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.catalog import repository as repo
from hostlane.catalog.errors import (
    GroupHasProducts,
    ImageNotFound,
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
from hostlane.core import clock, files, money
from hostlane.core.errors import Taken, ValidationFailed
from hostlane.core.forms import UploadedFile
from hostlane.core.money import require_offered_currency
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import apply_changes, changes_of
from hostlane.drivers import provisioning
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import Pricing, Product, ProductGroup
from hostlane.services import service as services

GROUP_SPEC, PRODUCT_SPEC, PRICING_SPEC = repo.GROUP_SPEC, repo.PRODUCT_SPEC, repo.PRICING_SPEC
# The image formats each accepts (as CLIENTXCMS: groups also WebP).
IMAGE_FOLDERS = ("products", "groups")
PRODUCT_IMAGE_FORMATS = ("jpeg", "png", "gif", "svg")
GROUP_IMAGE_FORMATS = ("jpeg", "png", "gif", "svg", "webp")


METADATA = frozenset({"metadata"})


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "group"


# Groups


def _check_image(image: UploadedFile | None, formats: tuple[str, ...]) -> str | None:
    return files.check_image(image, field="image", formats=formats) if image is not None else None


async def _change_image(
    session: AsyncSession,
    row: ProductGroup | Product,
    folder: str,
    image: UploadedFile | None,
    image_format: str | None,
) -> dict[str, Any]:
    """Store ``image`` as the row's new image (the old file goes once the change commits); the audited change."""
    if image is None or image_format is None:
        return {}
    old, row.image = row.image, files.store(session, folder, row.id, image.data, image_format)
    files.remove_after_commit(session, old)
    return {"image": row.image}


def _drop_image(session: AsyncSession, row: ProductGroup | Product) -> dict[str, Any]:
    """Take the row's image away (its file goes once the change commits); the audited change."""
    if row.image is None:
        return {}
    files.remove_after_commit(session, row.image)
    row.image = None
    return {"image": None}


def image_file(folder: str, name: str) -> tuple[Path, str]:
    """The file of a stored product or group image (``folder`` is ``products`` or ``groups``) and its content
    type; ``ImageNotFound`` for any other name. Images are public, as a storefront shows them."""
    key = f"{folder}/{name}"
    found = files.path(key) if folder in IMAGE_FOLDERS else None
    if found is None or not found.is_file():
        raise ImageNotFound()
    return found, files.content_type(key)


async def list_groups(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    """A page of groups, each with its subgroups and metadata, and its products when the query includes them."""
    page = await repo.GROUP.page(session, principal, dataclasses.replace(query, includes=frozenset()))
    await repo.attach_group_contents(session, principal, page.items, products="products" in query.includes)
    return page


async def get_group(
    session: AsyncSession, principal: Principal, group_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The group with its subgroups and metadata, and its products when ``includes`` names them."""
    row = await repo.GROUP.one(session, principal, group_id)
    await repo.attach_group_contents(session, principal, [row], products="products" in includes)
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
        parent = await repo.GROUP.get(session, principal, current)
        if parent is None:
            raise ValidationFailed.field("parent_id", "The selected parent_id is invalid.")
        if current in seen or (group_id is not None and parent["parent_id"] == group_id):
            raise ValidationFailed.field("parent_id", "The parent would make a cycle of groups.")
        seen.add(current)
        current = parent["parent_id"]


async def create_group(
    session: AsyncSession,
    principal: Principal,
    data: GroupCreate,
    *,
    image: UploadedFile | None = None,
    includes: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A new group, with ``image`` (JPEG, PNG, GIF, SVG or WebP) when given."""
    slug = data.slug or slugify(data.name)
    if await repo.GROUP.taken(session, principal.livemode, "slug", slug):
        raise Taken("slug")
    await _check_parent(session, principal, data.parent_id)
    image_format = _check_image(image, GROUP_IMAGE_FORMATS)
    group = ProductGroup(livemode=principal.livemode, slug=slug, **data.model_dump(exclude={"slug", "metadata"}))
    await audit.created(session, principal, group, "group", data.model_dump())
    if await _change_image(session, group, "groups", image, image_format):
        await session.flush()
    await repo.change_metadata(session, "group", group.id, data.metadata)
    return await get_group(session, principal, group.id, includes=includes)


async def update_group(
    session: AsyncSession,
    principal: Principal,
    group_id: int,
    data: GroupUpdate,
    *,
    image: UploadedFile | None = None,
    remove_image: bool = False,
    includes: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Change the fields sent; a new ``image`` replaces the old one, ``remove_image`` (without an image) drops it;
    ``metadata`` sets its keys (a null removes one)."""
    group = await repo.GROUP.locked(session, principal, group_id)
    changes = changes_of(data, "name", "slug", "description", "status", "sort_order", "pinned")
    metadata = changes.pop("metadata", None) or {}
    if "slug" in changes and await repo.GROUP.taken(
        session, principal.livemode, "slug", changes["slug"], except_id=group.id
    ):
        raise Taken("slug")
    if "parent_id" in changes:
        await _check_parent(session, principal, changes["parent_id"], group.id)
    image_format = _check_image(image, GROUP_IMAGE_FORMATS)
    await apply_changes(session, group, changes)
    if image is not None:
        changes |= await _change_image(session, group, "groups", image, image_format)
    elif remove_image:
        changes |= _drop_image(session, group)
    await session.flush()
    await repo.change_metadata(session, "group", group.id, metadata)
    audit.record(session, principal, "group.update", "group", group.id, changes | _metadata_audit(metadata))
    return await get_group(session, principal, group.id, includes=includes)


def _metadata_audit(metadata: Mapping[str, str | None]) -> dict[str, Any]:
    return {"metadata": dict(metadata)} if metadata else {}


async def delete_group(
    session: AsyncSession, principal: Principal, group_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Delete a group without products (its subgroups move to the top); answers it as it was."""
    group = await repo.GROUP.locked(session, principal, group_id)
    if await repo.group_has_products(session, group.id):
        raise GroupHasProducts()
    row = await get_group(session, principal, group.id, includes=includes)
    audit.record(session, principal, "group.delete", "group", group.id, {"slug": group.slug})
    files.remove_after_commit(session, group.image)
    await repo.GROUP.delete(session, group.id)
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


async def list_products(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    """A page of products, each with its metadata and what the query includes."""
    return await repo.PRODUCT.page(session, principal, dataclasses.replace(query, includes=query.includes | METADATA))


async def get_product(
    session: AsyncSession, principal: Principal, product_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The product with its metadata and ``includes``."""
    return await repo.PRODUCT.one(session, principal, product_id, includes=includes | METADATA)


async def _check_group(session: AsyncSession, principal: Principal, group_id: int) -> None:
    if await repo.GROUP.get(session, principal, group_id) is None:
        raise ValidationFailed.field("group_id", "The selected group_id is invalid.")


async def create_product(
    session: AsyncSession,
    principal: Principal,
    data: ProductCreate,
    *,
    image: UploadedFile | None = None,
    includes: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A new product, with ``image`` (JPEG, PNG, GIF or SVG) when given."""
    await _check_group(session, principal, data.group_id)
    config = _module_config(data.type, data.config)
    image_format = _check_image(image, PRODUCT_IMAGE_FORMATS)
    product = Product(livemode=principal.livemode, **data.model_dump(exclude={"config", "metadata"}), config=config)
    await audit.created(session, principal, product, "product", data.model_dump())
    if await _change_image(session, product, "products", image, image_format):
        await session.flush()
    await repo.change_metadata(session, "product", product.id, data.metadata)
    return await get_product(session, principal, product.id, includes=includes)


async def update_product(
    session: AsyncSession,
    principal: Principal,
    product_id: int,
    data: ProductUpdate,
    *,
    image: UploadedFile | None = None,
    remove_image: bool = False,
    includes: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Change the fields sent; a new ``image`` replaces the old one, ``remove_image`` (without an image) drops it;
    ``metadata`` sets its keys (a null removes one)."""
    product = await repo.PRODUCT.locked(session, principal, product_id)
    changes = changes_of(data, "name", "group_id", "description", "status", "stock", "pinned", "sort_order", "type")
    metadata = changes.pop("metadata", None) or {}
    if "group_id" in changes:
        await _check_group(session, principal, changes["group_id"])
    if "type" in changes and changes["type"] != product.type:
        # A new module starts from its own defaults: the old module's settings mean nothing to it.
        product.config = _module_config(changes["type"], {})
    image_format = _check_image(image, PRODUCT_IMAGE_FORMATS)
    await apply_changes(session, product, changes)
    if image is not None:
        changes |= await _change_image(session, product, "products", image, image_format)
    elif remove_image:
        changes |= _drop_image(session, product)
    await session.flush()
    await repo.change_metadata(session, "product", product.id, metadata)
    audit.record(session, principal, "product.update", "product", product.id, changes | _metadata_audit(metadata))
    return await get_product(session, principal, product.id, includes=includes)


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


async def delete_product(
    session: AsyncSession, principal: Principal, product_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Delete a product without services, its pricings, metadata and image; answers it as it was."""
    product = await repo.PRODUCT.locked(session, principal, product_id)
    if await services.product_has_services(session, product.id):
        raise ProductInUse()
    row = await get_product(session, principal, product.id, includes=includes)
    audit.record(session, principal, "product.delete", "product", product.id, {"name": product.name})
    files.remove_after_commit(session, product.image)
    await repo.PRODUCT.delete(session, product.id)
    return row


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


async def _check_product(session: AsyncSession, principal: Principal, product_id: int) -> None:
    if await repo.PRODUCT.get(session, principal, product_id) is None:
        raise ValidationFailed.field("product_id", "The selected product_id is invalid.")


async def create_pricing(session: AsyncSession, principal: Principal, data: PricingCreate) -> dict[str, Any]:
    """A new pricing of a product in one currency (a product may have several in one currency)."""
    if data.product_id is None:
        raise ValidationFailed.field("product_id", "The product_id field is required.")
    await _check_product(session, principal, data.product_id)
    require_offered_currency(data.currency)
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
    changes = changes_of(data, "currency", "product_id")
    if "product_id" in changes and changes["product_id"] != pricing.product_id:
        await _check_product(session, principal, changes["product_id"])
        pricing.product_id = changes["product_id"]
    currency = changes.get("currency") or pricing.currency
    if currency != pricing.currency:
        require_offered_currency(currency)
        # Amounts not sent keep their value in major units (9.99 EUR becomes 10 JPY, not 999 JPY).
        for name in (*PRICE_FIELDS, *SETUP_FIELDS):
            stored = getattr(pricing, name)
            if name not in changes and stored is not None:
                setattr(pricing, name, money.to_minor(money.to_decimal(stored, pricing.currency), currency))
        pricing.currency = currency
    prices = _minor_prices(changes, currency)
    await apply_changes(session, pricing, prices)
    moved = {"product_id": pricing.product_id} if "product_id" in changes else {}
    audit.record(session, principal, "pricing.update", "pricing", pricing.id, {"currency": currency, **moved, **prices})
    return await get_pricing(session, principal, pricing.id)


async def delete_pricing(session: AsyncSession, principal: Principal, pricing_id: int) -> dict[str, Any]:
    pricing = await repo.PRICING.locked(session, principal, pricing_id)
    audit.record(session, principal, "pricing.delete", "pricing", pricing.id, {"currency": pricing.currency})
    return await repo.PRICING.remove(session, principal, pricing.id)


def price_for(pricings: Sequence[Mapping[str, Any]], currency: str, cycle: str) -> Mapping[str, Any] | None:
    """The pricing an order charges for ``cycle`` in ``currency``, among a product's ``pricings`` (its
    ``pricing`` include, oldest first): the oldest in the currency that offers the cycle, else None."""
    return next((p for p in pricings if p["currency"] == currency and p[cycle] is not None), None)


# The partner programme's price list (``partners``): an active product is offered to partners when its metadata
# ``partner_catalogue`` says what it is to them: a CMS instance ``plan`` (billed monthly per display), an ``addon``,
# or a one-off ``item``. A staff member lists a product by setting that key (the application face's product
# ``metadata``); removing the key takes it off the list.
PARTNER_CATALOGUE_KEY = "partner_catalogue"
PARTNER_KINDS = ("plan", "addon", "item")


async def partner_price_list(session: AsyncSession, principal: Principal, currency: str) -> list[dict[str, Any]]:
    """The products offered to partners in ``principal``'s mode that have a price in ``currency``: each product
    row with ``partner_kind`` (its ``partner_catalogue`` word) and ``partner_pricing`` (its oldest pricing in the
    currency)."""
    offered = []
    for row in await repo.active_products_marked(session, principal, PARTNER_CATALOGUE_KEY, PARTNER_KINDS):
        pricing = next((p for p in row["pricing"] if p["currency"] == currency), None)
        kind = next(m["value"] for m in row["metadata"] if m["key"] == PARTNER_CATALOGUE_KEY)
        if pricing is not None:
            offered.append({**row, "partner_kind": kind, "partner_pricing": pricing})
    return offered


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    return await repo.counts(session, principal)


async def products_by_id(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Products by id, each with its metadata."""
    return await repo.products_by_id(session, principal, ids)


async def groups_by_id(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Groups by id, each with its metadata."""
    return await repo.groups_by_id(session, principal, ids)


async def take_stock(session: AsyncSession, principal: Principal, product_id: int, qty: int, *, field: str) -> None:
    """Take ``qty`` units of a product's stock (unlimited stock is -1); 422 naming ``field`` if too few."""
    product = await repo.PRODUCT.locked(session, principal, product_id)
    if product.stock == -1:
        return
    if product.stock < qty:
        raise ValidationFailed.field(field, f"Only {product.stock} unit(s) of {product.name} are left.")
    product.stock -= qty
