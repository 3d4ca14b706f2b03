"""The network and power of services: IP pools with the addresses assigned from them, and PDU outlets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime
from hostlane.models.columns import Timestamps


class IpPool(Timestamps, Base):
    __tablename__ = "ip_pools"
    __table_args__ = (UniqueConstraint("livemode", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    network: Mapped[str] = mapped_column(String(64))  # CIDR, e.g. 192.0.2.0/24 or 2001:db8:1::/64
    gateway: Mapped[str | None] = mapped_column(String(45))


class IpAddress(Base):
    """An address of a pool given to a service. Unassigning deletes the row; an address is in one place."""

    __tablename__ = "ip_addresses"
    __table_args__ = (UniqueConstraint("livemode", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    pool_id: Mapped[int] = mapped_column(ForeignKey("ip_pools.id", ondelete="RESTRICT"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(45))  # canonical (compressed) text form
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PduDevice(Timestamps, Base):
    __tablename__ = "pdu_devices"
    __table_args__ = (UniqueConstraint("livemode", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(255))  # host name or IP the driver speaks to
    outlets: Mapped[int] = mapped_column(Integer)  # how many outlets it has, numbered from 1


class PduPort(Base):
    """One outlet of a PDU that feeds a service. Its ``id`` is the port id of the client-area routes."""

    __tablename__ = "pdu_ports"
    __table_args__ = (UniqueConstraint("pdu_id", "outlet"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pdu_id: Mapped[int] = mapped_column(ForeignKey("pdu_devices.id", ondelete="RESTRICT"))
    outlet: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
