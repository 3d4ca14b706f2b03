"""The interface every PBX driver implements: configure a server, and create, update or delete a line on it.

Every call is idempotent (``put_line`` creates or replaces, ``delete_line`` of an absent line is done), so the
jobs that call them can run twice. A transient failure raises ``RetryLater``; a refusal, ``DriverError``.
A driver for a real XiVO/Wazo (Wazo's confd REST API: ``/users``, ``/lines``, ``/endpoints/sip``, ``/extensions``
and their associations) implements this same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PbxTarget:
    """The server a call is for."""

    uuid: str
    name: str
    host: str


@dataclass(frozen=True, slots=True)
class Voicemail:
    enabled: bool
    number: str | None  # the number that reaches it (None: the server's short number)
    send_email: bool
    email: str | None


@dataclass(frozen=True, slots=True)
class LineAccount:
    """A line as the PBX needs it: its SIP credentials, number, what it shows when calling, and its voicemail.
    ``enabled`` is false while the line is suspended (its SIP account must not register)."""

    username: str
    secret: str
    number: str
    display_name: str
    caller_id: str | None  # None: anonymous
    external_number: str | None  # the number that routes to it from outside, if any
    ringing_seconds: int
    voicemail: Voicemail
    enabled: bool = True


class PbxDriver(Protocol):
    name: str

    async def configure_server(self, server: PbxTarget) -> None:
        """Make the server ready to hold lines (contexts, SIP transport, provisioning)."""

    async def put_line(self, server: PbxTarget, line: LineAccount) -> None:
        """Create the line, or replace it with this state if it exists (matched by its SIP username)."""

    async def delete_line(self, server: PbxTarget, username: str) -> None:
        """Remove the line with this SIP username (nothing to do if it is not there)."""

    async def close(self) -> None:
        """Release what the driver holds (connections); the runtime calls it when the process stops."""
