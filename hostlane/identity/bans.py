"""Counting failed authentications per IP: the failed-login ban and the bad-key throttle.

Counts live outside the process (the database, or Redis when configured), so every API
process sees the same ban. ``login`` is shared by the login routes of every face.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from redis.asyncio import Redis

from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime, insert_for
from hostlane.core.errors import TooManyRequests
from hostlane.identity.errors import LoginBanned
from hostlane.models import AuthFailure


@dataclass(frozen=True, slots=True)
class Policy:
    """``max_failures`` within ``window`` block the IP for ``block``."""

    scope: str
    max_failures: int
    window: timedelta
    block: timedelta


class FailureStore(Protocol):
    async def blocked_for(self, scope: str, ip: str) -> int:
        """Seconds the IP is still blocked in ``scope`` (0 when it is not)."""

    async def record(self, policy: Policy, ip: str) -> int:
        """Count one failure; return the seconds the IP is now blocked for (0 when it is not)."""

    async def clear(self, scope: str, ip: str) -> None: ...


def _seconds_until(moment: datetime) -> int:
    return max(0, int((moment - clock.now()).total_seconds() + 0.999))


class DatabaseFailureStore:
    """Failure counts in the ``auth_failures`` table, each change in its own short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def blocked_for(self, scope: str, ip: str) -> int:
        async with self.db.reader() as session:
            until = await session.scalar(
                sa.select(AuthFailure.blocked_until).where(AuthFailure.scope == scope, AuthFailure.ip == ip)
            )
        return _seconds_until(until) if until is not None else 0

    async def record(self, policy: Policy, ip: str) -> int:
        now = clock.now()
        table = AuthFailure.__table__
        stale = table.c.window_started_at < sa.literal(now - policy.window, UTCDateTime())
        failures = sa.case((stale, 1), else_=table.c.failures + 1)
        insert = insert_for(self.db.dialect_name, table).values(
            scope=policy.scope,
            ip=ip,
            failures=1,
            window_started_at=now,
            blocked_until=(now + policy.block) if policy.max_failures <= 1 else None,
        )
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.scope, table.c.ip],
            set_={
                "failures": failures,
                "window_started_at": sa.case((stale, sa.literal(now, UTCDateTime())), else_=table.c.window_started_at),
                "blocked_until": sa.case(
                    (failures >= policy.max_failures, sa.literal(now + policy.block, UTCDateTime())),
                    else_=table.c.blocked_until,
                ),
            },
        ).returning(table.c.blocked_until)
        async with self.db.transaction() as session:
            until = (await session.execute(statement)).scalar_one()
        return _seconds_until(until) if until is not None else 0

    async def clear(self, scope: str, ip: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(sa.delete(AuthFailure).where(AuthFailure.scope == scope, AuthFailure.ip == ip))


class RedisFailureStore:
    """Failure counts in Redis: a counter that expires with its window, and a block key with a TTL."""

    def __init__(self, redis: Redis, namespace: str = "hostlane") -> None:
        self.redis = redis
        self.namespace = namespace

    def _key(self, kind: str, scope: str, ip: str) -> str:
        return f"{self.namespace}:auth:{scope}:{kind}:{ip}"

    async def blocked_for(self, scope: str, ip: str) -> int:
        ttl = await self.redis.pttl(self._key("block", scope, ip))
        return max(0, -(-int(ttl) // 1000)) if ttl and ttl > 0 else 0

    async def record(self, policy: Policy, ip: str) -> int:
        counter = self._key("count", scope=policy.scope, ip=ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, int(policy.window.total_seconds()), nx=True)
            count, _ = await pipe.execute()
        if int(count) >= policy.max_failures:
            seconds = int(policy.block.total_seconds())
            await self.redis.set(self._key("block", policy.scope, ip), "1", ex=seconds)
            return seconds
        return await self.blocked_for(policy.scope, ip)

    async def clear(self, scope: str, ip: str) -> None:
        await self.redis.delete(self._key("count", scope, ip), self._key("block", scope, ip))


class _Counted(ABC):
    """Failures of one policy counted per IP address; ``check`` refuses an address while it is blocked."""

    def __init__(self, store: FailureStore, policy: Policy) -> None:
        self.store = store
        self.policy = policy

    @abstractmethod
    def _refusal(self, remaining: int) -> Exception:
        """The error that refuses a blocked address for ``remaining`` seconds more."""

    async def check(self, ip: str) -> None:
        if remaining := await self.store.blocked_for(self.policy.scope, ip):
            raise self._refusal(remaining)

    async def failed(self, ip: str) -> None:
        await self.store.record(self.policy, ip)


class LoginGuard(_Counted):
    """The failed-login ban every password login of every face goes through."""

    def _refusal(self, remaining: int) -> Exception:
        return LoginBanned(remaining)

    async def succeeded(self, ip: str) -> None:
        await self.store.clear(self.policy.scope, ip)


class KeyThrottle(_Counted):
    """Slows down guessing of API keys and tokens: too many bad ones from an IP → 429."""

    def _refusal(self, remaining: int) -> Exception:
        return TooManyRequests("Too many invalid credentials from your address.", retry_after=remaining)
