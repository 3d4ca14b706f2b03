"""Rendering and sending customer e-mail.

Templates are files shipped with Hostlane, rendered by Jinja2's sandbox. What customers type (names,
ticket text) only ever enters as *values*, never as template source, so a customer named ``{{7*7}}``
gets an e-mail that says ``{{7*7}}``.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.config import get_settings
from hostlane.jobs import outbox

MAIL_JOB = "notifications.send"
FAN_OUT_JOB = "notifications.fan_out"
TEMPLATES = Path(__file__).parent / "templates"
_env = SandboxedEnvironment(
    loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
)


def render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject (the template's first line, ``Subject: …``) and the body."""
    text = _env.get_template(f"{template}.txt").render(**context)
    first, _, body = text.partition("\n")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


def message(*, to: str, to_name: str, subject: str, body: str) -> EmailMessage:
    settings = get_settings()
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = formataddr((to_name, to))
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "hostlane.local")
    mail.set_content(body)
    return mail


def queue(session: AsyncSession, template: str, *, livemode: bool, **ids: int | str) -> None:
    """Send ``template`` about the objects with these ids (and plain values such as a link's ``origin``), after the
    current transaction commits."""
    outbox.enqueue(session, MAIL_JOB, {"template": template, "livemode": livemode, **ids}, max_attempts=8)


def queue_many(session: AsyncSession, template: str, *, livemode: bool, invoice_ids: list[int]) -> None:
    """One job that later queues one mail per invoice (keeps bulk work such as the billing run short)."""
    if invoice_ids:
        outbox.enqueue(session, FAN_OUT_JOB, {"template": template, "livemode": livemode, "invoice_ids": invoice_ids})
