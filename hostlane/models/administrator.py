"""Staff accounts: the people who run the provider and own API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime


class Administrator(Base):
    __tablename__ = "administrators"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # argon2 of the MD5 hex of the password (the wbTeamPro API's login sends that MD5), set with the password.
    # The MD5 itself is never stored.
    md5_password_hash: Mapped[str | None] = mapped_column(String(255))
    # Systems granted beyond what every administrator may use (``projects:*``); a super-administrator has all.
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    is_super_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Authenticated against a directory instead of password_hash (the LDAP connector comes later).
    uses_ldap: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
