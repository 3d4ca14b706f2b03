"""The interface of a payment gateway: charges and refunds, and saving a card for later charges (a card setup,
confirmed in the customer's browser, whose result the server reads back from the gateway itself)."""

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


@dataclass(frozen=True)
class CardSetupStarted:
    """A card setup waiting for the customer: the browser confirms it with ``client_secret`` (Stripe.js)."""

    setup_id: str
    client_secret: str


@dataclass(frozen=True)
class SavedCard:
    """A card as the gateway keeps it: its token (the method that is charged) and what a person recognises."""

    token: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


@dataclass(frozen=True)
class CardSetup:
    """A card setup as the gateway tells it: its status (``succeeded`` once the card is saved), the gateway
    customer it belongs to, the card, and the reason of the last failure."""

    setup_id: str
    status: str
    customer: str | None
    card: SavedCard | None
    error: str | None = None


class Gateway(Protocol):
    name: str
    # False for test gateways and simulators: they move no money, so they serve test mode only.
    serves_live: bool

    async def charge(self, *, method: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        """Charge a saved payment method. ``idempotency_key`` makes a repeated call charge once."""

    async def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """The charge made with this key, if the gateway made it."""

    async def refund(self, *, reference: str, amount_minor: int) -> None: ...

    async def create_customer(self, *, email: str, name: str, reference: str) -> str:
        """A new customer record at the gateway for Hostlane's customer ``reference``: its id."""

    async def start_card_setup(self, *, customer: str, reference: str) -> CardSetupStarted:
        """A setup that saves a card on ``customer`` for charges made without the customer (off session)."""

    async def card_setup(self, setup_id: str) -> CardSetup:
        """The setup as the gateway knows it, with its card (``GatewayDeclined``: there is no such setup)."""

    async def detach(self, token: str) -> None:
        """Forget a saved card at the gateway (a card already forgotten is no error)."""
