"""The daily job: the partner programme records its CMS instances' usage of the month just ended, then billing's
daily run bills it with the renewals (``billing.run``), then the lists' maintained counts are compacted
(``core.counts``). Every step is safe to run again."""

from __future__ import annotations

import datetime as dt

from hostlane.billing.run import RunReport, daily_run
from hostlane.core import clock, counts
from hostlane.core.db import Database
from hostlane.partners import usage


async def daily_job(db: Database, *, day: dt.date | None = None) -> RunReport:
    """Record last month's usage (each instance once), then the billing run for ``day`` (default: today)."""
    day = day or clock.today()
    await usage.record_month_just_ended(db, day)
    report = await daily_run(db, day=day)
    async with db.transaction() as session:
        await counts.compact(session)
    return report
