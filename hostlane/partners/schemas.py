"""What an integration is made from and how it reads, in Hostlane's names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hostlane.core.fields import Id, Name
from hostlane.models import BillingCycle


class Environment(StrEnum):
    """Where an integration works: the live environment or the test one (``livemode``)."""

    LIVE = "live"
    TEST = "test"

    @property
    def livemode(self) -> bool:
        return self is Environment.LIVE

    @classmethod
    def of(cls, livemode: bool) -> Environment:
        return cls.LIVE if livemode else cls.TEST


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name
    environment: Environment


class IntegrationRename(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name


class IntegrationRefresh(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Issue a new clientId too (the old one keeps working with the old secret for the overlap).
    new_client_id: bool = False


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """An integration as it is created or refreshed: the only time its clientSecret exists in clear."""

    integration: dict[str, Any]
    client_secret: str


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    """An integration whose clientId and clientSecret were just checked, and which secret generation they were
    (the current one, or the one before it during the overlap)."""

    integration_id: int
    customer_id: int
    livemode: bool
    generation: int


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int  # seconds
    expires_at: datetime


class PartnerOrderItem(BaseModel):
    """One line of a partner's order: a product of its price list; a CMS instance plan names its instance and is
    priced per display."""

    model_config = ConfigDict(extra="ignore")

    product_id: Id
    quantity: int = Field(1, ge=1, le=100)
    displays: int | None = Field(None, ge=1, le=100_000)
    instance_name: Name | None = None
    cycle: BillingCycle | None = None  # None: the plan's monthly price if it has one, else the first it is offered


class PartnerOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[PartnerOrderItem] = Field(min_length=1, max_length=50)
    auto_pay: bool = False
