from __future__ import annotations

from hostlane.core.errors import Conflict, HostlaneError, NotFound, ValidationFailed


class InvoiceNotFound(NotFound):
    message = "Invoice not found."


class InvoiceStateError(Conflict):
    """The invoice's ``status`` (Hostlane's word) forbids ``action``; faces word the status as their documents do."""

    code = "invoice_state"

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"An invoice that is {status} cannot be {action}.", status=status, action=action)


class EmptyInvoice(ValidationFailed):
    """An invoice is issued with at least one line."""

    code = "invoice_empty"

    def __init__(self) -> None:
        super().__init__(
            "An invoice needs at least one item.", fields={"items": ["An invoice needs at least one item."]}
        )


class InvoiceHasPayments(Conflict):
    """Payments counted on an invoice tie it to its lines: it cannot go back to draft."""

    code = "invoice_has_payments"
    message = "An invoice with payments cannot go back to draft."


class DuplicatePayment(Conflict):
    message = "This transaction was already recorded."


class ChargeInProgress(Conflict):
    message = "A payment of this invoice is already in progress."


class NoPaymentMethod(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "The customer has no saved payment method.", fields={"payment_method": ["No saved payment method."]}
        )


class PaymentDeclined(Conflict):
    status = 402
    code = "payment_declined"


class CurrencyMismatch(ValidationFailed):
    def __init__(self, expected: str) -> None:
        super().__init__(f"The amount must be in {expected}.", fields={"currency": [f"Must be {expected}."]})


class InsufficientCredit(Conflict):
    status = 402
    code = "insufficient_credit"


class PaymentMethodNotFound(NotFound):
    message = "Payment method not found."


class CardSetupNotFound(NotFound):
    """The gateway has no such card setup, or it is another customer's: 404 alike."""

    message = "Card setup not found."


class CardRefused(ValidationFailed):
    """The card was not saved (declined, or the setup did not succeed); shown next to the card."""

    code = "card_refused"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"card": [message]})


class CardGatewayUnavailable(HostlaneError):
    """The payment gateway did not answer: nothing was saved; the customer may try again."""

    status = 503
    code = "gateway_unavailable"
    message = "The payment gateway did not answer. Nothing was saved: try again in a moment."


class CouponNotFound(NotFound):
    message = "Coupon not found."


class CouponRefused(ValidationFailed):
    """A coupon that cannot be used on this order: a 422 naming the field the face takes the code in
    (``coupon``, ``promocode``), with the reason in words."""

    code = "coupon_refused"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason, fields={field: [reason]})
