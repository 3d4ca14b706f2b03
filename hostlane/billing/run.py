"""The daily billing run: under the billing lock (``lease``: one run at a time, freed when its holder dies),
renewal invoices, reminders, automatic charges, overdue suspension and termination, in that order.
Each step is in its own module (``renewals``, ``dunning``); every step is safe to run again. A run that
completes writes its report to the audit log (``billing.run``), where ``last_run`` reads the latest."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import dunning
from hostlane.billing import lease as scheduler_lease
from hostlane.billing.renewals import renew_due_services
from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.identity import audit
from hostlane.identity.principal import Principal

log = logging.getLogger("hostlane.billing")

__all__ = ["RUN_ACTION", "RunReport", "daily_run", "last_run", "renew_due_services"]

RUN_ACTION = "billing.run"
COUNTS = ("renewals", "reminders", "charges_queued", "suspended", "terminated")


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
    async with db.transaction() as session:
        audit.record(
            session,
            Principal.system(),
            RUN_ACTION,
            "billing_run",
            None,
            {"day": day, **{name: getattr(report, name) for name in COUNTS}},
        )
    log.info("billing run %s: %s", day, report)
    return report


async def last_run(session: AsyncSession) -> dict[str, Any] | None:
    """The last completed daily run: when it finished, the day it ran for, and its counts (``COUNTS``); None
    before the first. A run covers both modes, so this is the same in live and test mode."""
    entry = await audit.latest(session, RUN_ACTION)
    if entry is None:
        return None
    changes = entry.changes or {}
    return {
        "at": entry.at,
        "day": dt.date.fromisoformat(str(changes["day"])) if changes.get("day") else None,
        **{name: int(changes.get(name) or 0) for name in COUNTS},
    }
