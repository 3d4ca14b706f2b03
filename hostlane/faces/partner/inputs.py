"""The partner face's input models, in Xibo's camelCase, and their conversion to the partners domain's schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hostlane.core.fields import Id, Name
from hostlane.models import BillingCycle
from hostlane.partners.schemas import PartnerOrder, PartnerOrderItem


class PlatformOrderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    productId: Id = Field(description="A product of the price list (`GET /api/platform/products`).")
    quantity: int = Field(1, ge=1, le=100, description="How many (an add-on or an item); a plan is one instance.")
    displays: int | None = Field(
        None, ge=1, le=100_000, description="A CMS instance plan: the display licences (it is billed per display)."
    )
    instanceName: Name | None = Field(None, description="A CMS instance plan: the new instance's name.")
    cycle: BillingCycle | None = Field(
        None, description="The billing cycle; by default a plan's monthly price, else the first the product has."
    )


class PlatformOrder(BaseModel):
    """A new order: the items, and whether to charge the saved card at once (`autoPay`)."""

    model_config = ConfigDict(extra="forbid")

    items: list[PlatformOrderItem] = Field(min_length=1, max_length=50)
    autoPay: bool = Field(
        False,
        description="Charge the saved card off-session. Without one, or if it fails, the invoice is e-mailed with a "
        "pay link and the order waits.",
    )

    def to_domain(self) -> PartnerOrder:
        return PartnerOrder(
            items=[
                PartnerOrderItem(
                    product_id=item.productId,
                    quantity=item.quantity,
                    displays=item.displays,
                    instance_name=item.instanceName,
                    cycle=item.cycle,
                )
                for item in self.items
            ],
            auto_pay=self.autoPay,
        )
