"""The failed-login ban under concurrency: each attempt reserves one try before its password is verified, so
however many guesses arrive at once from one address, at most the allowed number are ever verified."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hostlane.core import clock
from hostlane.identity import service as identity
from hostlane.identity.bans import DatabaseFailureStore, FailureStore, LoginGuard, Policy
from hostlane.identity.errors import InvalidCredentials, LoginBanned
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin, make_customer
from tests.fixtures.http import basic
from tests.security.hashers import CountingHasher, count_hashing

POLICY = Policy("login", 3, timedelta(minutes=15), timedelta(minutes=15))
GUESSES = 60
CUSTOMER_PASSWORD = "the-right-passw0rd"


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    return count_hashing(monkeypatch)


async def test_sixty_concurrent_guesses_verify_three_and_the_right_password_among_them_is_refused(
    runtime: Runtime, store: FailureStore, hasher: CountingHasher
) -> None:
    admin = await make_admin(runtime)
    guard = LoginGuard(store, POLICY)
    guesses = [f"wrong guess {n}" for n in range(GUESSES - 1)] + [ADMIN_PASSWORD]

    async def attempt(password: str) -> object:
        return await identity.login_administrator(
            runtime.db, guard, ip="198.51.100.60", login=admin.login, password=password
        )

    # The wrong guesses at once, and the right password while they run (started after them, so it reserves after
    # them: with Redis, concurrent reservations reach the server in no fixed order).
    wrong_guesses = [asyncio.ensure_future(attempt(password)) for password in guesses[:-1]]
    for finished in asyncio.as_completed(wrong_guesses):  # until the first refusal: the ban is in force
        try:
            await finished
        except LoginBanned:
            break
        except InvalidCredentials:
            continue
    outcomes = await asyncio.gather(*wrong_guesses, attempt(ADMIN_PASSWORD), return_exceptions=True)

    assert len(hasher.verified) <= POLICY.max_failures, f"{len(hasher.verified)} passwords verified"
    assert ADMIN_PASSWORD not in hasher.verified
    assert isinstance(outcomes[-1], LoginBanned), outcomes[-1]  # the right password came after the ban
    refused = [outcome for outcome in outcomes if isinstance(outcome, LoginBanned)]
    wrong = [outcome for outcome in outcomes if isinstance(outcome, InvalidCredentials)]
    assert len(wrong) == len(hasher.verified) and len(refused) == GUESSES - len(wrong)
    assert all(0 < ban.retry_after <= 15 * 60 for ban in refused)
    # The ban holds afterwards too, and another address is not affected.
    with pytest.raises(LoginBanned):
        await attempt(ADMIN_PASSWORD)
    assert await identity.login_administrator(
        runtime.db, guard, ip="198.51.100.61", login=admin.login, password=ADMIN_PASSWORD
    )


async def test_sixty_concurrent_basic_calls_verify_three_and_the_right_one_gets_the_ban(
    runtime: Runtime, client_for: ClientFactory, hasher: CountingHasher
) -> None:
    customer = await make_customer(runtime, password=CUSTOMER_PASSWORD)
    client = client_for("203.0.113.60")
    email = str(customer["email"])
    guesses = [f"wrong guess {n}" for n in range(GUESSES - 1)] + [CUSTOMER_PASSWORD]

    responses = await asyncio.gather(*(client.get("/api/details", headers=basic(email, p)) for p in guesses))

    statuses = [response.status_code for response in responses]
    assert len(hasher.verified) <= runtime.settings.login_max_failures, f"{len(hasher.verified)} verified"
    assert statuses[-1] == 403 and "Too many failed login attempts" in responses[-1].json()["error"][0]
    assert statuses.count(401) == len(hasher.verified) and statuses.count(403) == GUESSES - statuses.count(401)
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses if r.status_code == 403)


async def test_a_success_releases_the_reservation_so_the_policy_counts_failures_only(
    runtime: Runtime, store: FailureStore, hasher: CountingHasher
) -> None:
    admin = await make_admin(runtime)
    guard = LoginGuard(store, POLICY)

    async def attempt(password: str) -> object:
        return await identity.login_administrator(
            runtime.db, guard, ip="192.0.2.77", login=admin.login, password=password
        )

    for _ in range(10):  # right passwords never add up to a ban
        assert await attempt(ADMIN_PASSWORD)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await attempt("wrong")
    assert await attempt(ADMIN_PASSWORD)  # the third try is still verified, and clears the count
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await attempt("wrong")
    with pytest.raises(LoginBanned):
        await attempt(ADMIN_PASSWORD)
    assert len(hasher.verified) == 10 + 2 + 1 + 3  # the refused attempt was not verified


async def test_the_key_throttle_still_answers_429_with_retry_after(runtime: Runtime, client_for: ClientFactory) -> None:
    client = client_for("192.0.2.99")
    statuses = []
    for _ in range(runtime.settings.bad_key_max_failures + 1):
        response = await client.get("/api/application/health", headers={"Authorization": "Bearer hl_live_nope"})
        statuses.append(response.status_code)
    assert statuses[: runtime.settings.bad_key_max_failures - 1] == [401] * (runtime.settings.bad_key_max_failures - 1)
    assert statuses[-1] == 429 and int(response.headers["Retry-After"]) > 0


async def test_the_ban_runs_from_the_third_failure_however_long_the_window_ran(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    guard = LoginGuard(DatabaseFailureStore(runtime.db), POLICY)
    start = clock.now()

    async def attempt(minute: int, password: str) -> object:
        with clock.frozen_at(start + timedelta(minutes=minute)):
            return await identity.login_administrator(
                runtime.db, guard, ip="192.0.2.88", login=admin.login, password=password
            )

    for minute in (0, 10, 14):
        with pytest.raises(InvalidCredentials):
            await attempt(minute, "wrong")
    with pytest.raises(LoginBanned):
        await attempt(16, ADMIN_PASSWORD)  # the window of the first failure ran out; the ban did not
    with pytest.raises(LoginBanned):
        await attempt(28, ADMIN_PASSWORD)
    assert await attempt(30, ADMIN_PASSWORD)  # 15 minutes after the third failure: a fresh count
