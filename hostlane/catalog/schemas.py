"""What groups, products and pricings are made from, in Hostlane's names (each face maps its document's)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from hostlane.core.fields import Amount, CurrencyCode, Id, Slug, SortOrder, Stock
from hostlane.models import CatalogStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Description = Annotated[str, StringConstraints(max_length=65535)]
MetadataKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
MetadataValue = Annotated[str, StringConstraints(max_length=65535)]
# Keys and their text values attached to a product or a group; in a change, a null value removes its key.
Metadata = Annotated[dict[MetadataKey, MetadataValue | None], Field(max_length=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GroupCreate(_Model):
    name: Title
    slug: Slug | None = None  # made from the name when absent
    description: Description = ""
    status: CatalogStatus = CatalogStatus.ACTIVE
    sort_order: SortOrder = 0
    pinned: bool = False
    parent_id: Id | None = None
    metadata: Metadata = Field(default_factory=dict)


class GroupUpdate(_Model):
    name: Title | None = None
    slug: Slug | None = None
    description: Description | None = None
    status: CatalogStatus | None = None
    sort_order: SortOrder | None = None
    pinned: bool | None = None
    parent_id: Id | None = None
    metadata: Metadata | None = None


class ProductCreate(_Model):
    name: Title
    group_id: Id
    description: Description = ""
    status: CatalogStatus = CatalogStatus.ACTIVE
    stock: Stock = -1
    pinned: bool = False
    sort_order: SortOrder = 0
    type: str = "none"
    config: dict[str, Any] = Field(default_factory=dict)
    metadata: Metadata = Field(default_factory=dict)


class ProductUpdate(_Model):
    name: Title | None = None
    group_id: Id | None = None
    description: Description | None = None
    status: CatalogStatus | None = None
    stock: Stock | None = None
    pinned: bool | None = None
    sort_order: SortOrder | None = None
    type: str | None = None
    metadata: Metadata | None = None


PRICE_FIELDS = ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")
SETUP_FIELDS = tuple(f"setup_{name}" for name in PRICE_FIELDS)


# Each cycle's price and setup fee; a cycle without a price is not offered. (A comment, not a docstring:
# the models built on it would show it as their own description in the OpenAPI document.)
class Prices(_Model):
    onetime: Amount | None = None
    monthly: Amount | None = None
    quarterly: Amount | None = None
    semiannually: Amount | None = None
    annually: Amount | None = None
    biennially: Amount | None = None
    triennially: Amount | None = None
    setup_onetime: Amount | None = None
    setup_monthly: Amount | None = None
    setup_quarterly: Amount | None = None
    setup_semiannually: Amount | None = None
    setup_annually: Amount | None = None
    setup_biennially: Amount | None = None
    setup_triennially: Amount | None = None

    @field_validator(*PRICE_FIELDS, *SETUP_FIELDS, mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class PricingCreate(Prices):
    """One product's prices in one currency (``product_id`` is checked by the service, which says it is
    required when it is missing)."""

    product_id: Id | None = None
    currency: CurrencyCode


class PricingUpdate(Prices):
    product_id: Id | None = None
    currency: CurrencyCode | None = None
