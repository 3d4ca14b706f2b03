"""The Stripe webhook: a signed event settles the payment it names, once; a forged one is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from hostlane.app import create_app
from hostlane.billing import charging
from hostlane.identity.principal import Principal
from hostlane.models import InvoiceStatus
from hostlane.runtime import Runtime
from tests.fixtures.http import app_client
from tests.fixtures.live import LiveServer
from tests.fixtures.stripe_standin import WEBHOOK_SECRET, StripeStandIn, invoice_status, invoice_with_card

SYSTEM = Principal.system()


def _signed(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    moment = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


async def test_a_signed_webhook_settles_a_waiting_payment_and_a_forged_one_is_refused(
    stripe_runtime: Runtime, standin: tuple[StripeStandIn, LiveServer]
) -> None:
    fake, _ = standin
    invoice_id = await invoice_with_card(stripe_runtime, "pm_card_visa")
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
    async with app_client(app) as client:
        forged = await client.post(
            "/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": _signed(payload, "whsec_wrong")}
        )
        assert forged.status_code == 400
        assert await invoice_status(stripe_runtime, invoice_id) == (InvoiceStatus.UNPAID.value, ["unknown"])
        good = await client.post(
            "/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": _signed(payload, WEBHOOK_SECRET)}
        )
        assert good.status_code == 200 and good.json() == {"received": True, "settled": True}
        again = await client.post(
            "/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": _signed(payload, WEBHOOK_SECRET)}
        )
        assert again.json() == {"received": True, "settled": False}  # delivered twice, counted once
    assert await invoice_status(stripe_runtime, invoice_id) == (InvoiceStatus.PAID.value, ["succeeded"])
