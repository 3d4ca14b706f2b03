"""Password hashing (argon2id) and the hashing of high-entropy secrets (API keys, client secrets).

argon2 is slow on purpose (tens of milliseconds of CPU and 64 MiB each), so a request never runs it on the
event loop: ``verify_password_off_loop`` and ``hash_password_off_loop`` run it in a small pool of threads
(argon2-cffi releases the GIL), whose size is ``password_hash_threads``. A credential sent on every call (HTTP
Basic) is not re-verified each time: ``hostlane.identity.verified`` remembers successful checks for a minute.
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
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hostlane.config import get_settings

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
