"""Logins of the web client area and admin panel: server-side, so any process can end one, and a person can end
all of theirs at once ("log out everywhere")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, UTCDateTime


class WebSession(Base):
    """One browser login. ``id`` is the SHA-256 of the cookie's random value (the value itself is never stored);
    ``realm`` is ``portal`` (a customer) or ``admin`` (an administrator), ``subject_id`` the account's id.
    ``epoch`` is the customer's session epoch at login: when it moves on (a password change, a suspension,
    "log out everywhere" on any face), the login no longer holds."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_subject", "realm", "subject_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    livemode: Mapped[bool] = mapped_column(Boolean)
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
