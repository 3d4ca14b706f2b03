"""What an order is made from, in Hostlane's words (each face maps its document's cycles and fields)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hostlane.core.fields import Id
from hostlane.models import BillingCycle


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: Id
    billing: BillingCycle = BillingCycle.MONTHLY
    qty: int = Field(1, ge=1, le=100)
    options: dict[str, Any] = Field(default_factory=dict)
    # Units priced per service (a CMS plan's displays): each service costs ``units`` times the price; setup once.
    units: int = Field(1, ge=1, le=100_000)
    # The services' name (default: the product's).
    name: str | None = Field(None, min_length=1, max_length=100)
    # A free subdomain (``shop``) of a subdomain host offered with the product: the service's domain. One service.
    subdomain: str | None = Field(None, max_length=63)
    subdomain_host_id: Id | None = None


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_id: Id
    items: list[OrderItemIn] = Field(min_length=1, max_length=50)
    notes: str | None = Field(None, max_length=5000)
    # A coupon's code: its discount is a line of the order's invoice (refused with a 422 on ``coupon``).
    coupon: str | None = Field(None, max_length=64)
