"""Stripe's signed events settle the charges that were left waiting (``unknown``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from stripe import SignatureVerificationError

from hostlane.billing import charging
from hostlane.core.errors import BadRequest, NotFound
from hostlane.core.formats import render
from hostlane.drivers.payments import ChargeResult
from hostlane.drivers.payments.stripe import METADATA_KEY, parse_webhook
from hostlane.faces.common import RuntimeDep

PREFIX = "/api/webhooks"
router = APIRouter(prefix=PREFIX, tags=["webhooks"])


@router.post("/stripe", summary="Stripe events (signed with the webhook secret)")
async def stripe_event(request: Request, runtime: RuntimeDep) -> Response:
    secret = runtime.settings.stripe_webhook_secret
    if not secret:
        raise NotFound("Stripe webhooks are not configured.")
    payload = await request.body()
    try:
        event = parse_webhook(payload, request.headers.get("stripe-signature", ""), secret)
    except (ValueError, SignatureVerificationError) as exc:
        raise BadRequest("The Stripe signature does not verify.") from exc
    settled = False
    if event["type"] == "payment_intent.succeeded":
        intent = event["data"]["object"].to_dict()
        key = (intent.get("metadata") or {}).get(METADATA_KEY)
        if key:
            result = ChargeResult(intent["id"], int(intent["amount"]), str(intent["currency"]).upper())
            settled = await charging.settle_by_key(runtime.db, "stripe", key, result)
    return render(request, {"received": True, "settled": settled})
