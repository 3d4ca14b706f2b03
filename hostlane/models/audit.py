"""The audit log: one row for every write, saying who did what to which object, from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime
from hostlane.models.columns import list_index


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # What the staff list filters and sorts on (issue 16).
    __table_args__ = (
        list_index("audit_log", "at"),
        list_index("audit_log", "action"),
        list_index("audit_log", "object_type", "object_id"),
        list_index("audit_log", "actor_kind", "actor_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    ip: Mapped[str | None] = mapped_column(String(45))
    livemode: Mapped[bool] = mapped_column(Boolean)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
