"""The customer's saved card: added through the gateway's card setup, replaced, removed. Hostlane keeps the
gateway's token and what a person recognises (brand, last four digits, expiry), never a card number.

1. ``start_card_setup``: the customer's record at the gateway (made the first time, then kept), and a setup on
   it for charges made without the customer (a Stripe SetupIntent with ``usage=off_session``).
2. The customer's browser confirms the setup at the gateway (Stripe.js); the card number goes from the browser
   to the gateway only. In the test environment ``add_test_card`` plays the browser with a test card.
3. ``finish_card_setup``: the server reads the setup back from the gateway (never trusting the browser's word),
   checks it succeeded and belongs to this customer, and saves its card as the customer's one default method. The
   card it replaces is removed, and detached at the gateway by a job queued in the same transaction, so a gateway
   outage loses nothing.

Gateway calls are made outside any transaction, as charges are (``charging``). The saved card is the one
``charging`` charges: ``saved_card`` shows exactly that method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.billing.errors import CardGatewayUnavailable, CardRefused, CardSetupNotFound
from hostlane.core.db import Database
from hostlane.core.errors import ValidationFailed
from hostlane.customers import service as customers
from hostlane.customers.errors import CustomerNotFound
from hostlane.drivers import modes
from hostlane.drivers.errors import RetryLater
from hostlane.drivers.payments import Gateway, GatewayDeclined, GatewayTimeout
from hostlane.drivers.payments.base import SavedCard
from hostlane.drivers.payments.test import TEST_CARDS, TestGateway
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.jobs.registry import Attempt, handler
from hostlane.models import GatewayCustomer, PaymentMethod

if TYPE_CHECKING:
    from hostlane.runtime import Runtime

DETACH_JOB = "billing.detach_card"


@dataclass(frozen=True)
class Card:
    """A saved card as a page shows it."""

    id: int
    livemode: bool
    gateway: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None

    @classmethod
    def of(cls, method: PaymentMethod) -> Card:
        return cls(
            method.id, method.livemode, method.gateway, method.brand, method.last4, method.exp_month, method.exp_year
        )


@dataclass(frozen=True)
class StartedSetup:
    """A card setup waiting for the customer's browser: it confirms ``setup_id`` at ``gateway`` with
    ``client_secret``, then the page sends ``setup_id`` back to ``finish_card_setup``."""

    gateway: str
    setup_id: str
    client_secret: str


def card_gateway(*, livemode: bool) -> str | None:
    """The gateway cards are saved with in this mode: the test gateway in test mode, the configured gateway that
    moves real money in live mode (Stripe); None when live mode has none."""
    return modes.default_gateway(livemode=livemode)


def _gateway(livemode: bool) -> tuple[str, Gateway]:
    name = card_gateway(livemode=livemode)
    gateway = modes.gateway_for(name, livemode=livemode) if name is not None else None
    if name is None or gateway is None:
        raise ValidationFailed.field("card", "No payment gateway is configured for live mode.")
    return name, gateway


async def saved_card(session: AsyncSession, principal: Principal, customer_id: int) -> Card | None:
    """The card the customer's invoices are charged to (its default method), if it has one."""
    if await customers.account(session, principal, customer_id) is None:
        raise CustomerNotFound()
    method = await repo.default_method(session, principal.livemode, customer_id)
    return Card.of(method) if method is not None else None


async def start_card_setup(db: Database, principal: Principal, customer_id: int) -> StartedSetup:
    """Open a card setup for the customer at its mode's gateway, making its record there the first time."""
    name, gateway = _gateway(principal.livemode)
    async with db.reader() as session:
        account = await customers.account(session, principal, customer_id)
        if account is None:
            raise CustomerNotFound()
        reference = await repo.gateway_customer(session, customer_id, name)
        email, full_name = account.email, f"{account.firstname} {account.lastname}".strip()
    try:
        if reference is None:
            made = await gateway.create_customer(email=email, name=full_name, reference=str(customer_id))
            reference = await _keep_gateway_customer(db, principal, customer_id, name, made)
        started = await gateway.start_card_setup(customer=reference, reference=str(customer_id))
    except GatewayTimeout as exc:
        raise CardGatewayUnavailable() from exc
    return StartedSetup(name, started.setup_id, started.client_secret)


async def _keep_gateway_customer(
    db: Database, principal: Principal, customer_id: int, gateway: str, reference: str
) -> str:
    """Keep the customer's new record at the gateway; where a concurrent request kept one first (one per customer
    and gateway, which the database enforces), that one is used and the new one stays unused at the gateway."""
    try:
        async with db.transaction() as session:
            customer = await customers.lock_customer(session, principal, customer_id)
            row = GatewayCustomer(
                livemode=customer.livemode, customer_id=customer.id, gateway=gateway, reference=reference
            )
            await audit.created(session, principal, row, "gateway_customer", {"gateway": gateway})
    except IntegrityError:
        async with db.reader() as session:
            kept = await repo.gateway_customer(session, customer_id, gateway)
        if kept is None:
            raise
        return kept
    return reference


