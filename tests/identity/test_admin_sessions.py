"""Administrators' server-side sessions (the XCI face's cookie), in the database and, when HOSTLANE_TEST_REDIS_URL
is set, in Redis: a session resolves to its administrator until it ends or expires, and only a hash of the cookie's
value is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from hostlane.core import clock
from hostlane.core.passwords import hash_secret
from hostlane.identity.sessions import AdminSessionStore, DatabaseAdminSessions, RedisAdminSessions
from hostlane.models import AdminSession
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin
from tests.fixtures.redis import test_redis


@pytest.fixture(params=["database", "redis"])
async def sessions(
    request: pytest.FixtureRequest, runtime: Runtime, namespace: str
) -> AsyncIterator[tuple[AdminSessionStore, Redis | None]]:
    if request.param == "database":
        yield DatabaseAdminSessions(runtime.db), None
        return
    async with test_redis(namespace) as redis:
        yield RedisAdminSessions(redis, namespace=namespace), redis


async def _stored_values(runtime: Runtime, redis: Redis | None, namespace: str) -> list[str]:
    """What the store holds to name sessions: the database's ids, or Redis's keys."""
    if redis is not None:
        return [key.decode() async for key in redis.scan_iter(f"{namespace}:*")]
    async with runtime.db.reader() as session:
        return list(await session.scalars(sa.select(AdminSession.id)))


async def test_a_session_names_its_administrator_until_it_is_closed(
    runtime: Runtime, sessions: tuple[AdminSessionStore, Redis | None], namespace: str
) -> None:
    store, redis = sessions
    first, second = await make_admin(runtime), await make_admin(runtime)
    token = await store.open(first.id, timedelta(hours=1))
    other = await store.open(second.id, timedelta(hours=1))
    assert token != other and len(token) >= 40
    assert await store.resolve(token) == first.id and await store.resolve(other) == second.id
    assert await store.resolve(token + "x") is None and await store.resolve("") is None

    stored = await _stored_values(runtime, redis, namespace)
    assert not any(token in value or other in value for value in stored)  # never the cookie's value
    assert any(hash_secret(token) in value for value in stored)

    await store.close(token)
    assert await store.resolve(token) is None
    assert await store.resolve(other) == second.id  # closing one session leaves the others
    await store.close(token)  # closing an ended session changes nothing


async def test_a_session_expires_with_its_lifetime(
    runtime: Runtime, sessions: tuple[AdminSessionStore, Redis | None], namespace: str
) -> None:
    store, redis = sessions
    admin = await make_admin(runtime)
    token = await store.open(admin.id, timedelta(minutes=30))
    if redis is not None:
        # Redis expires the key itself: its time to live is the session's lifetime.
        [key] = [key async for key in redis.scan_iter(f"{namespace}:*")]
        assert 0 < await redis.pttl(key) <= 30 * 60 * 1000
        await redis.pexpireat(key, 1)  # a time to live already past, as if the 30 minutes had gone
        assert await store.resolve(token) is None
        return
    clock.set_offset(timedelta(minutes=29))
    try:
        assert await store.resolve(token) == admin.id
        clock.set_offset(timedelta(minutes=31))
        assert await store.resolve(token) is None
    finally:
        clock.set_offset(timedelta(0))
