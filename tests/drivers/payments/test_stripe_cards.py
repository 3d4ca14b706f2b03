"""Saving a card with Stripe, through the official SDK against the local stand-in of Stripe's API: a Customer made
once, a SetupIntent for off-session charges, confirmed as Stripe.js does in the browser, read back by the server
with its PaymentMethod; replaced and removed cards detached; a declined card and an outage."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import CardGatewayUnavailable, CardRefused, CardSetupNotFound
from hostlane.billing.service import NewItem
from hostlane.core import clock
from hostlane.customers.sessions import customer_principal
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import GatewayCustomer, InvoiceStatus, PaymentMethod
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.live import LiveServer
from tests.fixtures.stripe_standin import DECLINED_METHOD, StripeStandIn, invoice_status

Standin = tuple[StripeStandIn, LiveServer]


async def a_customer(runtime: Runtime) -> tuple[int, Principal]:
    customer = await make_customer(runtime, firstname="Marie", lastname="Dubois")
    customer_id = int(customer["id"])  # type: ignore[call-overload]
    return customer_id, customer_principal(customer_id, True, None)


async def add_card(runtime: Runtime, fake: StripeStandIn, customer_id: int, principal: Principal, method: str) -> str:
    """Start a setup, confirm it as the browser would, finish it: the SetupIntent's id."""
    started = await billing.start_card_setup(runtime.db, principal, customer_id)
    fake.confirm_setup(started.setup_id, method)
    await billing.finish_card_setup(runtime.db, principal, customer_id, started.setup_id)
    return started.setup_id


async def test_a_card_is_saved_with_a_setup_intent_and_charged_off_session(
    stripe_runtime: Runtime, standin: Standin
) -> None:
    fake, _ = standin
    customer_id, principal = await a_customer(stripe_runtime)
    started = await billing.start_card_setup(stripe_runtime.db, principal, customer_id)
    assert started.gateway == "stripe" and started.client_secret == f"{started.setup_id}_secret_standin"
    (stripe_customer,) = fake.customers.values()
    assert stripe_customer["email"].startswith("customer") and stripe_customer["name"] == "Marie Dubois"
    assert stripe_customer["metadata"] == {"hostlane_customer": str(customer_id)}
    setup = fake.setups[started.setup_id]
    assert (setup["customer"], setup["usage"]) == (stripe_customer["id"], "off_session")

    fake.confirm_setup(started.setup_id, "pm_card_visa")  # Stripe.js, in the customer's browser
    card = await billing.finish_card_setup(stripe_runtime.db, principal, customer_id, started.setup_id)
    assert (card.gateway, card.brand, card.last4, card.exp_month, card.exp_year) == ("stripe", "visa", "4242", 12, 2034)
    async with stripe_runtime.db.reader() as session:
        token = await session.scalar(sa.select(PaymentMethod.token).where(PaymentMethod.customer_id == customer_id))
        kept = await session.scalar(
            sa.select(GatewayCustomer.reference).where(GatewayCustomer.customer_id == customer_id)
        )
    assert token == setup["payment_method"] and fake.methods[token]["customer"] == stripe_customer["id"] == kept

    async with stripe_runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session, principal, customer_id, items=[NewItem("Hosting", 8900)], due_on=dt.date(2030, 1, 1)
        )
    await charging.charge_invoice(stripe_runtime.db, principal, invoice.id)
    assert await invoice_status(stripe_runtime, invoice.id) == (InvoiceStatus.PAID.value, ["succeeded"])
    (intent,) = fake.intents.values()
    assert intent["payment_method"] == token


async def test_replacing_and_removing_detach_the_card_at_stripe(stripe_runtime: Runtime, standin: Standin) -> None:
    fake, _ = standin
    customer_id, principal = await a_customer(stripe_runtime)
    await add_card(stripe_runtime, fake, customer_id, principal, "pm_card_visa")
    await add_card(stripe_runtime, fake, customer_id, principal, "pm_card_mastercard")
    assert len(fake.customers) == 1  # the second card joins the same Stripe Customer
    old, new = fake.methods.values()
    await drain(stripe_runtime)
    assert old["customer"] is None and new["customer"] is not None
    async with stripe_runtime.db.reader() as session:
        card = await billing.saved_card(session, principal, customer_id)
    assert card is not None and (card.brand, card.last4) == ("mastercard", "4444")

    fake.down = True  # Stripe is down when the card is removed: the row goes, the job waits for Stripe
    async with stripe_runtime.db.transaction() as session:
        await billing.remove_card(session, principal, customer_id, card.id)
    await drain(stripe_runtime)
    assert new["customer"] is not None
    fake.down = False
    clock.set_offset(timedelta(hours=1))
    try:
        await drain(stripe_runtime)
    finally:
        clock.set_offset(timedelta(0))
    assert new["customer"] is None
    async with stripe_runtime.db.reader() as session:
        assert await billing.saved_card(session, principal, customer_id) is None


async def test_a_card_declined_at_setup_is_not_saved(stripe_runtime: Runtime, standin: Standin) -> None:
    fake, _ = standin
    customer_id, principal = await a_customer(stripe_runtime)
    started = await billing.start_card_setup(stripe_runtime.db, principal, customer_id)
    body, status = fake.confirm_setup(started.setup_id, DECLINED_METHOD)
    assert status == 402 and body["error"]["code"] == "card_declined"
    with pytest.raises(CardRefused) as refused:
        await billing.finish_card_setup(stripe_runtime.db, principal, customer_id, started.setup_id)
    assert refused.value.fields == {"card": ["Your card was declined."]}
    async with stripe_runtime.db.reader() as session:
        assert await billing.saved_card(session, principal, customer_id) is None


async def test_another_customers_setup_or_an_unknown_one_is_not_found(
    stripe_runtime: Runtime, standin: Standin
) -> None:
    fake, _ = standin
    customer_id, principal = await a_customer(stripe_runtime)
    other_id, other = await a_customer(stripe_runtime)
    await add_card(stripe_runtime, fake, other_id, other, "pm_card_visa")
    started = await billing.start_card_setup(stripe_runtime.db, principal, customer_id)
    fake.confirm_setup(started.setup_id, "pm_card_visa")
    with pytest.raises(CardSetupNotFound):
        await billing.finish_card_setup(stripe_runtime.db, other, other_id, started.setup_id)
    with pytest.raises(CardSetupNotFound):
        await billing.finish_card_setup(stripe_runtime.db, principal, customer_id, "seti_nosuchthing")
    async with stripe_runtime.db.reader() as session:
        mine = await billing.saved_card(session, principal, customer_id)
        theirs = await billing.saved_card(session, other, other_id)
    assert mine is None and theirs is not None and theirs.last4 == "4242"


async def test_an_outage_saves_nothing(stripe_runtime: Runtime, standin: Standin) -> None:
    fake, _ = standin
    customer_id, principal = await a_customer(stripe_runtime)
    fake.down = True
    with pytest.raises(CardGatewayUnavailable):
        await billing.start_card_setup(stripe_runtime.db, principal, customer_id)
    fake.down = False
    started = await billing.start_card_setup(stripe_runtime.db, principal, customer_id)
    fake.confirm_setup(started.setup_id, "pm_card_visa")
    fake.down = True
    with pytest.raises(CardGatewayUnavailable):
        await billing.finish_card_setup(stripe_runtime.db, principal, customer_id, started.setup_id)
    async with stripe_runtime.db.reader() as session:
        assert await billing.saved_card(session, principal, customer_id) is None
