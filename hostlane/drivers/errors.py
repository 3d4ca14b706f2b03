"""How a driver says the outside world failed."""

from __future__ import annotations


class DriverError(Exception):
    """The outside system refused the request; retrying the same call will not help."""


class RetryLater(DriverError):
    """A transient failure (timeout, 5xx, busy): the job runner retries after ``seconds``."""

    def __init__(self, message: str, seconds: int = 30) -> None:
        super().__init__(message)
        self.seconds = seconds
