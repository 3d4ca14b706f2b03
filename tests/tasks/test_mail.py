"""Customer e-mail through a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import datetime as dt

from hostlane.billing import run as billing_run
from hostlane.billing import service as billing
from hostlane.billing.service import NewItem
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.mail import Inbox, body


async def test_a_customer_named_like_a_template_gets_exactly_their_name(runtime: Runtime, inbox: Inbox) -> None:
    customer = await make_customer(runtime, firstname="{{7*7}}", lastname="{% raw %}x")
    async with runtime.db.transaction() as session:
        await billing.issue_invoice(
            session,
            Principal.system(),
            int(customer["id"]),  # type: ignore[call-overload]
            items=[NewItem("Web hosting", 499)],
            due_on=dt.date(2030, 1, 1),
            invoice_date=dt.date(2029, 12, 1),
        )
    await drain(runtime)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["Subject"] == "Invoice 2029/12/1 for 4.99 EUR"
    assert mail["To"].endswith(f"<{customer['email']}>")
    text = body(mail)
    assert "Dear {{7*7}} {% raw %}x," in text and "49" not in text
    assert "Web hosting: 4.99 EUR" in text


async def test_reminder_and_suspension_mail_from_the_daily_run(runtime: Runtime, inbox: Inbox) -> None:
    from tests.fixtures.factories import make_service

    with clock.frozen_at(dt.datetime(2026, 12, 2, 12)):
        service_id = await make_service(runtime, next_due_date=dt.date(2027, 1, 1))  # monthly
    for day in (dt.date(2026, 12, 18), dt.date(2027, 1, 4), dt.date(2027, 1, 8)):
        with clock.frozen_at(dt.datetime.combine(day, dt.time(3))):
            await billing_run.daily_run(runtime.db, day=day)
            await drain(runtime)
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects[0].startswith("Invoice 2026/12/1 for 9.99 EUR")
    assert "Reminder: invoice 2026/12/1 is overdue" in subjects
    assert any(s.startswith("Your service") and s.endswith("is suspended") for s in subjects)
    assert service_id


async def test_an_unreachable_mail_server_is_retried_not_lost(runtime: Runtime) -> None:
    runtime.settings.smtp_url = "smtp://127.0.0.1:9"  # discard port: nothing listens
    customer = await make_customer(runtime)
    async with runtime.db.transaction() as session:
        await billing.issue_invoice(
            session,
            Principal.system(),
            int(customer["id"]),  # type: ignore[call-overload]
            items=[NewItem("X", 100)],
            due_on=dt.date(2030, 1, 1),
        )
    await drain(runtime)
    import sqlalchemy as sa

    from hostlane.models import Job, JobStatus

    async with runtime.db.reader() as session:
        job = await session.scalar(sa.select(Job).where(Job.name == "notifications.send"))
    assert job is not None and job.status is JobStatus.PENDING and job.attempts == 1
    assert "mail server" in (job.last_error or "")
