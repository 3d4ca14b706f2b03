from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from hostlane.core.fields import Id
from hostlane.models import BillingCycle


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: Id
    billing: BillingCycle = BillingCycle.MONTHLY
    qty: int = Field(1, ge=1, le=100)
    options: dict[str, Any] = Field(default_factory=dict)


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    customer_id: Id
    items: list[OrderItemIn] = Field(min_length=1, max_length=50)
    notes: str | None = Field(None, max_length=5000)


# HostBill's cycle codes, besides Hostlane's own words.
CYCLE_CODES = {
    "m": BillingCycle.MONTHLY,
    "q": BillingCycle.QUARTERLY,
    "s": BillingCycle.SEMIANNUALLY,
    "a": BillingCycle.ANNUALLY,
    "b": BillingCycle.BIENNIALLY,
    "t": BillingCycle.TRIENNIALLY,
    "once": BillingCycle.ONETIME,
    "semi-annually": BillingCycle.SEMIANNUALLY,
    "one time": BillingCycle.ONETIME,
}


def _cycle(value: Any) -> Any:
    return CYCLE_CODES.get(value.strip().lower(), value.strip().lower()) if isinstance(value, str) else value


class ProductOrder(BaseModel):
    """One product as the client area orders it: ``cycle``, a ``domain``, and ``custom`` option values."""

    model_config = ConfigDict(extra="ignore")

    cycle: Annotated[BillingCycle, BeforeValidator(_cycle)] = BillingCycle.MONTHLY
    domain: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    custom: dict[str, Any] = Field(default_factory=dict, max_length=100)

    def options(self) -> dict[str, Any]:
        return {**self.custom, **({"domain": self.domain} if self.domain else {})}
