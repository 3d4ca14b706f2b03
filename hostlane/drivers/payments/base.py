"""The interface of a payment gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hostlane.drivers.errors import DriverError, RetryLater


class GatewayDeclined(DriverError):
    """The card or account refused the charge: do not retry it as is."""


class GatewayTimeout(RetryLater):
    """No answer: the charge may or may not have happened. Ask the gateway (``lookup``) before retrying."""


@dataclass(frozen=True)
class ChargeResult:
    reference: str  # the gateway's id of the transaction
    amount_minor: int
    currency: str


class Gateway(Protocol):
    name: str
    # False for test gateways and simulators: they move no money, so they serve test mode only.
    serves_live: bool

    async def charge(self, *, method: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        """Charge a saved payment method. ``idempotency_key`` makes a repeated call charge once."""

    async def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """The charge made with this key, if the gateway made it."""

    async def refund(self, *, reference: str, amount_minor: int) -> None: ...
