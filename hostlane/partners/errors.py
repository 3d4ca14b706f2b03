"""Errors of the partner programme, in Hostlane's words (each face words them as its document does)."""

from __future__ import annotations

from hostlane.core.errors import Conflict, HostlaneError, NotFound, ValidationFailed


class PartnerNotFound(NotFound):
    """No such customer, not the caller's, or not in the partner programme: all alike."""

    message = "Partner not found."


class IntegrationNotFound(NotFound):
    message = "The partner has no integration in this environment."


class IntegrationExists(Conflict):
    code = "integration_exists"
    message = "The partner already has an integration in this environment; refresh its secret instead."


class WrongEnvironment(ValidationFailed):
    """An integration belongs to its partner's environment: a live account's is live, a test account's test."""

    def __init__(self, environment: str) -> None:
        problem = f"The environment must be the partner's own: {environment}."
        super().__init__(problem, fields={"environment": [problem]}, environment=environment)


class CardRequired(HostlaneError):
    """Monthly billing of CMS instances needs a saved card (the Platform document's rule): nothing is ordered."""

    status = 402
    code = "card_required"
    message = (
        "A monthly CMS instance plan is billed to a saved card: save a card in My Account > Billing, then order again."
    )
