"""What groups, products and pricings are made from (CLIENTXCMS's field names)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from hostlane.core.fields import Amount, CurrencyCode, Id, Slug
from hostlane.models import CatalogStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Description = Annotated[str, StringConstraints(max_length=65535)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GroupCreate(_Model):
    name: Title
    slug: Slug | None = None  # made from the name when absent
    description: Description = ""
    status: CatalogStatus = CatalogStatus.ACTIVE
    sort_order: int = 0
    pinned: bool = False
    parent_id: Id | None = None


class GroupUpdate(_Model):
    name: Title | None = None
    slug: Slug | None = None
    description: Description | None = None
    status: CatalogStatus | None = None
    sort_order: int | None = None
    pinned: bool | None = None
    parent_id: Id | None = None


class ProductCreate(_Model):
    name: Title
    group_id: Id
    description: Description = ""
    status: CatalogStatus = CatalogStatus.ACTIVE
    stock: int = Field(-1, ge=-1)
    pinned: bool = False
    sort_order: int = 0
    type: str = "none"
    config: dict[str, Any] = Field(default_factory=dict)


class ProductUpdate(_Model):
    name: Title | None = None
    group_id: Id | None = None
    description: Description | None = None
    status: CatalogStatus | None = None
    stock: int | None = Field(None, ge=-1)
    pinned: bool | None = None
    sort_order: int | None = None
    type: str | None = None


PRICE_FIELDS = ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")
SETUP_FIELDS = tuple(f"setup_{name}" for name in PRICE_FIELDS)


class _Prices(_Model):
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


class PricingCreate(_Prices):
    """One product's prices in one currency. ``product_id``, or CLIENTXCMS's ``related_id`` with
    ``related_type=product``."""

    product_id: Id | None = Field(None, validation_alias=AliasChoices("product_id", "related_id"))
    related_type: Literal["product"] = "product"
    currency: CurrencyCode


class PricingUpdate(_Prices):
    currency: CurrencyCode | None = None
