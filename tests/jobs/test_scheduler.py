"""The embedded scheduler runs the daily job the entry point gives it (the runner imports no domain)."""

from __future__ import annotations

import asyncio
import contextlib

import hostlane.tasks
from hostlane.core.db import Database
from hostlane.jobs.runner import schedule_forever
from hostlane.runtime import Runtime
from hostlane.tasks.daily import daily_job


def test_the_entry_points_daily_job_records_usage_then_runs_billing() -> None:
    assert hostlane.tasks.DAILY_JOB is daily_job


async def test_the_scheduler_runs_the_given_job_at_start_and_survives_its_failure(runtime: Runtime) -> None:
    seen: list[Database] = []

    async def failing_job(db: Database) -> None:
        seen.append(db)
        raise RuntimeError("the run failed")

    task = asyncio.create_task(schedule_forever(runtime, failing_job, every_seconds=0.01))
    try:
        for _ in range(200):
            if len(seen) >= 2:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(seen) >= 2 and all(db is runtime.db for db in seen)
