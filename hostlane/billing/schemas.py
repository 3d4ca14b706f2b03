from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hostlane.core.fields import Amount, CurrencyCode, Id
from hostlane.models import InvoiceStatus

Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    amount: Amount
    qty: int = Field(1, ge=1, le=10000)
    taxed: bool = True


Notes = Annotated[str, StringConstraints(max_length=5000)]
Lines = Annotated[list[InvoiceLineIn], Field(max_length=200)]


class InvoiceCreate(BaseModel):
    """Staff's invoice: issued at once, or a draft (``draft``, or no lines yet: an empty invoice is a draft).
    ``currency`` defaults to the customer's."""

    model_config = ConfigDict(extra="ignore")

    customer_id: Id
    currency: CurrencyCode | None = None
    items: Lines = []
    duedate: dt.date | None = None
    notes: Notes | None = None
    draft: bool = False


class InvoiceUpdate(BaseModel):
    """Changes to an invoice. ``notes`` may change on any invoice; ``duedate`` on a draft or an unpaid one;
    ``date``, ``currency`` and ``items`` (which replace the lines not tied to a service) on a draft only. A new
    ``status`` moves the invoice as the matching action would (issue, back to draft, mark paid, cancel, refund)."""

    model_config = ConfigDict(extra="ignore")

    date: dt.date | None = None
    duedate: dt.date | None = None
    notes: Notes | None = None
    currency: CurrencyCode | None = None
    items: Lines | None = None
    status: InvoiceStatus | None = None


class InvoiceExportQuery(BaseModel):
    """Which invoices an export holds: of these statuses (None: all), of one customer, created in a date range
    (both ends included)."""

    model_config = ConfigDict(extra="ignore")

    statuses: list[InvoiceStatus] | None = None
    customer_id: Id | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None


class PaymentIn(BaseModel):
    """Money received outside Hostlane (bank transfer, cheque): marks the invoice paid."""

    model_config = ConfigDict(extra="ignore")

    transaction_id: Text255
    gateway: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] = "manual"
    amount: Amount | None = None  # default: what is due


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    amount: Annotated[Amount, Field(gt=0)]
    reason: Text255 = "Credit added by staff"


class PaymentMethodIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # None: the mode's gateway (the test gateway in test mode, the configured real one in live mode).
    gateway: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = None
    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=255)]


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    to: Literal["credit", "gateway"] = "credit"


class InvoicePayment(BaseModel):
    """How a customer pays an invoice: its saved card, or its account credit (default: the card if it has one)."""

    model_config = ConfigDict(extra="ignore")

    method: Literal["card", "credit"] | None = None
