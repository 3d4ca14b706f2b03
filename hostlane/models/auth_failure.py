"""Failed authentications per (scope, IP): the failed-login ban and the bad-key throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core.db import Base, UTCDateTime


class AuthFailure(Base):
    __tablename__ = "auth_failures"

    # "login" (password logins of every face) or "key" (API keys and tokens).
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
