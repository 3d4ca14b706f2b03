"""Stripe, through the official SDK: PaymentIntents confirmed off-session on a saved PaymentMethod,
refunds, and signed webhooks. Every charge carries Hostlane's idempotency key, both as Stripe's
``Idempotency-Key`` (so a repeated call charges once) and in the metadata (so a webhook finds its
payment)."""

from __future__ import annotations

import json
from typing import Any

import stripe

from hostlane.drivers.payments.base import ChargeResult, GatewayDeclined, GatewayTimeout

METADATA_KEY = "hostlane_payment"


class StripeGateway:
    name = "stripe"
    serves_live = True

    def __init__(self, secret_key: str, *, api_base: str | None = None) -> None:
        options: dict[str, Any] = {"http_client": stripe.HTTPXClient()}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, max_network_retries=0, **options)

    async def _create(self, *, method: str, amount_minor: int, currency: str, idempotency_key: str) -> Any:
        return await self.client.v1.payment_intents.create_async(
            params={
                "amount": amount_minor,
                "currency": currency.lower(),
                "payment_method": method,
                "confirm": True,
                "off_session": True,
                "metadata": {METADATA_KEY: idempotency_key},
            },
            options={"idempotency_key": idempotency_key},
        )

    async def charge(self, *, method: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        try:
            intent = await self._create(
                method=method, amount_minor=amount_minor, currency=currency, idempotency_key=idempotency_key
            )
        except stripe.CardError as exc:
            raise GatewayDeclined(exc.user_message or "The card was declined.") from exc
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise GatewayTimeout(f"Stripe did not answer: {exc.user_message or exc}", seconds=60) from exc
        if intent.status != "succeeded":
            raise GatewayDeclined(f"The payment needs the customer ({intent.status}).")
        return ChargeResult(intent.id, int(intent.amount), str(intent.currency).upper())

    async def lookup(self, idempotency_key: str) -> ChargeResult | None:
        """The succeeded PaymentIntent made with this key, found by its metadata."""
        try:
            found = await self.client.v1.payment_intents.search_async(
                params={"query": f"metadata['{METADATA_KEY}']:'{idempotency_key}'", "limit": 1}
            )
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise GatewayTimeout(f"Stripe did not answer: {exc.user_message or exc}", seconds=60) from exc
        for intent in found.data:
            if intent.status == "succeeded":
                return ChargeResult(intent.id, int(intent.amount), str(intent.currency).upper())
        return None

    async def refund(self, *, reference: str, amount_minor: int) -> None:
        await self.client.v1.refunds.create_async(params={"payment_intent": reference, "amount": amount_minor})


def parse_webhook(payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The verified event's data, or ``stripe.SignatureVerificationError`` (the signature does not verify) or
    ``ValueError`` (signed, but not a JSON object: the SDK's own parser fails on one with an AttributeError)."""
    stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
    event = json.loads(payload)
    if not isinstance(event, dict):
        raise ValueError("a Stripe event is a JSON object")
    return event
