"""Webhooks from the outside world (Stripe), under ``/api/webhooks``: not one of the five documents."""

from hostlane.core.formats import JSON
from hostlane.faces.common import laravel_error
from hostlane.faces.face import Face
from hostlane.faces.webhooks import routes

FACE = Face(
    tag="webhooks",
    description="Events from payment gateways (Stripe), verified by signature.",
    prefix=routes.PREFIX,
    routers=[routes.router],
    error=laravel_error,
    authentication="the gateway's signature of the event (`Stripe-Signature`, with the webhook secret)",
    body_media_types=(JSON,),  # the signature is over the raw JSON body
)
