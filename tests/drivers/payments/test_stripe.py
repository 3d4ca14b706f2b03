"""The Stripe gateway through the official SDK, against a local stand-in of Stripe's API."""

from __future__ import annotations

import pytest

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import PaymentDeclined
from hostlane.drivers import payments
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import InvoiceStatus, PaymentStatus
from hostlane.runtime import Runtime
from tests.fixtures.live import LiveServer
from tests.fixtures.stripe_standin import DECLINED_METHOD, StripeStandIn, invoice_status, invoice_with_card

SYSTEM = Principal.system()


async def test_a_saved_stripe_card_is_charged_once_per_key(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await invoice_with_card(stripe_runtime, "pm_card_visa")
    payment = await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.reference == "pi_standin_00001"
    assert await invoice_status(stripe_runtime, invoice_id) == (InvoiceStatus.PAID.value, ["succeeded"])
    intent = fake.intents["pi_standin_00001"]
    assert intent["amount"] == 8900 and intent["currency"] == "eur" and intent["metadata"]["hostlane_payment"]


async def test_a_declined_card(stripe_runtime: Runtime) -> None:
    invoice_id = await invoice_with_card(stripe_runtime, DECLINED_METHOD)
    with pytest.raises(PaymentDeclined) as declined:
        await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    assert declined.value.message == "Your card was declined."
    assert await invoice_status(stripe_runtime, invoice_id) == (InvoiceStatus.UNPAID.value, ["failed"])


async def test_an_outage_leaves_the_payment_unknown_until_stripe_is_asked(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await invoice_with_card(stripe_runtime, "pm_card_visa")
    fake.down = True
    payment = await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    assert payment.status is PaymentStatus.UNKNOWN
    fake.down = False
    # Stripe had in fact taken the money (its answer was lost): the same key finds it, and nothing is charged again.
    gateway = payments.get("stripe")
    assert gateway is not None
    await gateway.charge(method="pm_card_visa", amount_minor=8900, currency="EUR", idempotency_key=payment.reference)
    await drain(stripe_runtime)
    assert await invoice_status(stripe_runtime, invoice_id) == (InvoiceStatus.PAID.value, ["succeeded"])
    assert len(fake.intents) == 1


async def test_refund_to_the_card_goes_back_through_stripe(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await invoice_with_card(stripe_runtime, "pm_card_visa")
    await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    async with stripe_runtime.db.transaction() as session:
        await billing.refund_invoice(session, SYSTEM, invoice_id, to_gateway=True)
    await drain(stripe_runtime)
    assert fake.refunds == [
        {
            "id": "re_standin_1",
            "object": "refund",
            "payment_intent": "pi_standin_00001",
            "amount": 8900,
            "status": "succeeded",
        }
    ]
    assert await invoice_status(stripe_runtime, invoice_id) == (InvoiceStatus.REFUNDED.value, ["refunded"])
