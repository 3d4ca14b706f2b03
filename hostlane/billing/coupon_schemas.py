"""What a coupon is made from, in Hostlane's words (the application face maps CLIENTXCMS's fields onto them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from hostlane.core.fields import Amount, CurrencyCode, Id
from hostlane.models import CouponType


class CouponValueIn(BaseModel):
    """A coupon's values in one currency: per cycle (``monthly``, ``setup_monthly`` …; absent or null takes
    nothing off), and the order's minimum in that currency (None: unchanged, 0 for a new row). Cycles not named
    keep their value."""

    model_config = ConfigDict(extra="forbid")

    currency: CurrencyCode
    minimum: Amount | None = None
    amounts: dict[str, Decimal | None] = Field(default_factory=dict)


class CouponCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-.]+$")
    type: CouponType
    applied_month: int = Field(-1, ge=-1, le=1200)
    free_setup: bool = False
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    first_order_only: bool = False
    max_uses: int = Field(0, ge=0, le=2_000_000_000)
    max_uses_per_customer: int = Field(0, ge=0, le=2_000_000_000)
    customer_id: Id | None = None
    products_required: list[Id] = Field(default_factory=list, max_length=100)
    is_global: bool = False
    products: list[Id] = Field(default_factory=list, max_length=1000)
    values: list[CouponValueIn] = Field(default_factory=list, max_length=50)


class CouponUpdate(BaseModel):
    """A partial update: only the fields sent change; ``products`` and ``values`` (per currency) replace."""

    model_config = ConfigDict(extra="ignore")

    code: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-.]+$")
    type: CouponType | None = None
    applied_month: int | None = Field(None, ge=-1, le=1200)
    free_setup: bool | None = None
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    first_order_only: bool | None = None
    max_uses: int | None = Field(None, ge=0, le=2_000_000_000)
    max_uses_per_customer: int | None = Field(None, ge=0, le=2_000_000_000)
    customer_id: Id | None = None
    products_required: list[Id] | None = Field(None, max_length=100)
    is_global: bool | None = None
    products: list[Id] | None = Field(None, max_length=1000)
    values: list[CouponValueIn] | None = Field(None, max_length=50)
