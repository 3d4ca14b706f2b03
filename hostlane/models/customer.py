"""Customers: the accounts a provider bills. Soft-deleted, so history keeps its owner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import list_index, trigram_index, unique_where


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"
    CLOSED = "closed"


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        # One live account per e-mail (and one test account); a deleted account frees its e-mail.
        unique_where("uq_customers_livemode_email", "livemode", "email", where="deleted_at IS NULL"),
        Index("ix_customers_livemode_id", "livemode", "id"),
        # What the lists filter and sort on (issue 16); e-mail is served by the unique index above.
        list_index("customers", "firstname", where="deleted_at IS NULL"),
        list_index("customers", "lastname", where="deleted_at IS NULL"),
        list_index("customers", "phone", where="deleted_at IS NULL"),
        list_index("customers", "country", where="deleted_at IS NULL"),
        list_index("customers", "status", where="deleted_at IS NULL"),
        list_index("customers", "currency", where="deleted_at IS NULL"),
        list_index("customers", "created_at", where="deleted_at IS NULL"),
        list_index("customers", "updated_at", where="deleted_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    firstname: Mapped[str] = mapped_column(String(100))
    lastname: Mapped[str] = mapped_column(String(100))
    companyname: Mapped[str | None] = mapped_column(String(255))
    # What the customer wants printed on its invoices besides its address (a VAT number, a purchase order).
    billing_details: Mapped[str | None] = mapped_column(String(255))
    address1: Mapped[str | None] = mapped_column(String(255))
    address2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str | None] = mapped_column(String(255))
    postcode: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    # Credit the customer holds, in minor units of `currency` (CLIENTXCMS's "balance").
    credit_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[CustomerStatus] = mapped_column(text_enum(CustomerStatus), default=CustomerStatus.ACTIVE)
    # Why the account is suspended or banned (staff's words); cleared when it is active again.
    status_reason: Mapped[str | None] = mapped_column(String(255))
    taxexempt: Mapped[bool] = mapped_column(Boolean, default=False)
    # In the partner programme: may have integrations and call the partner (Xibo Platform) API.
    partner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa.false())
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    # The second factor: a TOTP secret and the unused recovery codes, both stored encrypted (never in clear,
    # never rendered). Null when the customer has no second factor.
    two_factor_secret: Mapped[str | None] = mapped_column(Text)
    two_factor_recovery_codes: Mapped[str | None] = mapped_column(Text)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_ip: Mapped[str | None] = mapped_column(String(45))
    last_login_host: Mapped[str | None] = mapped_column(String(255))
    # Raised by one whenever every session of the account must end (a password change, leaving the active
    # status, deletion): each client-area token carries the value it was issued under, and a token whose
    # value is not the customer's current one is refused.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The substring filters of the lists and the staff search (``%word%`` over names, e-mail, company, phone).
for _column in ("email", "firstname", "lastname", "companyname", "phone"):
    trigram_index(Customer, _column, where="deleted_at IS NULL")

# The login lookup (``lower(email)`` of a mode, not deleted): HTTP Basic runs it on every client-area call, so it
# must read one index entry, not scan the mode's customers.
Index(
    "ix_customers_livemode_lower_email",
    Customer.livemode,
    sa.func.lower(Customer.email),
    sqlite_where=sa.text("deleted_at IS NULL"),
    postgresql_where=sa.text("deleted_at IS NULL"),
)
