"""Password checks off the event loop, and HTTP Basic without a full argon2 verification on every call.

Verifications are counted through the hasher (``count_hashing``), never timed."""

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
from hostlane.identity.verified import Presented, VerifiedCredentials
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


async def test_a_suspension_refuses_the_remembered_password_and_a_reactivation_verifies_it_again(
    runtime: Runtime, client: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    customer_id, email = await _customer(runtime)
    assert (await _details(client, email, PASSWORD)).status_code == 200

    async def set_status(status: CustomerStatus) -> None:
        async with runtime.db.transaction() as session:
            await customers.update_customer(session, Principal.system(), customer_id, CustomerUpdate(status=status))

    await set_status(CustomerStatus.SUSPENDED)
    assert (await _details(client, email, PASSWORD)).status_code == 401
    await set_status(CustomerStatus.ACTIVE)
    assert (await _details(client, email, PASSWORD)).status_code == 200
    assert hasher.verified == [PASSWORD, PASSWORD, PASSWORD]  # the suspended call, and the one after: argon2


async def test_log_out_everywhere_makes_the_next_basic_call_verify_the_password_again(
    runtime: Runtime, client: httpx.AsyncClient, hasher: CountingHasher
) -> None:
    customer_id, email = await _customer(runtime)
    for _ in range(2):
        assert (await _details(client, email, PASSWORD)).status_code == 200
    assert hasher.verified == [PASSWORD]
    await sessions.end_every_session(runtime.db, customer_id, livemode=True, ip=None)
    assert (await _details(client, email, PASSWORD)).status_code == 200
    assert (await _details(client, email, PASSWORD)).status_code == 200
    assert hasher.verified == [PASSWORD, PASSWORD]  # once after the log-out, then remembered again


async def test_a_wrong_password_after_a_remembered_success_is_verified_refused_and_counted_by_the_ban(
    runtime: Runtime, client_for: ClientFactory, hasher: CountingHasher
) -> None:
    _, email = await _customer(runtime)
    client = client_for("192.0.2.42")
    assert (await _details(client, email, PASSWORD)).status_code == 200
    for _ in range(3):
        assert (await _details(client, email, "wrong")).status_code == 401
    assert hasher.verified == [PASSWORD, "wrong", "wrong", "wrong"]  # each wrong one verified with argon2
    # The third wrong one banned the address: the right password, remembered, is refused all the same, unverified.
    banned = await _details(client, email, PASSWORD)
    assert banned.status_code == 403 and int(banned.headers["Retry-After"]) > 0
    assert len(hasher.verified) == 4
    # Another address is not banned, and the remembered success still holds there.
    assert (await _details(client_for("192.0.2.142"), email, PASSWORD)).status_code == 200
    assert len(hasher.verified) == 4


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


@dataclass
class _Account:
    id: int
    password_hash: str | None
    session_epoch: int = 0


def _bound(account: _Account) -> tuple[int]:
    return (account.session_epoch,)


def test_the_remembered_successes_are_bounded_least_recently_used_first_out(runtime: Runtime) -> None:
    runtime.settings.password_cache_size = 2
    verified: VerifiedCredentials[_Account] = VerifiedCredentials(_bound)

    def presented(account: int) -> Presented:
        made = verified.presented(_Account(account, "$argon2id$stored"), "the password")
        assert made is not None
        return made

    for account in (1, 2):
        verified.remember(presented(account))
    assert verified.holds(presented(1))  # 1 is now the most recently used
    verified.remember(presented(3))
    assert len(verified) == 2
    assert not verified.holds(presented(2))  # the least recently used went out
    assert verified.holds(presented(1)) and verified.holds(presented(3))
    for account in range(10, 100):
        verified.remember(presented(account))
    assert len(verified) == 2
    runtime.settings.password_cache_seconds = 0
    verified.remember(presented(4))
    assert not verified.holds(presented(4))


def test_a_remembered_success_holds_nothing_reusable_and_matches_only_the_account_as_it_was(runtime: Runtime) -> None:
    verified: VerifiedCredentials[_Account] = VerifiedCredentials(_bound)
    account = _Account(3, "$argon2id$stored", session_epoch=5)
    remembered = verified.presented(account, "the password")
    assert remembered is not None
    verified.remember(remembered)
    assert verified.holds(remembered)

    def holds(changed: _Account, password: str = "the password") -> bool:  # noqa: S107 - a test value
        made = verified.presented(changed, password)
        return made is not None and verified.holds(made)

    assert holds(_Account(3, "$argon2id$stored", session_epoch=5))
    assert not holds(_Account(3, "$argon2id$stored", session_epoch=5), "The password")
    assert not holds(_Account(3, "$argon2id$another", session_epoch=5))  # a new password
    assert not holds(_Account(3, "$argon2id$stored", session_epoch=6))  # "log out everywhere"
    assert not holds(_Account(4, "$argon2id$stored", session_epoch=5))  # another account
    # A wrong password does not evict the remembered success.
    assert holds(_Account(3, "$argon2id$stored", session_epoch=5))
    assert verified.presented(_Account(3, None), "the password") is None  # no password: nothing to remember
    # What is kept: the account id, a 32-byte HMAC under this object's own random key, and when it runs out.
    [(account_id, entry)] = verified._entries.items()
    assert account_id == 3 and len(entry.digest) == 32 and b"password" not in entry.digest
    assert not hasattr(entry, "password") and not hasattr(entry, "password_hash")
    other = VerifiedCredentials(_bound).presented(account, "the password")
    assert other is not None and other.digest != remembered.digest  # a key per process (per memory)


async def test_concurrent_basic_calls_with_the_same_credentials_share_one_verification(
    runtime: Runtime, client_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = count_hashing(monkeypatch, pause=0.05)
    _, email = await _customer(runtime)
    client = client_for("192.0.2.43")
    right = await asyncio.gather(*(_details(client, email, PASSWORD) for _ in range(20)))
    assert [response.status_code for response in right] == [200] * 20  # none refused by the ban
    assert hasher.verified == [PASSWORD]


@pytest.mark.parametrize("given", [PASSWORD, "one wrong guess"])
async def test_one_guess_sent_many_times_at_once_is_one_verification_and_one_try(
    runtime: Runtime, hasher: CountingHasher, given: str
) -> None:
    account = _Account(7, passwords.hash_password(PASSWORD))
    verified: VerifiedCredentials[_Account] = VerifiedCredentials()
    loaded = asyncio.Barrier(20)  # the first 20 calls all have the account before any is checked
    calls = itertools.count()

    async def load() -> _Account:
        if next(calls) < 20:
            await loaded.wait()
        return account

    async def call() -> object:
        return await identity.login_with_password(
            runtime.login_guard, ip="192.0.2.44", password=given, load=load, verified=verified
        )

    outcomes = await asyncio.gather(*(call() for _ in range(20)), return_exceptions=True)
    assert hasher.verified == [given]
    if given == PASSWORD:
        assert outcomes == [account] * 20
    else:
        assert all(isinstance(outcome, InvalidCredentials) for outcome in outcomes), outcomes
        assert len(verified) == 0  # a wrong password is never remembered
        for _ in range(2):  # it took one try of the three
            with pytest.raises(InvalidCredentials):
                await call()
        with pytest.raises(LoginBanned):
            await call()


def test_basic_checks_share_one_process_wide_memory() -> None:
    assert isinstance(sessions._VERIFIED_BASIC, VerifiedCredentials)


@pytest.mark.parametrize("first", ["right", "wrong"])
async def test_two_passwords_of_one_account_at_once_are_each_verified_and_the_right_one_remembered(
    runtime: Runtime, client_for: ClientFactory, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    hasher = count_hashing(monkeypatch, pause=0.1)
    _, email = await _customer(runtime)
    given = {"right": PASSWORD, "wrong": "a guess"}
    order = [first, "wrong" if first == "right" else "right"]
    calls = {}
    for n, which in enumerate(order):
        calls[which] = asyncio.create_task(_details(client_for(f"192.0.2.{45 + n}"), email, given[which]))
        while len(hasher.verified) < n + 1:  # noqa: ASYNC110 - filled by the password threads; the first is verifying
            await asyncio.sleep(0.001)
    assert ((await calls["right"]).status_code, (await calls["wrong"]).status_code) == (200, 401)
    assert hasher.verified == [given[which] for which in order]
    assert (await _details(client_for("192.0.2.47"), email, PASSWORD)).status_code == 200  # remembered
    assert len(hasher.verified) == 2
