"""The catalogue: product groups, products and their prices per currency."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core.db import Base, BigId, text_enum
from hostlane.models.columns import CycleAmounts, Timestamps


class CatalogStatus(StrEnum):
    ACTIVE = "active"
    HIDDEN = "hidden"
    UNREFERENCED = "unreferenced"


class ProductGroup(Timestamps, Base):
    __tablename__ = "product_groups"
    __table_args__ = (UniqueConstraint("livemode", "slug"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CatalogStatus] = mapped_column(text_enum(CatalogStatus), default=CatalogStatus.ACTIVE)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("product_groups.id", ondelete="SET NULL"), index=True)
    # The key of its image in the file store (``hostlane.core.files``), or NULL.
    image: Mapped[str | None] = mapped_column(String(255))


class Product(Timestamps, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean, index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("product_groups.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CatalogStatus] = mapped_column(text_enum(CatalogStatus), default=CatalogStatus.ACTIVE)
    # Units left to sell; -1 is unlimited.
    stock: Mapped[int] = mapped_column(Integer, default=-1)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # The provisioning module ("none", "simulator", …) and its settings for this product.
    type: Mapped[str] = mapped_column(String(64), default="none")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The key of its image in the file store (``hostlane.core.files``), or NULL.
    image: Mapped[str | None] = mapped_column(String(255))


BILLING_CYCLES = ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")


class Pricing(CycleAmounts, Timestamps, Base):
    """Prices of one product in one currency: each cycle's price and setup fee, in minor units.

    A cycle whose price is NULL is not offered. A product may have several pricings in one currency (as
    CLIENTXCMS allows); an order charges the oldest of them that offers the cycle (``catalog.service.price_for``).
    """

    __tablename__ = "pricings"
    __table_args__ = (
        *(
            sa.CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c}_not_negative")
            for cycle in BILLING_CYCLES
            for c in (cycle, f"setup_{cycle}")
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))


class CatalogMetadata(Timestamps, Base):
    """A key and its text value attached to a product or a group (exactly one of the two): settings a storefront
    or a module reads, as CLIENTXCMS's ``metadata``. Deleted with its owner."""

    __tablename__ = "catalog_metadata"
    __table_args__ = (
        UniqueConstraint("product_id", "key"),
        UniqueConstraint("group_id", "key"),
        sa.CheckConstraint("(product_id IS NULL) <> (group_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("product_groups.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(Text)
