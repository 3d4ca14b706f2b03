"""Coupons: a code that takes a percentage or a fixed amount off an order (and, when recurring, off renewals).

Rules the database keeps, whatever the code does: one code per mode, in any case; ``uses`` never passes
``max_uses`` (0 is unlimited); one use per (coupon, order), so a retried order counts once; a value is never
negative. Values are per currency and per billing cycle (a row of ``coupon_values``, as
CLIENTXCMS keeps a pricing row per coupon): minor units of the currency for a fixed coupon, thousandths of a
percent for a percent coupon (10 % is 10000, as tax rates are kept), and the order's minimum in that currency.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.catalog import BILLING_CYCLES
from hostlane.models.columns import CycleAmounts, Timestamps


class CouponType(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


# ``applied_month``: -1 every renewal, 0 the first payment only, N the invoices of the first N months.
EVERY_RENEWAL = -1
FIRST_PAYMENT = 0


class Coupon(Timestamps, Base):
    __tablename__ = "coupons"
    __table_args__ = (
        # One code per mode, whatever its case (an order names it in any case).
        sa.Index("uq_coupons_livemode_code", "livemode", sa.func.upper(sa.literal_column("code")), unique=True),
        sa.CheckConstraint("max_uses >= 0 AND max_uses_per_customer >= 0", name="max_uses_not_negative"),
        # Counted once per use, under the row's lock: the counter can never pass the maximum.
        sa.CheckConstraint("uses >= 0 AND (max_uses = 0 OR uses <= max_uses)", name="uses_within_max"),
        sa.CheckConstraint("applied_month >= -1", name="applied_month_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    code: Mapped[str] = mapped_column(String(64))
    type: Mapped[CouponType] = mapped_column(text_enum(CouponType))
    applied_month: Mapped[int] = mapped_column(Integer, default=EVERY_RENEWAL)
    free_setup: Mapped[bool] = mapped_column(Boolean, default=False)
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_order_only: Mapped[bool] = mapped_column(Boolean, default=False)
    max_uses: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    max_uses_per_customer: Mapped[int] = mapped_column(Integer, default=0)  # 0: unlimited
    uses: Mapped[int] = mapped_column(Integer, default=0)  # CLIENTXCMS's ``usages`` counter
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    # Products that must all be in the order (ids), unless the coupon is global.
    products_required: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # A global coupon applies to every product (its product list and required products are not looked at).
    is_global: Mapped[bool] = mapped_column(Boolean, default=False)


class CouponValue(CycleAmounts, Timestamps, Base):
    """What a coupon takes off in one currency, per billing cycle: off the cycle's price and off its setup fee.
    A NULL cycle takes nothing off."""

    __tablename__ = "coupon_values"
    __table_args__ = (
        UniqueConstraint("coupon_id", "currency", name="uq_coupon_values_coupon_currency"),
        *(
            sa.CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c}_not_negative")
            for cycle in BILLING_CYCLES
            for c in (cycle, f"setup_{cycle}")
        ),
        sa.CheckConstraint("minimum_minor >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    # The order's subtotal in this currency, before the discount, must reach it (CLIENTXCMS's minimum_order_amount).
    minimum_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class CouponProduct(Base):
    """A product a (non-global) coupon applies to; a coupon with none applies to every product."""

    __tablename__ = "coupon_products"

    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)


class CouponUsage(Base):
    """One use of a coupon: by an order (once per order, ever), by whom, when, and what it took off."""

    __tablename__ = "coupon_usages"
    __table_args__ = (
        UniqueConstraint("coupon_id", "order_id", name="uq_coupon_usages_coupon_order"),
        sa.CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ServiceCoupon(Base):
    """A recurring coupon a service was ordered with: its renewals carry the discount while their period starts
    before ``applies_until`` (NULL: every renewal). A coupon for the first payment only leaves no row."""

    __tablename__ = "service_coupons"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"), index=True)
    applies_until: Mapped[dt.date | None] = mapped_column(Date)
