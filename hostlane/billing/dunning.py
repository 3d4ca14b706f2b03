"""Dunning: reminders of unpaid invoices, automatic charges of due ones, and the suspension, then
termination, of services whose invoices stay unpaid."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from hostlane.billing import repository as repo
from hostlane.config import get_settings
from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.models import ServiceStatus
from hostlane.notifications import service as notifications
from hostlane.services import service as services

TRANSITION_BATCH = 200
CHARGE_JOB = "billing.charge_invoice"
MAILS = {ServiceStatus.SUSPENDED: "service_suspended", ServiceStatus.TERMINATED: "service_terminated"}


async def send_reminders(db: Database, day: dt.date) -> int:
    """One reminder per unpaid invoice, the given number of days after it was due."""
    days = get_settings().reminder_days_after_due
    async with db.transaction() as session:
        rows = await repo.mark_reminded(session, day - timedelta(days=days), clock.now())
        for mode in {livemode for _, livemode in rows}:
            chosen = [invoice_id for invoice_id, livemode in rows if livemode is mode]
            notifications.queue_many(session, "invoice_reminder", livemode=mode, invoice_ids=chosen)
    return len(rows)


async def queue_automatic_charges(db: Database, day: dt.date) -> int:
    """One charge job per unpaid, due invoice whose customer saved a payment method (none while one waits)."""
    async with db.transaction() as session:
        ids = await repo.due_for_automatic_charge(session, day)
        for invoice_id in ids:
            outbox.enqueue(session, CHARGE_JOB, {"invoice_id": invoice_id}, key=f"invoice:{invoice_id}", max_attempts=3)
    return len(ids)


async def _overdue_service_ids(
    db: Database, status: ServiceStatus, before: dt.date, reason: str | None
) -> dict[bool, list[int]]:
    async with db.reader() as session:
        return await services.ids_in_status_among(session, status, repo.services_owing_before(before), reason=reason)


async def _transition_all(
    db: Database,
    by_mode: dict[bool, list[int]],
    *,
    source: ServiceStatus,
    target: ServiceStatus,
    reason: str | None,
    before: dt.date,
) -> int:
    """Move each listed service from ``source`` to ``target`` — after locking it and checking again that
    it is still in ``source`` and still owes an invoice due before ``before`` (it may have been paid, or
    changed by staff, since the list was read)."""
    done = 0
    for livemode, ids in by_mode.items():
        system = Principal.system(livemode=livemode)
        for start in range(0, len(ids), TRANSITION_BATCH):
            async with db.transaction() as session:
                for service_id in ids[start : start + TRANSITION_BATCH]:
                    if await services.status_of(session, service_id) is not source:
                        continue
                    if not await repo.overdue_unpaid_for_service(session, service_id, before):
                        continue
                    if source is ServiceStatus.SUSPENDED and not await services.suspended_for_overdue(
                        session, service_id
                    ):
                        continue
                    await services.transition(session, system, service_id, target, reason=reason)
                    notifications.queue(session, MAILS[target], livemode=livemode, service_id=service_id)
                    done += 1
    return done


async def suspend_overdue_services(db: Database, day: dt.date) -> int:
    days = get_settings().suspend_days_after_due
    before = day - timedelta(days=days - 1)
    overdue = await _overdue_service_ids(db, ServiceStatus.ACTIVE, before, None)
    return await _transition_all(
        db,
        overdue,
        source=ServiceStatus.ACTIVE,
        target=ServiceStatus.SUSPENDED,
        reason=services.OVERDUE_REASON,
        before=before,
    )


async def terminate_overdue_services(db: Database, day: dt.date) -> int:
    days = get_settings().terminate_days_after_due
    before = day - timedelta(days=days - 1)
    overdue = await _overdue_service_ids(db, ServiceStatus.SUSPENDED, before, services.OVERDUE_REASON)
    return await _transition_all(
        db,
        overdue,
        source=ServiceStatus.SUSPENDED,
        target=ServiceStatus.TERMINATED,
        reason="Overdue: terminated",
        before=before,
    )
