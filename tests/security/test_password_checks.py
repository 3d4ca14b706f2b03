"""Password checks off the event loop, and HTTP Basic without a full argon2 verification on every call."""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from hostlane.core import clock, passwords
from hostlane.customers import service as customers
from hostlane.customers import sessions
from hostlane.customers.schemas import CustomerUpdate
from hostlane.identity import service as identity
from hostlane.identity.errors import InvalidCredentials, LoginBanned
from hostlane.identity.principal import Principal
from hostlane.models import CustomerStatus
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import ADMIN_PASSWORD, make_admin, make_customer
from tests.fixtures.http import basic
from tests.security.hashers import CountingHasher, count_hashing

PASSWORD = "basic-passw0rd"


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    return count_hashing(monkeypatch)


async def _customer(runtime: Runtime) -> tuple[int, str]:
    customer = await make_customer(runtime, password=PASSWORD)
    return int(customer["id"]), str(customer["email"])  # type: ignore[call-overload]


async def _details(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.get("/api/details", headers=basic(email, password))


async def test_passwords_are_verified_and_hashed_off_the_event_loop(runtime: Runtime, hasher: CountingHasher) -> None:
    loop_thread = threading.current_thread()
    admin = await make_admin(runtime)
    hasher.hashed.clear()  # creating an administrator is not a request's password check
    hasher.threads.clear()
    hasher.niceness.clear()
    assert await identity.login_administrator(
        runtime.db, runtime.login_guard, ip="192.0.2.10", login=admin.login, password=ADMIN_PASSWORD
    )
    assert await passwords.hash_password_off_loop("another password")
    assert len(hasher.verified) == 1 and len(hasher.hashed) == 1
    assert hasher.threads and all(thread is not loop_thread for thread in hasher.threads)
    assert all(thread.name.startswith("hostlane-password") for thread in hasher.threads)
    # … at a lower CPU priority than the loop, so that a flood of logins does not starve other requests.
    loop_niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert all(niceness > loop_niceness for niceness in hasher.niceness)


async def test_at_most_password_hash_threads_verifications_run_at_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = count_hashing(monkeypatch, pause=0.02)
    admin = await make_admin(runtime)
    logins = [
        identity.login_administrator(
            runtime.db, runtime.login_guard, ip=f"192.0.2.{n}", login=admin.login, password=ADMIN_PASSWORD
        )
        for n in range(20, 32)
    ]
    await asyncio.gather(*logins)
    assert len(hasher.verified) == 12
    assert 1 <= hasher.most_at_once <= runtime.settings.password_hash_threads


async def test_basic_verifies_the_password_once_then_remembers_the_success(
    runtime: Runtime, client: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    _, email = await _customer(runtime)
    for _ in range(5):
        assert (await _details(client, email, PASSWORD)).status_code == 200
    assert len(hasher.verified) == 1
    # A token login is not a Basic call: it verifies the password.
    assert (await client.post("/api/login", json={"username": email, "password": PASSWORD})).status_code == 200
    assert len(hasher.verified) == 2


async def test_a_wrong_basic_password_is_never_remembered(
    runtime: Runtime, client_for: ClientFactory, hasher: CountingHasher
) -> None:
    _, email = await _customer(runtime)
    client = client_for("192.0.2.41")
    assert (await _details(client, email, PASSWORD)).status_code == 200
    for _ in range(2):
        assert (await _details(client, email, "wrong password")).status_code == 401
    assert hasher.verified == [PASSWORD, "wrong password", "wrong password"]
    assert (await _details(client, email, PASSWORD)).status_code == 200  # remembered: not verified again
    assert len(hasher.verified) == 3


async def test_a_password_change_ends_the_remembered_success(
    runtime: Runtime, client: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    customer_id, email = await _customer(runtime)
    assert (await _details(client, email, PASSWORD)).status_code == 200
    async with runtime.db.transaction() as session:
        await customers.update_customer(
            session, Principal.system(), customer_id, CustomerUpdate.model_validate({"password": "a new passw0rd"})
        )
    assert (await _details(client, email, PASSWORD)).status_code == 401
    assert (await _details(client, email, "a new passw0rd")).status_code == 200
    assert hasher.verified == [PASSWORD, PASSWORD, "a new passw0rd"]


async def test_the_account_is_still_checked_on_every_remembered_call(
    runtime: Runtime, client: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    customer_id, email = await _customer(runtime)
    assert (await _details(client, email, PASSWORD)).status_code == 200
    async with runtime.db.transaction() as session:
        await customers.update_customer(
            session, Principal.system(), customer_id, CustomerUpdate(status=CustomerStatus.SUSPENDED)
        )
    assert (await _details(client, email, PASSWORD)).status_code == 401


async def test_a_banned_address_is_refused_even_with_a_remembered_password(
    runtime: Runtime, client_for: ClientFactory, hasher: CountingHasher
) -> None:
    _, email = await _customer(runtime)
    client = client_for("192.0.2.42")
    assert (await _details(client, email, PASSWORD)).status_code == 200
    for _ in range(3):
        assert (await _details(client, email, "wrong")).status_code == 401
    banned = await _details(client, email, PASSWORD)
    assert banned.status_code == 403 and int(banned.headers["Retry-After"]) > 0


async def test_a_remembered_success_lasts_password_cache_seconds(
    runtime: Runtime, client: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    _, email = await _customer(runtime)
    start = clock.now()
    with clock.frozen_at(start):
        assert (await _details(client, email, PASSWORD)).status_code == 200
    with clock.frozen_at(start + timedelta(seconds=runtime.settings.password_cache_seconds - 1)):
        assert (await _details(client, email, PASSWORD)).status_code == 200
    assert len(hasher.verified) == 1
    with clock.frozen_at(start + timedelta(seconds=runtime.settings.password_cache_seconds + 1)):
        assert (await _details(client, email, PASSWORD)).status_code == 200
    assert len(hasher.verified) == 2


def test_the_remembered_successes_are_bounded_and_hold_nothing_reusable(runtime: Runtime) -> None:
    runtime.settings.password_cache_size = 2
    recent = passwords.RecentVerifications()

    def key(account: int, stored: str = "$argon2id$stored", given: str = "the password") -> bytes:
        made = recent.key(account, stored, given)
        assert made is not None
        return made

    for account in (1, 2, 3):
        recent.remember(key(account))
    assert len(recent) == 2
    assert not recent.holds(key(1))  # the oldest went first
    assert recent.holds(key(3))
    assert not recent.holds(key(3, stored="$argon2id$another"))
    assert not recent.holds(key(3, given="The password"))
    assert recent.key(3, None, "the password") is None  # an account without a password has nothing to remember
    assert all(b"password" not in entry and len(entry) == 32 for entry in recent._entries)
    assert passwords.RecentVerifications().key(3, "$argon2id$stored", "the password") != key(3)  # per process
    runtime.settings.password_cache_seconds = 0
    recent.remember(key(4))
    assert not recent.holds(key(4))


async def test_concurrent_basic_calls_with_the_same_credentials_share_one_verification(
    runtime: Runtime, client_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = count_hashing(monkeypatch, pause=0.05)
    _, email = await _customer(runtime)
    client = client_for("192.0.2.43")
    right = await asyncio.gather(*(_details(client, email, PASSWORD) for _ in range(20)))
    assert [response.status_code for response in right] == [200] * 20  # none refused by the ban
    assert hasher.verified == [PASSWORD]


@dataclass
class _Account:
    id: int
    password_hash: str | None


@pytest.mark.parametrize("given", [PASSWORD, "one wrong guess"])
async def test_one_guess_sent_many_times_at_once_is_one_verification_and_one_try(
    runtime: Runtime, hasher: CountingHasher, given: str
) -> None:
    account = _Account(7, passwords.hash_password(PASSWORD))
    recent = passwords.RecentVerifications()
    loaded = asyncio.Barrier(20)  # the first 20 calls all have the account before any is checked
    calls = itertools.count()

    async def load() -> _Account:
        if next(calls) < 20:
            await loaded.wait()
        return account

    async def call() -> object:
        return await identity.login_with_password(
            runtime.login_guard, ip="192.0.2.44", password=given, load=load, recent=recent
        )

    outcomes = await asyncio.gather(*(call() for _ in range(20)), return_exceptions=True)
    assert hasher.verified == [given]
    if given == PASSWORD:
        assert outcomes == [account] * 20
    else:
        assert all(isinstance(outcome, InvalidCredentials) for outcome in outcomes), outcomes
        assert len(recent) == 0  # a wrong password is never remembered
        for _ in range(2):  # it took one try of the three
            with pytest.raises(InvalidCredentials):
                await call()
        with pytest.raises(LoginBanned):
            await call()


def test_basic_checks_share_one_process_wide_memory() -> None:
    assert isinstance(sessions._RECENT_BASIC, passwords.RecentVerifications)
