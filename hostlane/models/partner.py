"""Partners' integrations: per partner and per environment one named OAuth2 client, its secret kept only as a hash.

A partner is a customer with ``partner`` set (``models.customer``); an integration belongs to one customer, and so to
that customer's mode (its environment). Refreshing the secret keeps the previous client id and secret hash for the
overlap (``previous_*``), after which only the current pair is accepted.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime


class PartnerIntegration(Base):
    __tablename__ = "partner_integrations"
    __table_args__ = (
        # At most one integration per partner and environment.
        UniqueConstraint("customer_id", "livemode", name="uq_partner_integrations_customer_livemode"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # The OAuth2 clientId: random and public.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the clientSecret (``core.passwords.hash_secret``): the secret itself is shown once, never stored.
    secret_hash: Mapped[str] = mapped_column(String(64))
    # Raised by one at each refresh; an access token names the generation of the secret that obtained it.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    # The pair before the last refresh, accepted until ``previous_expires_at`` (none when the overlap is 0).
    previous_client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PartnerUsage(Base):
    """One CMS instance's cloud usage in one calendar month, as its provisioning module reported it after the month
    ended: displays (the metered displays the month bills), storage and bandwidth in bytes. Recorded once per
    (service, month); ``billed_invoice_id`` is the invoice that billed its metered displays, set once."""

    __tablename__ = "partner_usage"
    __table_args__ = (UniqueConstraint("service_id", "month", name="uq_partner_usage_service_month"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)  # the month's first day
    displays: Mapped[int] = mapped_column(Integer)
    storage_bytes: Mapped[int] = mapped_column(BigInteger)
    bandwidth_bytes: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    billed_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
