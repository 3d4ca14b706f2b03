"""Stripe's signed events settle the charges that were left waiting (``unknown``).

The route reads its raw body (the signature is over its bytes), behind the same caps as every face's: a body too
large, nested too deep or holding too many values is refused before the signature is checked (``RawJsonRoute``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from stripe import SignatureVerificationError

from hostlane.billing import charging
from hostlane.core.errors import BadRequest, NotFound
from hostlane.core.formats import RawJsonRoute, render
from hostlane.core.money import MAX_MINOR
from hostlane.drivers.payments import ChargeResult
from hostlane.drivers.payments.stripe import METADATA_KEY, parse_webhook
from hostlane.faces.common import RuntimeDep, documented_body

PREFIX = "/api/webhooks"
router = APIRouter(prefix=PREFIX, tags=["webhooks"], route_class=RawJsonRoute)
SUCCEEDED = "payment_intent.succeeded"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class StripePaymentIntent(_Open):
    """What the route reads of a succeeded PaymentIntent."""

    id: str = Field(min_length=1, max_length=255)
    amount: int = Field(ge=0, le=MAX_MINOR)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    metadata: dict[str, Any] = Field(default_factory=dict)


class StripeEventData(_Open):
    object: dict[str, Any]


class StripeEvent(_Open):
    """A Stripe event, as far as the route reads it (Stripe's API reference describes the rest)."""

    id: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=255, examples=[SUCCEEDED])
    data: StripeEventData


_SIGNATURE = {
    "name": "Stripe-Signature",
    "in": "header",
    "required": True,
    "description": "`t=<unix time>,v1=<HMAC-SHA256 of '<t>.<body>' with the webhook secret>`",
    "schema": {"type": "string"},
}


@router.post(
    "/stripe",
    summary="Stripe events (signed with the webhook secret)",
    openapi_extra={**documented_body(StripeEvent), "parameters": [_SIGNATURE]},
)
async def stripe_event(request: Request, runtime: RuntimeDep) -> Response:
    secret = runtime.settings.stripe_webhook_secret
    if not secret:
        raise NotFound("Stripe webhooks are not configured.")
    payload = await request.body()
    try:
        verified = parse_webhook(payload, request.headers.get("stripe-signature", ""), secret)
    except (ValueError, SignatureVerificationError) as exc:
        raise BadRequest("The Stripe signature does not verify.") from exc
    try:
        # Signed, yet not an event Hostlane can read (a test event sent by hand, another API version): a 400, as an
        # unsigned one, so Stripe shows the delivery as failed.
        event = StripeEvent.model_validate(verified)
        intent = StripePaymentIntent.model_validate(event.data.object) if event.type == SUCCEEDED else None
    except ValidationError as exc:
        raise BadRequest("The Stripe event is not one Hostlane can read.") from exc
    settled = False
    key = intent.metadata.get(METADATA_KEY) if intent is not None else None
    if intent is not None and isinstance(key, str) and key:
        result = ChargeResult(intent.id, intent.amount, intent.currency.upper())
        settled = await charging.settle_by_key(runtime.db, "stripe", key, result)
    return render(request, {"received": True, "settled": settled})
