"""Billing: invoices and their items, tax rules, payments, the credit ledger and invoice numbering.

Money is integer minor units of the invoice's currency. Constraints that protect money live here:
one renewal item per (service, period), one payment per (gateway, reference).
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import Timestamps, list_index, unique_where


class InvoiceStatus(StrEnum):
    """Hostlane's invoice statuses. Each face words them as its document does (``Paid``, ``Unpaid`` …)."""

    DRAFT = "draft"
    UNPAID = "unpaid"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    COLLECTIONS = "collections"


class ItemType(StrEnum):
    SERVICE = "service"  # a service's recurring charge for one period (HostBill's "Hosting")
    SETUP = "setup"
    OTHER = "other"
    METERED = "metered"  # a month's metered use of a service (a CMS instance's displays), billed once
    DISCOUNT = "discount"  # a coupon's discount on a service's line (a negative amount, taxed as the line is)


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the gateway timed out: a job asks it later; never charged twice
    REFUNDED = "refunded"


class TaxRule(Base):
    """A tax rate for a country (and optionally a state); level 1 or 2 (HostBill's tax and tax2)."""

    __tablename__ = "tax_rules"
    __table_args__ = (UniqueConstraint("livemode", "level", "country", "state"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2))  # "" matches every country
    state: Mapped[str] = mapped_column(String(64))  # "" matches every state of the country
    # Thousandths of a percent: 20000 = 20 %, 8875 = 8.875 %.
    rate_milli: Mapped[int] = mapped_column(Integer)


class Invoice(Timestamps, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("livemode", "number"),
        Index("ix_invoices_livemode_customer_id", "livemode", "customer_id"),
        Index("ix_invoices_livemode_status_duedate", "livemode", "status", "duedate"),
        # What the lists filter and sort on (issue 16); customer, number and order by the indexes above.
        list_index("invoices", "status", where="deleted_at IS NULL"),
        list_index("invoices", "currency", where="deleted_at IS NULL"),
        list_index("invoices", "date", where="deleted_at IS NULL"),
        list_index("invoices", "duedate", where="deleted_at IS NULL"),
        list_index("invoices", "total_minor", where="deleted_at IS NULL"),
        list_index("invoices", "created_at", where="deleted_at IS NULL"),
        list_index("invoices", "updated_at", where="deleted_at IS NULL"),
        sa.CheckConstraint("total_minor >= 0", name="total_not_negative"),
        sa.CheckConstraint("credit_minor >= 0", name="credit_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    number: Mapped[str | None] = mapped_column(String(64))  # given when the invoice is issued
    status: Mapped[InvoiceStatus] = mapped_column(text_enum(InvoiceStatus))
    date: Mapped[dt.date] = mapped_column(Date)
    duedate: Mapped[dt.date] = mapped_column(Date)
    datepaid: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credit_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # credit applied to it
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    taxrate_milli: Mapped[int] = mapped_column(Integer, default=0)
    tax2_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    taxrate2_milli: Mapped[int] = mapped_column(Integer, default=0)
    taxexempt: Mapped[bool] = mapped_column(Boolean, default=False)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # by payments (not credit)
    notes: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when staff delete the invoice: the row (and its number) stays, and no read sees it again.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @hybrid_property
    def due_minor(self) -> int:
        """The amount due: the total less the credit applied and the payments counted. The one place
        this is written: on an invoice object, and in SQL (``Invoice.due_minor``) for sums and filters;
        every read shape of an invoice carries it as ``due_minor``."""
        return self.total_minor - self.credit_minor - self.paid_minor


class InvoiceItem(Base):
    __tablename__ = "invoice_items"
    __table_args__ = (
        # Exactly once: one charge per service per period, whatever retries or crashes happen.
        unique_where("uq_invoice_items_service_period", "service_id", "period_start", where="type = 'service'"),
        # Exactly once too: one metered line per service per usage month (``period_start``: the month's first day).
        unique_where("uq_invoice_items_service_metered", "service_id", "period_start", where="type = 'metered'"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    type: Mapped[ItemType] = mapped_column(text_enum(ItemType))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)  # unit price
    qty: Mapped[int] = mapped_column(Integer, default=1)
    taxed: Mapped[bool] = mapped_column(Boolean, default=True)
    linetotal_minor: Mapped[int] = mapped_column(sa.BigInteger)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)


class Payment(Timestamps, Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("gateway", "reference"),  # one transaction per gateway reference, ever
        # At most one charge in flight per invoice: concurrent attempts cannot both take money.
        unique_where("uq_payments_invoice_in_flight", "invoice_id", where="status = 'unknown'"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(255))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    refunded_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PaymentStatus] = mapped_column(text_enum(PaymentStatus))
    error: Mapped[str | None] = mapped_column(Text)


class CreditEntry(Base):
    """One movement of a customer's credit: positive adds, negative spends. The customer's
    ``credit_minor`` is their sum, kept in step under the customer's row lock."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(255))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class InvoiceSequence(Base):
    """The last invoice number given in one period (``2016/12``) of one mode."""

    __tablename__ = "invoice_sequences"

    livemode: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class PaymentMethod(Base):
    """A saved way to pay: the gateway's token (a Stripe PaymentMethod id; a test card number on the
    test gateway), never a real card number. A customer has at most one default method (the card its invoices
    are charged to), which the database enforces."""

    __tablename__ = "payment_methods"
    __table_args__ = (unique_where("uq_payment_methods_one_default", "customer_id", where="is_default"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(255))
    brand: Mapped[str] = mapped_column(String(32), default="card")
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int | None] = mapped_column(Integer)  # the card's expiry, as the gateway tells it
    exp_year: Mapped[int | None] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class GatewayCustomer(Base):
    """The customer's own record at a payment gateway (a Stripe Customer ``cus_…``), which its saved cards are
    attached to: one per customer and gateway, kept when a card is removed so the next card joins it."""

    __tablename__ = "gateway_customers"
    __table_args__ = (UniqueConstraint("customer_id", "gateway"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    gateway: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
