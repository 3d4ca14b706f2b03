"""What an integration is made from and how it reads, in Hostlane's names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from hostlane.core.fields import Name


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
