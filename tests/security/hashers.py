"""A password hasher that counts what it does, put in place of the suite's cheap one by a test."""

from __future__ import annotations

import os
import threading
import time

import pytest
from argon2 import PasswordHasher

from hostlane.core import passwords


class CountingHasher(PasswordHasher):
    """The suite's cheap hasher, recording every verification and hash: the password, the thread, and how
    many ran at once (``pause`` seconds each, so that concurrent ones overlap)."""

    def __init__(self, real: PasswordHasher, pause: float = 0.0) -> None:
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        )
        self.pause = pause
        self._lock = threading.Lock()
        self._running = 0
        self.most_at_once = 0
        self.verified: list[str | bytes] = []
        self.hashed: list[str | bytes] = []
        self.threads: list[threading.Thread] = []
        self.niceness: list[int] = []  # the CPU niceness of the thread of each call (Linux: per thread)

    def _enter(self, log: list[str | bytes], password: str | bytes) -> None:
        with self._lock:
            log.append(password)
            self.threads.append(threading.current_thread())
            self.niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            self._running += 1
            self.most_at_once = max(self.most_at_once, self._running)

    def _leave(self) -> None:
        with self._lock:
            self._running -= 1

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._enter(self.verified, password)
        try:
            if self.pause:
                time.sleep(self.pause)
            return super().verify(hash, password)
        finally:
            self._leave()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._enter(self.hashed, password)
        try:
            return super().hash(password, salt=salt)
        finally:
            self._leave()


def count_hashing(monkeypatch: pytest.MonkeyPatch, pause: float = 0.0) -> CountingHasher:
    counting = CountingHasher(passwords._hasher, pause)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting
