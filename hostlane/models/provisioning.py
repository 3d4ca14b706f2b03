"""What provisioning modules run on and what staff offer around services: the servers a module places services
on (credentials kept encrypted), the reasons a customer may give for a cancellation, and the domains under which
a customer may take a free subdomain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import Timestamps


class Visibility(StrEnum):
    """Whether staff offer a server or a reason (CLIENTXCMS's ``active``, ``hidden``, ``unreferenced``)."""

    ACTIVE = "active"
    HIDDEN = "hidden"
    UNREFERENCED = "unreferenced"


class ProvisioningServer(Timestamps, Base):
    """A host a provisioning module talks to. Only an active server receives new services, up to ``max_accounts``
    live ones (none: no limit)."""

    __tablename__ = "provisioning_servers"
    __table_args__ = (UniqueConstraint("livemode", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    module: Mapped[str] = mapped_column(String(64), index=True)  # a product's ``type``
    hostname: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    # Fernet tokens of the credentials (key derived from the app's secret key); never rendered.
    username_encrypted: Mapped[str | None] = mapped_column(Text)
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    max_accounts: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[Visibility] = mapped_column(text_enum(Visibility), default=Visibility.ACTIVE)


class CancellationReason(Timestamps, Base):
    """A reason offered to a customer who cancels a service. Deleting one hides it (``deleted_at``): the
    cancellations that gave it keep pointing at it."""

    __tablename__ = "cancellation_reasons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[Visibility] = mapped_column(text_enum(Visibility), default=Visibility.ACTIVE)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubdomainHost(Timestamps, Base):
    """A domain under which a customer ordering a product may take a free subdomain (``shop`` of
    ``example.net`` is ``shop.example.net``). ``products`` and ``groups`` name the products it is offered with
    (both empty: every product)."""

    __tablename__ = "subdomain_hosts"
    __table_args__ = (UniqueConstraint("livemode", "domain"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    domain: Mapped[str] = mapped_column(String(255))  # lower case, no leading dot
    products: Mapped[list[int]] = mapped_column(JSON, default=list)
    groups: Mapped[list[int]] = mapped_column(JSON, default=list)


class Subdomain(Base):
    """A subdomain taken under a host by a service: one per (host, label), whatever the order that races for it."""

    __tablename__ = "subdomains"
    __table_args__ = (UniqueConstraint("host_id", "label"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    host_id: Mapped[int] = mapped_column(ForeignKey("subdomain_hosts.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(63))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
