"""The daily billing run: under the billing lock (``lease``: one run at a time, freed when its holder dies),
renewal invoices, reminders, automatic charges, overdue suspension and termination, in that order.
Each step is in its own module (``renewals``, ``dunning``); every step is safe to run again."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from hostlane.billing import dunning
from hostlane.billing import lease as scheduler_lease
from hostlane.billing.renewals import renew_due_services
from hostlane.core import clock
from hostlane.core.db import Database

log = logging.getLogger("hostlane.billing")

__all__ = ["RunReport", "daily_run", "renew_due_services"]


@dataclass
class RunReport:
    day: dt.date
    renewals: int = 0
    reminders: int = 0
    charges_queued: int = 0
    suspended: int = 0
    terminated: int = 0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


async def daily_run(db: Database, *, day: dt.date | None = None, lease: timedelta = scheduler_lease.LEASE) -> RunReport:
    """Run every step for ``day`` (default: today). Safe to run again, and refused while another run lives;
    ``lease`` is how long the lock outlives a holder that stops renewing it (SQLite)."""
    day = day or clock.today()
    report = RunReport(day)
    async with scheduler_lease.held(db, lease=lease) as won:
        if not won:
            holder = await scheduler_lease.holder(db)
            report.skipped = True
            report.notes.append("another billing run holds the lock" + (f" ({holder})" if holder else ""))
            return report
        report.renewals = await renew_due_services(db, day)
        report.reminders = await dunning.send_reminders(db, day)
        report.charges_queued = await dunning.queue_automatic_charges(db, day)
        report.suspended = await dunning.suspend_overdue_services(db, day)
        report.terminated = await dunning.terminate_overdue_services(db, day)
    log.info("billing run %s: %s", day, report)
    return report
