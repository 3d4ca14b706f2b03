"""Job handlers by name. A handler takes ids, re-loads what it needs and is safe to run twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostlane.runtime import Runtime


@dataclass(frozen=True)
class Attempt:
    number: int  # 1 for the first run
    max_attempts: int

    @property
    def is_last(self) -> bool:
        return self.number >= self.max_attempts


Handler = Callable[["Runtime", dict[str, Any], Attempt], Awaitable[None]]
_HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        _HANDLERS[name] = function
        return function

    return register


def get(name: str) -> Handler | None:
    return _HANDLERS.get(name)
