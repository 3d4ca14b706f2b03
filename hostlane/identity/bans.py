"""Counting authentication attempts per IP: the failed-login ban and the bad-key throttle.

Counts live outside the process (the database, or Redis when configured), so every API process sees the
same ban. ``login`` is shared by the login routes of every face.

A password login *reserves* its try before the password is verified: the count goes up first, atomically
(one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``, or one Redis script), and a try beyond the allowed
number is refused unverified. However many guesses arrive at once from one address, at most
``max_failures`` of them are ever verified in one window; a success clears the count. A bad API key is
counted after the fact instead (a valid key always works, and checking one is a cheap SHA-256).
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


@dataclass(frozen=True, slots=True)
class Count:
    """One attempt as its store counted it: its number in the window (0: not counted, the IP was already
    blocked), and the seconds the IP is blocked for now (0 when it is not)."""

    number: int
    blocked_for: int

    def allowed(self, policy: Policy) -> bool:
        """The attempt is among the first ``max_failures`` of its window: it may be checked."""
        return 1 <= self.number <= policy.max_failures


class FailureStore(Protocol):
    async def blocked_for(self, scope: str, ip: str) -> int:
        """Seconds the IP is still blocked in ``scope`` (0 when it is not)."""

    async def count(self, policy: Policy, ip: str) -> Count:
        """Count one attempt of the IP, atomically: reaching ``max_failures`` blocks the IP for
        ``policy.block`` (until a success clears it); a window or a block that has run out starts again at 1."""

    async def clear(self, scope: str, ip: str) -> None: ...


def _seconds_until(moment: datetime) -> int:
    return max(0, int((moment - clock.now()).total_seconds() + 0.999))


class DatabaseFailureStore:
    """Counts in the ``auth_failures`` table, each change in its own short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def blocked_for(self, scope: str, ip: str) -> int:
        async with self.db.reader() as session:
            until = await session.scalar(
                sa.select(AuthFailure.blocked_until).where(AuthFailure.scope == scope, AuthFailure.ip == ip)
            )
        return _seconds_until(until) if until is not None else 0

    async def count(self, policy: Policy, ip: str) -> Count:
        now = clock.now()
        table = AuthFailure.__table__
        at_now = sa.literal(now, UTCDateTime())
        blocked = sa.and_(table.c.blocked_until.is_not(None), table.c.blocked_until > at_now)
        # A window that has run out, or a block that has ended, starts the count again.
        fresh = sa.and_(
            sa.not_(blocked),
            sa.or_(
                table.c.window_started_at < sa.literal(now - policy.window, UTCDateTime()),
                table.c.blocked_until.is_not(None),
            ),
        )
        number = sa.case((fresh, 1), else_=table.c.failures + 1)
        insert = insert_for(self.db.dialect_name, table).values(
            scope=policy.scope,
            ip=ip,
            failures=1,
            window_started_at=now,
            blocked_until=(now + policy.block) if policy.max_failures <= 1 else None,
        )
        # The row lock of the conflicting row makes concurrent attempts count one after the other, each
        # seeing the count the one before it left.
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.scope, table.c.ip],
            set_={
                "failures": number,
                "window_started_at": sa.case((fresh, at_now), else_=table.c.window_started_at),
                "blocked_until": sa.case(
                    (blocked, table.c.blocked_until),
                    (number >= policy.max_failures, sa.literal(now + policy.block, UTCDateTime())),
                    else_=sa.null(),
                ),
            },
        ).returning(table.c.failures, table.c.blocked_until)
        async with self.db.transaction() as session:
            failures, until = (await session.execute(statement)).one()
        return Count(failures, _seconds_until(until) if until is not None else 0)

    async def clear(self, scope: str, ip: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(sa.delete(AuthFailure).where(AuthFailure.scope == scope, AuthFailure.ip == ip))


# KEYS: the counter, the block. ARGV: the window and the block in milliseconds, max_failures.
# A blocked IP is not counted; the attempt that reaches the limit sets the block and drops the counter,
# so the count starts again once the block ends (or a success deletes it).
_COUNT_SCRIPT = """
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, blocked} end
local number = redis.call('INCR', KEYS[1])
if number == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if number >= tonumber(ARGV[3]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return {number, tonumber(ARGV[2])}
end
return {number, 0}
"""


class RedisFailureStore:
    """Counts in Redis: a counter that expires with its window, and a block key with a TTL, changed together
    by one script (atomic on the server)."""

    def __init__(self, redis: Redis, namespace: str = "hostlane") -> None:
        self.redis = redis
        self.namespace = namespace
        self._count = redis.register_script(_COUNT_SCRIPT)

    def _key(self, kind: str, scope: str, ip: str) -> str:
        return f"{self.namespace}:auth:{scope}:{kind}:{ip}"

    async def blocked_for(self, scope: str, ip: str) -> int:
        ttl = await self.redis.pttl(self._key("block", scope, ip))
        return max(0, -(-int(ttl) // 1000)) if ttl and ttl > 0 else 0

    async def count(self, policy: Policy, ip: str) -> Count:
        window_ms = max(1, int(policy.window.total_seconds() * 1000))
        block_ms = max(1, int(policy.block.total_seconds() * 1000))
        number, blocked_ms = await self._count(
            keys=[self._key("count", policy.scope, ip), self._key("block", policy.scope, ip)],
            args=[window_ms, block_ms, policy.max_failures],
        )
        return Count(int(number), max(0, -(-int(blocked_ms) // 1000)))

    async def clear(self, scope: str, ip: str) -> None:
        await self.redis.delete(self._key("count", scope, ip), self._key("block", scope, ip))


class _Counted(ABC):
    """Attempts of one policy counted per IP address; ``check`` refuses an address while it is blocked."""

    def __init__(self, store: FailureStore, policy: Policy) -> None:
        self.store = store
        self.policy = policy

    @abstractmethod
    def _refusal(self, remaining: int) -> Exception:
        """The error that refuses a blocked address for ``remaining`` seconds more."""

    async def check(self, ip: str) -> None:
        if remaining := await self.store.blocked_for(self.policy.scope, ip):
            raise self._refusal(remaining)


class LoginGuard(_Counted):
    """The failed-login ban every password login of every face goes through: ``reserve`` before the password
    is verified, ``succeeded`` after a right one (a wrong one was counted by its reservation)."""

    def _refusal(self, remaining: int) -> Exception:
        return LoginBanned(remaining)

    async def reserve(self, ip: str) -> None:
        """Count this attempt; refuse it, unverified, if the address has used its tries or is banned."""
        count = await self.store.count(self.policy, ip)
        if not count.allowed(self.policy):
            raise self._refusal(max(1, count.blocked_for))

    async def succeeded(self, ip: str) -> None:
        await self.store.clear(self.policy.scope, ip)


class KeyThrottle(_Counted):
    """Slows down guessing of API keys and tokens: too many bad ones from an IP → 429."""

    def _refusal(self, remaining: int) -> Exception:
        return TooManyRequests("Too many invalid credentials from your address.", retry_after=remaining)

    async def failed(self, ip: str) -> None:
        await self.store.count(self.policy, ip)


class CodeGuard(LoginGuard):
    """A login guard for one-time codes (a second factor), counted per account rather than per address: a
    refusal is a 429 with ``Retry-After`` (too many codes tried), not the failed-login ban's 403."""

    def _refusal(self, remaining: int) -> Exception:
        return TooManyRequests("Too many attempts. Try again later.", retry_after=remaining)
