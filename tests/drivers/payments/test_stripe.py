"""The Stripe gateway through the official SDK, against a local stand-in of Stripe's API."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa

from hostlane.app import create_app
from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import PaymentDeclined
from hostlane.billing.service import NewItem
from hostlane.config import Settings, use_settings
from hostlane.core.db import Database
from hostlane.drivers import payments
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.models import Invoice, InvoiceStatus, Payment, PaymentStatus
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.live import LiveServer
from tests.fixtures.stripe_standin import DECLINED_METHOD, StripeStandIn

SYSTEM = Principal.system()
WEBHOOK_SECRET = "whsec_hostlane_test"


@pytest.fixture
def standin() -> Iterator[tuple[StripeStandIn, LiveServer]]:
    fake = StripeStandIn()
    with LiveServer(fake.app) as server:
        yield fake, server


@pytest.fixture
async def stripe_runtime(
    runtime: Runtime, database: Database, standin: tuple[StripeStandIn, LiveServer]
) -> AsyncIterator[Runtime]:
    settings = Settings(
        **{
            **runtime.settings.model_dump(),
            "stripe_secret_key": "sk_test_hostlane",
            "stripe_api_base": standin[1].url,
            "stripe_webhook_secret": WEBHOOK_SECRET,
        }
    )
    before = runtime.settings  # the settings in force are the process's: put the suite's back afterwards
    configured = Runtime.build(settings, db=database)
    yield configured
    use_settings(before)


async def _invoice_with_card(runtime: Runtime, token: str) -> int:
    customer = await make_customer(runtime)
    async with runtime.db.transaction() as session:
        await billing.save_payment_method(session, SYSTEM, int(customer["id"]), gateway="stripe", token=token)  # type: ignore[call-overload]
        invoice = await billing.issue_invoice(
            session,
            SYSTEM,
            int(customer["id"]),  # type: ignore[call-overload]
            items=[NewItem("Dedicated server", 8900)],
            due_on=dt.date(2030, 1, 1),
        )
        return invoice.id


async def _status(runtime: Runtime, invoice_id: int) -> tuple[str, list[str]]:
    async with runtime.db.reader() as session:
        status = await session.scalar(sa.select(Invoice.status).where(Invoice.id == invoice_id))
        payments = (
            await session.scalars(
                sa.select(Payment.status).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
            )
        ).all()
    return str(status), [str(p) for p in payments]


async def test_a_saved_stripe_card_is_charged_once_per_key(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await _invoice_with_card(stripe_runtime, "pm_card_visa")
    payment = await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.reference == "pi_standin_00001"
    assert await _status(stripe_runtime, invoice_id) == (InvoiceStatus.PAID.value, ["succeeded"])
    intent = fake.intents["pi_standin_00001"]
    assert intent["amount"] == 8900 and intent["currency"] == "eur" and intent["metadata"]["hostlane_payment"]


async def test_a_declined_card(stripe_runtime: Runtime) -> None:
    invoice_id = await _invoice_with_card(stripe_runtime, DECLINED_METHOD)
    with pytest.raises(PaymentDeclined) as declined:
        await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    assert declined.value.message == "Your card was declined."
    assert await _status(stripe_runtime, invoice_id) == (InvoiceStatus.UNPAID.value, ["failed"])


async def test_an_outage_leaves_the_payment_unknown_until_stripe_is_asked(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await _invoice_with_card(stripe_runtime, "pm_card_visa")
    fake.down = True
    payment = await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    assert payment.status is PaymentStatus.UNKNOWN
    fake.down = False
    # Stripe had in fact taken the money (its answer was lost): the same key finds it, and nothing is charged again.
    gateway = payments.get("stripe")
    assert gateway is not None
    await gateway.charge(method="pm_card_visa", amount_minor=8900, currency="EUR", idempotency_key=payment.reference)
    await drain(stripe_runtime)
    assert await _status(stripe_runtime, invoice_id) == (InvoiceStatus.PAID.value, ["succeeded"])
    assert len(fake.intents) == 1


def _signed(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    moment = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


async def test_a_signed_webhook_settles_a_waiting_payment_and_a_forged_one_is_refused(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await _invoice_with_card(stripe_runtime, "pm_card_visa")
    fake.down = True
    payment = await charging.charge_invoice(stripe_runtime.db, SYSTEM, invoice_id)
    event = {
        "id": "evt_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_from_webhook",
                "object": "payment_intent",
                "amount": 8900,
                "currency": "eur",
                "status": "succeeded",
                "metadata": {"hostlane_payment": payment.reference},
            }
        },
    }
    payload = json.dumps(event).encode()
    app = create_app(stripe_runtime.settings, stripe_runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        forged = await client.post(
            "/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": _signed(payload, "whsec_wrong")}
        )
        assert forged.status_code == 400
        assert await _status(stripe_runtime, invoice_id) == (InvoiceStatus.UNPAID.value, ["unknown"])
        good = await client.post(
            "/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": _signed(payload, WEBHOOK_SECRET)}
        )
        assert good.status_code == 200 and good.json() == {"received": True, "settled": True}
        again = await client.post(
            "/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": _signed(payload, WEBHOOK_SECRET)}
        )
        assert again.json() == {"received": True, "settled": False}  # delivered twice, counted once
    assert await _status(stripe_runtime, invoice_id) == (InvoiceStatus.PAID.value, ["succeeded"])


async def test_refund_to_the_card_goes_back_through_stripe(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await _invoice_with_card(stripe_runtime, "pm_card_visa")
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
    assert await _status(stripe_runtime, invoice_id) == (InvoiceStatus.REFUNDED.value, ["refunded"])
