"""Webhooks from the outside world (Stripe), under ``/api/webhooks``: not one of the five documents."""
