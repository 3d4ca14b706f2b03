"""Password hashing (argon2id) and the hashing of high-entropy secrets (API keys, client secrets).

argon2 is slow on purpose (tens of milliseconds of CPU and 64 MiB each), so a request never runs it on the
event loop: ``verify_password_off_loop`` and ``hash_password_off_loop`` run it in a small pool of threads
(argon2-cffi releases the GIL), whose size is ``password_hash_threads``. ``RecentVerifications`` remembers
successful checks for a few seconds, so a credential sent on every call (HTTP Basic) is not re-verified each
time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import string
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hostlane.config import get_settings
from hostlane.core import clock

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when an account does not exist, so a wrong login costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

_ALPHABET = string.ascii_letters + string.digits


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
# The password threads run at a lower CPU priority than the event loop's (Linux: nice is per thread, and
# libargon2's lane threads inherit it), so a flood of logins slows logins, not every other request.
_PASSWORD_THREAD_NICENESS = 10


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: the default priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _PASSWORD_THREAD_NICENESS)


def _password_pool() -> ThreadPoolExecutor:
    """The process's password threads, made on first use with ``password_hash_threads`` of them: at most
    that many hashes run at once, whatever the number of requests (the others wait their turn)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, get_settings().password_hash_threads),
                thread_name_prefix="hostlane-password",
                initializer=_lower_priority,
            )
        return _pool


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in the password threads: the event loop serves other requests meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_password_pool(), verify_password, password_hash, password)


async def hash_password_off_loop(password: str) -> str:
    """``hash_password`` in the password threads."""
    return await asyncio.get_running_loop().run_in_executor(_password_pool(), hash_password, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


class RecentVerifications:
    """Successful password checks of the last ``password_cache_seconds`` (at most ``password_cache_size``), and
    the checks running now, so that concurrent calls with the same credentials wait for one verification.

    A key is an HMAC, under a key made at random by this process and never written anywhere, of the account,
    its stored password hash and the password: nothing kept can be reused or reversed, and a new password (a
    new stored hash) no longer matches. Only successes are remembered, and only the check: the caller still
    loads the account and checks its status on every call.
    """

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, datetime] = OrderedDict()
        self._running: dict[bytes, asyncio.Future[bool | None]] = {}

    def key(self, account_id: int, password_hash: str | None, password: str) -> bytes | None:
        """The key of this password for this account and stored hash (``None``: no password to check)."""
        if password_hash is None:
            return None
        message = b"\0".join((str(account_id).encode(), password_hash.encode(), password.encode()))
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def holds(self, key: bytes) -> bool:
        """This password was verified against this very hash of this account within the last few seconds."""
        expires = self._entries.get(key)
        if expires is None:
            return False
        if expires <= clock.now():
            del self._entries[key]
            return False
        return True

    def remember(self, key: bytes) -> None:
        """Call only after the password of ``key`` was verified against its stored hash."""
        settings = get_settings()
        if settings.password_cache_seconds <= 0 or settings.password_cache_size <= 0:
            return
        self._entries[key] = clock.now() + timedelta(seconds=settings.password_cache_seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > settings.password_cache_size:
            self._entries.popitem(last=False)  # the oldest

    def running(self, key: bytes) -> asyncio.Future[bool | None] | None:
        """The check of ``key`` under way: it ends with ``True`` (right), ``False`` (wrong) or ``None`` (it
        did not get an answer: refused or interrupted)."""
        return self._running.get(key)

    def start(self, key: bytes) -> None:
        assert key not in self._running
        self._running[key] = asyncio.get_running_loop().create_future()

    def finish(self, key: bytes, verified: bool | None) -> None:
        future = self._running.pop(key)
        if not future.done():
            future.set_result(verified)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


def random_token(length: int) -> str:
    """A random string of letters and digits (about 5.95 bits each)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_secret(secret: str) -> str:
    """SHA-256 of a random secret of 190+ bits: a slow hash adds nothing there and costs every request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def derived_secret(key: str, purpose: str, length: int) -> str:
    """A stable secret derived from the instance's secret key (used for the demo credentials)."""
    digest = hmac.new(key.encode(), purpose.encode(), hashlib.sha512).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest)[:length]
