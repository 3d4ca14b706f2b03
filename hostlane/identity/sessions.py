"""Administrators' server-side sessions: a random cookie value whose SHA-256 names the session.

Sessions live in the database (``admin_sessions``), or in Redis when it is configured, so every API process
sees the same ones and a logout ends a session everywhere. A session lasts a fixed time from its login.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from redis.asyncio import Redis

from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime
from hostlane.core.passwords import hash_secret, random_token
from hostlane.models import AdminSession

TOKEN_LENGTH = 43  # about 256 bits


class AdminSessionStore(Protocol):
    async def open(self, admin_id: int, lifetime: timedelta) -> str:
        """A new session of the administrator; returns the value the cookie carries (never stored)."""

    async def resolve(self, token: str) -> int | None:
        """The administrator of a live session, or ``None`` (unknown, ended or expired)."""

    async def close(self, token: str) -> None:
        """End the session (ending an unknown one changes nothing)."""


class DatabaseAdminSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(self, admin_id: int, lifetime: timedelta) -> str:
        token = random_token(TOKEN_LENGTH)
        now = clock.now()
        async with self.db.transaction() as session:
            # Expired sessions of this administrator go when it logs in again, so the table does not grow.
            await session.execute(
                sa.delete(AdminSession).where(
                    AdminSession.administrator_id == admin_id,
                    AdminSession.expires_at < sa.literal(now, UTCDateTime()),
                )
            )
            session.add(AdminSession(id=hash_secret(token), administrator_id=admin_id, expires_at=now + lifetime))
        return token

    async def resolve(self, token: str) -> int | None:
        async with self.db.reader() as session:
            found = await session.scalar(
                sa.select(AdminSession.administrator_id).where(
                    AdminSession.id == hash_secret(token),
                    AdminSession.expires_at > sa.literal(clock.now(), UTCDateTime()),
                )
            )
        return int(found) if found is not None else None

    async def close(self, token: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(sa.delete(AdminSession).where(AdminSession.id == hash_secret(token)))


class RedisAdminSessions:
    """A key per session holding the administrator's id, expiring with the session."""

    def __init__(self, redis: Redis, namespace: str = "hostlane") -> None:
        self.redis = redis
        self.namespace = namespace

    def _key(self, token: str) -> str:
        return f"{self.namespace}:admin-session:{hash_secret(token)}"

    async def open(self, admin_id: int, lifetime: timedelta) -> str:
        token = random_token(TOKEN_LENGTH)
        await self.redis.set(self._key(token), str(admin_id), px=max(1, int(lifetime.total_seconds() * 1000)))
        return token

    async def resolve(self, token: str) -> int | None:
        found = await self.redis.get(self._key(token))
        return int(found) if found is not None else None

    async def close(self, token: str) -> None:
        await self.redis.delete(self._key(token))


def admin_sessions(db: Database, redis: Redis | None) -> AdminSessionStore:
    """The store of this process: Redis when it is configured, else the database."""
    return RedisAdminSessions(redis) if redis is not None else DatabaseAdminSessions(db)
