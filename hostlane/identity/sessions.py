"""Server-side sessions: a random cookie value whose SHA-256 names the session.

Administrators' XCI sessions (``admin_sessions``) and the web pages' logins (``web_sessions``: the client area's
customers and the admin panel's administrators) live in the database, or in Redis when it is configured, so every
process sees the same ones and a logout ends a session everywhere. A session lasts a fixed time from its login.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from redis.asyncio import Redis

from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime
from hostlane.core.passwords import hash_secret, random_token
from hostlane.models import AdminSession, WebSession

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


@dataclass(frozen=True, slots=True)
class WebLogin:
    """Who a web session belongs to: ``realm`` ``portal`` (a customer) or ``admin`` (an administrator)."""

    realm: str
    subject_id: int
    livemode: bool
    epoch: int = 0


class WebSessionStore(Protocol):
    async def open(self, login: WebLogin, lifetime: timedelta) -> str:
        """A new session; returns the value the cookie carries (never stored)."""

    async def resolve(self, token: str) -> WebLogin | None:
        """The login of a live session, or ``None`` (unknown, ended or expired)."""

    async def close(self, token: str) -> None:
        """End one session (ending an unknown one changes nothing)."""

    async def close_all(self, realm: str, subject_id: int) -> None:
        """End every session of one account ("log out everywhere")."""


class DatabaseWebSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open(self, login: WebLogin, lifetime: timedelta) -> str:
        token = random_token(TOKEN_LENGTH)
        now = clock.now()
        async with self.db.transaction() as session:
            # An account's expired sessions go when it logs in again, so the table does not grow.
            await session.execute(
                sa.delete(WebSession).where(
                    WebSession.realm == login.realm,
                    WebSession.subject_id == login.subject_id,
                    WebSession.expires_at < sa.literal(now, UTCDateTime()),
                )
            )
            session.add(
                WebSession(
                    id=hash_secret(token),
                    realm=login.realm,
                    subject_id=login.subject_id,
                    livemode=login.livemode,
                    epoch=login.epoch,
                    expires_at=now + lifetime,
                    created_at=now,
                )
            )
        return token

    async def resolve(self, token: str) -> WebLogin | None:
        async with self.db.reader() as session:
            found = await session.scalar(
                sa.select(WebSession).where(
                    WebSession.id == hash_secret(token),
                    WebSession.expires_at > sa.literal(clock.now(), UTCDateTime()),
                )
            )
        if found is None:
            return None
        return WebLogin(found.realm, int(found.subject_id), bool(found.livemode), int(found.epoch))

    async def close(self, token: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(sa.delete(WebSession).where(WebSession.id == hash_secret(token)))

    async def close_all(self, realm: str, subject_id: int) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                sa.delete(WebSession).where(WebSession.realm == realm, WebSession.subject_id == subject_id)
            )


class RedisWebSessions:
    """A key per session holding its login, expiring with it; a set per account names its sessions."""

    def __init__(self, redis: Redis, namespace: str = "hostlane") -> None:
        self.redis = redis
        self.namespace = namespace

    def _key(self, hashed: str) -> str:
        return f"{self.namespace}:web-session:{hashed}"

    def _account(self, realm: str, subject_id: int) -> str:
        return f"{self.namespace}:web-sessions-of:{realm}:{subject_id}"

    async def open(self, login: WebLogin, lifetime: timedelta) -> str:
        token = random_token(TOKEN_LENGTH)
        hashed = hash_secret(token)
        milliseconds = max(1, int(lifetime.total_seconds() * 1000))
        value = json.dumps([login.realm, login.subject_id, login.livemode, login.epoch])
        account = self._account(login.realm, login.subject_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(hashed), value, px=milliseconds)
            pipe.sadd(account, hashed)
            pipe.pexpire(account, milliseconds)
            await pipe.execute()
        return token

    async def resolve(self, token: str) -> WebLogin | None:
        found = await self.redis.get(self._key(hash_secret(token)))
        if found is None:
            return None
        realm, subject_id, livemode, epoch = json.loads(found)
        return WebLogin(str(realm), int(subject_id), bool(livemode), int(epoch))

    async def close(self, token: str) -> None:
        await self.redis.delete(self._key(hash_secret(token)))

    async def close_all(self, realm: str, subject_id: int) -> None:
        account = self._account(realm, subject_id)
        hashed = await self.redis.smembers(account)
        await self.redis.delete(account, *(self._key(h.decode() if isinstance(h, bytes) else h) for h in hashed))


def web_sessions(db: Database, redis: Redis | None) -> WebSessionStore:
    """The store of this process: Redis when it is configured, else the database."""
    return RedisWebSessions(redis) if redis is not None else DatabaseWebSessions(db)
