"""The daily job: the partner programme records its CMS instances' usage of the month just ended, then billing's
daily run bills it with the renewals (``billing.run``), then the services whose cancellation at the end of the
period has come are cancelled (and terminated on their modules), then the lists' maintained counts are compacted
(``core.counts``). Every step is safe to run again."""

from __future__ import annotations

import datetime as dt

from hostlane.billing.run import RunReport, daily_run
from hostlane.core import clock, counts
from hostlane.core.db import Database
from hostlane.partners import usage
from hostlane.services import cancellations


async def daily_job(db: Database, *, day: dt.date | None = None) -> RunReport:
    """Record last month's usage (each instance once), the billing run for ``day`` (default: today), then the
    cancellations due by now."""
    day = day or clock.today()
    await usage.record_month_just_ended(db, day)
    report = await daily_run(db, day=day)
    # Renewals skip these services already (their ``cancel_at``); here the period they paid for ends.
    await cancellations.cancel_due_services(db)
    async with db.transaction() as session:
        await counts.compact(session)
    return report
