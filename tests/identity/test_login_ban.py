"""The failed-login ban, through the one login service every face's login route calls."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hostlane.core import clock
from hostlane.identity import service as identity
from hostlane.identity.bans import DatabaseFailureStore, FailureStore, LoginGuard, Policy
from hostlane.identity.errors import InvalidCredentials, LoginBanned
from hostlane.runtime import Runtime
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin

POLICY = Policy("login", 3, timedelta(minutes=15), timedelta(minutes=15))


async def _login(runtime: Runtime, guard: LoginGuard, ip: str, login: str, password: str) -> object:
    return await identity.login_administrator(runtime.db, guard, ip=ip, login=login, password=password)


async def test_fourth_attempt_after_three_failures_is_refused_even_with_the_right_password(
    runtime: Runtime, store: FailureStore
) -> None:
    admin = await make_admin(runtime)
    guard = LoginGuard(store, POLICY)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await _login(runtime, guard, "198.51.100.7", admin.login, "wrong password")
    with pytest.raises(LoginBanned) as banned:
        await _login(runtime, guard, "198.51.100.7", admin.login, ADMIN_PASSWORD)
    assert banned.value.status == 403
    assert "Too many failed login attempts" in banned.value.message
    assert 0 < int(banned.value.headers["Retry-After"]) <= 15 * 60
    # Another address is not affected.
    assert await _login(runtime, guard, "198.51.100.8", admin.login, ADMIN_PASSWORD)


async def test_unknown_logins_count_too_and_success_clears_the_count(runtime: Runtime, store: FailureStore) -> None:
    admin = await make_admin(runtime)
    guard = LoginGuard(store, POLICY)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await _login(runtime, guard, "198.51.100.9", "nobody", "x")
    await _login(runtime, guard, "198.51.100.9", admin.email, ADMIN_PASSWORD)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await _login(runtime, guard, "198.51.100.9", admin.login, "wrong")
    assert await _login(runtime, guard, "198.51.100.9", admin.login, ADMIN_PASSWORD)


async def test_database_ban_lifts_after_the_ban_period(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    guard = LoginGuard(DatabaseFailureStore(runtime.db), POLICY)
    start = clock.now()
    with clock.frozen_at(start):
        for _ in range(3):
            with pytest.raises(InvalidCredentials):
                await _login(runtime, guard, "192.0.2.1", admin.login, "wrong")
    with clock.frozen_at(start + timedelta(minutes=14)), pytest.raises(LoginBanned):
        await _login(runtime, guard, "192.0.2.1", admin.login, ADMIN_PASSWORD)
    with clock.frozen_at(start + timedelta(minutes=16)):
        assert await _login(runtime, guard, "192.0.2.1", admin.login, ADMIN_PASSWORD)


async def test_runtime_guard_uses_the_configured_limit(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    assert runtime.login_guard.policy.max_failures == 3
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await _login(runtime, runtime.login_guard, "192.0.2.50", admin.login, "wrong")
    with pytest.raises(LoginBanned):
        await _login(runtime, runtime.login_guard, "192.0.2.50", admin.login, ADMIN_PASSWORD)
