"""Stripe, through the official SDK: PaymentIntents confirmed off-session on a saved PaymentMethod,
refunds, and signed webhooks. Every charge carries Hostlane's idempotency key, both as Stripe's
``Idempotency-Key`` (so a repeated call charges once) and in the metadata (so a webhook finds its
payment).

Cards are saved with a SetupIntent (``usage=off_session``) on the customer's Stripe Customer: the browser confirms
it with Stripe.js (the card number goes from the browser to Stripe, never through Hostlane), and the server
retrieves it, with its PaymentMethod, to read the outcome from Stripe itself rather than from the browser."""

from __future__ import annotations

import json
from typing import Any

import stripe

from hostlane.drivers.payments.base import (
    CardSetup,
    CardSetupStarted,
    ChargeResult,
    GatewayDeclined,
    GatewayTimeout,
    SavedCard,
)

METADATA_KEY = "hostlane_payment"
CUSTOMER_KEY = "hostlane_customer"
UNAVAILABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError, stripe.AuthenticationError)


def _unavailable(exc: stripe.StripeError) -> GatewayTimeout:
    return GatewayTimeout(f"Stripe did not answer: {exc.user_message or exc}", seconds=60)


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

    async def create_customer(self, *, email: str, name: str, reference: str) -> str:
        try:
            customer = await self.client.v1.customers.create_async(
                params={"email": email, "name": name, "metadata": {CUSTOMER_KEY: reference}}
            )
        except UNAVAILABLE as exc:
            raise _unavailable(exc) from exc
        return str(customer.id)

    async def start_card_setup(self, *, customer: str, reference: str) -> CardSetupStarted:
        try:
            intent = await self.client.v1.setup_intents.create_async(
                params={
                    "customer": customer,
                    "usage": "off_session",
                    "metadata": {CUSTOMER_KEY: reference},
                }
            )
        except UNAVAILABLE as exc:
            raise _unavailable(exc) from exc
        return CardSetupStarted(str(intent.id), str(intent.client_secret))

    async def card_setup(self, setup_id: str) -> CardSetup:
        try:
            intent = await self.client.v1.setup_intents.retrieve_async(setup_id, params={"expand": ["payment_method"]})
        except stripe.InvalidRequestError as exc:  # no such SetupIntent (or not this account's)
            raise GatewayDeclined("No such card setup.") from exc
        except UNAVAILABLE as exc:
            raise _unavailable(exc) from exc
        method = intent.payment_method
        card = None
        if isinstance(method, stripe.PaymentMethod) and method.card is not None:
            card = SavedCard(
                token=str(method.id),
                brand=str(method.card.brand or "card"),
                last4=str(method.card.last4 or "")[-4:],
                exp_month=int(method.card.exp_month) if method.card.exp_month else None,
                exp_year=int(method.card.exp_year) if method.card.exp_year else None,
            )
        customer = intent.customer
        customer_id = customer if isinstance(customer, str) or customer is None else str(customer.id)
        error = intent.last_setup_error.message if intent.last_setup_error is not None else None
        return CardSetup(str(intent.id), str(intent.status), customer_id, card, error)

    async def detach(self, token: str) -> None:
        try:
            await self.client.v1.payment_methods.detach_async(token)
        except stripe.InvalidRequestError as exc:
            if exc.code in ("resource_missing", "payment_method_unexpected_state"):  # gone, or already detached
                return
            raise
        except UNAVAILABLE as exc:
            raise _unavailable(exc) from exc


def parse_webhook(payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The verified event's data, or ``stripe.SignatureVerificationError`` (the signature does not verify) or
    ``ValueError`` (signed, but not a JSON object: the SDK's own parser fails on one with an AttributeError)."""
    stripe.WebhookSignature.verify_header(payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
    event = json.loads(payload)
    if not isinstance(event, dict):
        raise ValueError("a Stripe event is a JSON object")
    return event
