"""Sending e-mail: SMTP (aiosmtplib) when ``HOSTLANE_SMTP_URL`` is set, else an in-memory outbox."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from hostlane.drivers.errors import RetryLater


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """``smtp://user:password@host:port`` (STARTTLS when offered) or ``smtps://…`` (TLS from the start)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=None,
                timeout=30,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise RetryLater(f"mail server: {exc}", seconds=120) from exc


class MemoryTransport:
    """Keeps what it would have sent (``make run`` without a mail server, and tests)."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


_memory = MemoryTransport()


def transport(smtp_url: str | None) -> MailTransport:
    return SmtpTransport(smtp_url) if smtp_url else _memory


def memory() -> MemoryTransport:
    return _memory
