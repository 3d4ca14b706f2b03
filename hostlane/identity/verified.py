"""Verified credentials: the successful password checks of the last minute, so that a password sent with every
call (HTTP Basic, wbTeamPro's MD5) costs an argon2 verification once per ``password_cache_seconds``, not per call.

What is kept, per account, is one HMAC-SHA256 under a key this process draws at random at start and never writes
anywhere, of the account's id, the password hash the password was verified against, whatever else must still hold
for the check to count (for a customer: its session epoch and status) and the password; plus when it expires.
No password, no unkeyed digest of one, no copy of the stored hash. A later call with the same credentials loads
the account as it must anyway, computes the same HMAC from what the account is *now* and compares it, in
constant time, with the one kept for that account id: a new password (a new stored hash, salt included), a
session epoch that moved on ("log out everywhere") or a changed status no longer match, so each takes effect on
the very next call, which verifies with argon2 again. Only successes are remembered; a wrong password neither
matches nor evicts the account's entry.

At most ``password_cache_size`` accounts are held, least recently used first out; an entry lasts
``password_cache_seconds`` from its verification (a hit does not extend it). The memory is per process: with
``serve --workers N`` each worker verifies a credential once per period on its own.

Checks running now are kept too, so that concurrent calls with the same credentials wait for one verification
instead of each taking a try of the login ban.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from hostlane.config import get_settings
from hostlane.core import clock


class _Identified(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def password_hash(self) -> str | None: ...


Account = TypeVar("Account", bound=_Identified)


@dataclass(frozen=True, slots=True)
class Presented:
    """A password as presented for one account: the account's id and the HMAC of the credentials."""

    account_id: int
    digest: bytes


@dataclass(slots=True)
class _Entry:
    digest: bytes
    expires: datetime


def _nothing_more(account: object) -> Sequence[str | int]:
    return ()


class VerifiedCredentials(Generic[Account]):
    """The memory of successful password checks of one kind of account (see the module's docstring).

    ``bound_to`` names what, besides the stored password hash, a remembered check depends on: the entry no
    longer matches once any of it changes.
    """

    def __init__(self, bound_to: Callable[[Account], Sequence[str | int]] = _nothing_more) -> None:
        self._key = secrets.token_bytes(32)
        self._bound_to = bound_to
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._running: dict[int, tuple[bytes, asyncio.Future[bool | None]]] = {}

    def presented(self, account: Account, password: str) -> Presented | None:
        """The HMAC of ``password`` for ``account`` as it is now (``None``: it has no password to check)."""
        if account.password_hash is None:
            return None
        parts = [str(account.id), account.password_hash, *map(str, self._bound_to(account)), password]
        # Each part is preceded by its length, so that no two different lists of parts give the same message.
        message = b"".join(len(data).to_bytes(4, "big") + data for data in (part.encode() for part in parts))
        return Presented(account.id, hmac.new(self._key, message, hashlib.sha256).digest())

    def holds(self, presented: Presented) -> bool:
        """These credentials were verified, for the account as it is now, less than the period ago."""
        entry = self._entries.get(presented.account_id)
        if entry is None or not hmac.compare_digest(entry.digest, presented.digest):
            return False
        if entry.expires <= clock.now():
            del self._entries[presented.account_id]
            return False
        self._entries.move_to_end(presented.account_id)  # the most recently used goes out last
        return True

    def remember(self, presented: Presented) -> None:
        """Call only after the password of ``presented`` was verified against the stored hash it was made from."""
        settings = get_settings()
        if settings.password_cache_seconds <= 0 or settings.password_cache_size <= 0:
            return
        now = clock.now()
        self._entries[presented.account_id] = _Entry(
            presented.digest, now + timedelta(seconds=settings.password_cache_seconds)
        )
        self._entries.move_to_end(presented.account_id)
        while self._entries and (
            len(self._entries) > settings.password_cache_size or next(iter(self._entries.values())).expires <= now
        ):
            self._entries.popitem(last=False)  # the least recently used, or one that has run out

    def running(self, presented: Presented) -> asyncio.Future[bool | None] | None:
        """The verification of these same credentials under way, if one is: it ends with ``True`` (right),
        ``False`` (wrong) or ``None`` (no answer: refused by the ban, or interrupted)."""
        found = self._running.get(presented.account_id)
        if found is None or not hmac.compare_digest(found[0], presented.digest):
            return None
        return found[1]

    def start(self, presented: Presented) -> bool:
        """Mark these credentials as being verified; ``False`` if another password of the same account is (the
        caller then verifies its own without marking it)."""
        if presented.account_id in self._running:
            return False
        self._running[presented.account_id] = (presented.digest, asyncio.get_running_loop().create_future())
        return True

    def finish(self, presented: Presented, verified: bool | None) -> None:
        _, future = self._running.pop(presented.account_id)
        if not future.done():
            future.set_result(verified)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
