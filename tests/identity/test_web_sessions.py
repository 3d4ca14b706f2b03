"""The web pages' logins (client area and admin panel), in the database and, when HOSTLANE_TEST_REDIS_URL is set, in
Redis: a session resolves to its login until it ends or expires, "log out everywhere" ends one account's sessions
and no other's, and only a hash of the cookie's value is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from hostlane.core import clock
from hostlane.core.passwords import hash_secret
from hostlane.identity.sessions import DatabaseWebSessions, RedisWebSessions, WebLogin, WebSessionStore
from hostlane.models import WebSession
from hostlane.runtime import Runtime
from tests.fixtures.redis import test_redis


@pytest.fixture(params=["database", "redis"])
async def sessions(
    request: pytest.FixtureRequest, runtime: Runtime, namespace: str
) -> AsyncIterator[tuple[WebSessionStore, Redis | None]]:
    if request.param == "database":
        yield DatabaseWebSessions(runtime.db), None
        return
    async with test_redis(namespace) as redis:
        yield RedisWebSessions(redis, namespace=namespace), redis


HOUR = timedelta(hours=1)


async def test_a_session_names_its_login_until_it_is_closed(
    runtime: Runtime, sessions: tuple[WebSessionStore, Redis | None], namespace: str
) -> None:
    store, redis = sessions
    customer = WebLogin("portal", 7, True, 3)
    admin = WebLogin("admin", 7, False)
    token, other = await store.open(customer, HOUR), await store.open(admin, HOUR)
    assert token != other and len(token) >= 40
    assert await store.resolve(token) == customer and await store.resolve(other) == admin
    assert await store.resolve(token + "x") is None

    if redis is None:
        async with runtime.db.reader() as session:
            stored = list(await session.scalars(sa.select(WebSession.id)))
    else:
        stored = [key.decode() async for key in redis.scan_iter(f"{namespace}:web-session:*")]
    assert all(token not in value and other not in value for value in stored)
    assert any(hash_secret(token) in value for value in stored)

    await store.close(token)
    assert await store.resolve(token) is None and await store.resolve(other) == admin
    await store.close(token)  # closing it again changes nothing


async def test_log_out_everywhere_ends_one_accounts_sessions_of_one_realm(
    sessions: tuple[WebSessionStore, Redis | None],
) -> None:
    store, _ = sessions
    phone, laptop = (
        await store.open(WebLogin("portal", 1, True), HOUR),
        await store.open(WebLogin("portal", 1, True), HOUR),
    )
    someone_else = await store.open(WebLogin("portal", 2, True), HOUR)
    same_id_as_admin = await store.open(WebLogin("admin", 1, True), HOUR)
    await store.close_all("portal", 1)
    assert await store.resolve(phone) is None and await store.resolve(laptop) is None
    assert await store.resolve(someone_else) == WebLogin("portal", 2, True)
    assert await store.resolve(same_id_as_admin) == WebLogin("admin", 1, True)


async def test_a_session_expires(
    runtime: Runtime, sessions: tuple[WebSessionStore, Redis | None], namespace: str
) -> None:
    store, redis = sessions
    if redis is not None:  # Redis expires the key itself
        token = await store.open(WebLogin("portal", 1, True), timedelta(milliseconds=30))
        assert await store.resolve(token) is not None
        await asyncio.sleep(0.2)
        assert await store.resolve(token) is None
        assert not [key async for key in redis.scan_iter(f"{namespace}:web-session:*")]
        return
    token = await store.open(WebLogin("portal", 1, True), timedelta(minutes=30))
    clock.set_offset(timedelta(minutes=29))
    try:
        assert await store.resolve(token) is not None
        clock.set_offset(timedelta(minutes=31))
        assert await store.resolve(token) is None
    finally:
        clock.set_offset(timedelta(0))
