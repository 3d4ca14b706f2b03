"""Services: what a customer bought, provisioned on a real system through the product's module."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import Timestamps, list_index, trigram_index


class ServiceStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


class BillingCycle(StrEnum):
    ONETIME = "onetime"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUALLY = "semiannually"
    ANNUALLY = "annually"
    BIENNIALLY = "biennially"
    TRIENNIALLY = "triennially"


class DeliveryStatus(StrEnum):
    """Where the provisioning module stands on the service's last change."""

    NONE = "none"  # nothing asked of the module yet
    PENDING = "pending"  # a module call is queued or being retried
    DONE = "done"
    FAILED = "failed"  # retries exhausted; staff must look


class Service(Timestamps, Base):
    __tablename__ = "services"
    __table_args__ = (
        Index("ix_services_livemode_id", "livemode", "id"),
        Index("ix_services_livemode_status_next_due_date", "livemode", "status", "next_due_date"),
        # What the lists filter and sort on (issue 16); customer and product by their own indexes.
        list_index("services", "status"),
        list_index("services", "billing"),
        list_index("services", "currency"),
        list_index("services", "delivery_status"),
        list_index("services", "next_due_date"),
        list_index("services", "created_at"),
        list_index("services", "updated_at"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
        UniqueConstraint("uuid"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # A public identifier that says nothing of how many services exist (CLIENTXCMS addresses services by it).
    uuid: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    billing: Mapped[BillingCycle] = mapped_column(text_enum(BillingCycle))
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[ServiceStatus] = mapped_column(text_enum(ServiceStatus), default=ServiceStatus.PENDING)
    next_due_date: Mapped[date | None] = mapped_column(Date)
    # The day of the month its periods start on (a service bought on the 31st renews on the last day).
    billing_day: Mapped[int | None] = mapped_column(Integer)
    # Paid until: set to the next due date when the service is activated (its first period is paid), moved to
    # the end of each renewal period paid, and cut to the moment it ended when it expires or is terminated.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many renewal periods were paid.
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspend_reason: Mapped[str | None] = mapped_column(String(255))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_reason: Mapped[str | None] = mapped_column(String(255))
    # The reason staff offered that the cancellation gave, if any.
    cancellation_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("cancellation_reasons.id", ondelete="RESTRICT"), index=True
    )
    # A cancellation asked for at the end of the period: when it takes effect. Until then the service runs, but
    # is never renewed; the daily job cancels it once the moment has come.
    cancel_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The provisioning server the service was placed on (none: its module uses no servers, or none had room).
    server_id: Mapped[int | None] = mapped_column(
        ForeignKey("provisioning_servers.id", ondelete="RESTRICT"), index=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    # What the module returned (server ids, usernames …), shown to staff.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivery_status: Mapped[DeliveryStatus] = mapped_column(text_enum(DeliveryStatus), default=DeliveryStatus.NONE)
    delivery_action: Mapped[str | None] = mapped_column(String(32))
    # Bumped by every transition; a module call only reports on the service if it is still the latest.
    delivery_seq: Mapped[int] = mapped_column(Integer, default=0)
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivery_errors: Mapped[str | None] = mapped_column(Text)


class ServiceEvent(Base):
    """One row per state change or module outcome of a service: its history."""

    __tablename__ = "service_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "transition", "delivery.done", "delivery.failed" …
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(255))
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


trigram_index(Service, "name")  # the lists' substring filter