async def finish_card_setup(db: Database, principal: Principal, customer_id: int, setup_id: str) -> Card:
    """Save the card of a confirmed setup as the customer's default method, replacing the one it had. The setup
    is read from the gateway: one that is not this customer's is ``CardSetupNotFound`` (404), one that did not
    succeed (declined) is ``CardRefused`` (422 on ``card``). Finishing a setup twice saves its card once."""
    name, gateway = _gateway(principal.livemode)
    async with db.reader() as session:
        if await customers.account(session, principal, customer_id) is None:
            raise CustomerNotFound()
        reference = await repo.gateway_customer(session, customer_id, name)
    if reference is None or not setup_id:
        raise CardSetupNotFound()
    try:
        setup = await gateway.card_setup(setup_id)
    except GatewayDeclined as exc:
        raise CardSetupNotFound() from exc
    except GatewayTimeout as exc:
        raise CardGatewayUnavailable() from exc
    if setup.customer != reference:
        raise CardSetupNotFound()
    if setup.status != "succeeded" or setup.card is None:
        raise CardRefused(setup.error or "The card was not saved. Check its details, or try another card.")
    async with db.transaction() as session:
        return await _save(session, principal, customer_id, name, setup.card)


async def _save(session: AsyncSession, principal: Principal, customer_id: int, gateway: str, card: SavedCard) -> Card:
    customer = await customers.lock_customer(session, principal, customer_id)  # one change of its card at a time
    current = await repo.default_method(session, customer.livemode, customer.id)
    if current is not None and current.gateway == gateway and current.token == card.token:
        return Card.of(current)  # the same setup finished again (a second click): already saved
    if current is not None:
        await _remove(session, principal, current, replaced=True)
    await repo.unset_default_methods(session, customer.id)
    await session.flush()  # the old default is gone before the new one is written (one default per customer)
    method = PaymentMethod(
        livemode=customer.livemode,
        customer_id=customer.id,
        gateway=gateway,
        token=card.token,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        is_default=True,
    )
    await audit.created(
        session,
        principal,
        method,
        "payment_method",
        {"gateway": gateway, "brand": card.brand, "last4": card.last4, "replaces": current.id if current else None},
    )
    return Card.of(method)


async def remove_card(session: AsyncSession, principal: Principal, customer_id: int, method_id: int) -> None:
    """Remove one of the customer's saved methods: its row goes now, the gateway forgets it by a job. Another
    customer's method (or another mode's) is ``PaymentMethodNotFound``."""
    await customers.lock_customer(session, principal, customer_id)
    method = await repo.lock_method(session, principal, customer_id, method_id)
    await _remove(session, principal, method, replaced=False)


async def _remove(session: AsyncSession, principal: Principal, method: PaymentMethod, *, replaced: bool) -> None:
    outbox.enqueue(
        session,
        DETACH_JOB,
        {"gateway": method.gateway, "token": method.token, "livemode": method.livemode},
        key=f"payment_method:{method.id}",
    )
    audit.record(
        session,
        principal,
        "payment_method.delete",
        "payment_method",
        method.id,
        {"gateway": method.gateway, "last4": method.last4, "replaced": replaced},
    )
    await session.delete(method)


async def add_test_card(db: Database, principal: Principal, customer_id: int, number: str) -> Card:
    """The test environment's card: the same setup as a real card, confirmed with one of the test gateway's
    cards (``TEST_CARDS``) where a browser would confirm it with Stripe.js. Test mode only."""
    if principal.livemode:
        raise ValidationFailed.field("card", "Test cards are for the test environment only.")
    if number not in TEST_CARDS:
        raise ValidationFailed.field("card", "Choose one of the test cards.")
    started = await start_card_setup(db, principal, customer_id)
    gateway = modes.gateway_for(started.gateway, livemode=False)
    assert isinstance(gateway, TestGateway)
    try:
        await gateway.confirm_card_setup(started.setup_id, number)
    except GatewayDeclined as exc:
        raise CardRefused(str(exc)) from None
    return await finish_card_setup(db, principal, customer_id, started.setup_id)


@handler(DETACH_JOB)
async def detach_card(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Forget a removed card at its gateway (safe twice: a card already forgotten is no error there)."""
    livemode = bool(payload["livemode"])
    gateway = modes.gateway_for(str(payload["gateway"]), livemode=livemode)
    if gateway is None:
        raise RetryLater(f"gateway {payload['gateway']} is not configured", seconds=300)
    await gateway.detach(str(payload["token"]))
