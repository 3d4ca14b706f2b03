"""Runs due jobs from the outbox: claims each with a conditional UPDATE (so two workers never run the
same job), runs its handler, and retries failures with exponential back-off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime
from hostlane.drivers.errors import RetryLater
from hostlane.jobs import registry
from hostlane.models import Job, JobStatus

if TYPE_CHECKING:
    from hostlane.runtime import Runtime

log = logging.getLogger("hostlane.jobs")
LEASE = timedelta(minutes=5)
BASE_DELAY = 30  # seconds before the first retry; doubled each time
MAX_DELAY = 3600


def backoff(attempt: int) -> int:
    return int(min(MAX_DELAY, BASE_DELAY * 2 ** max(0, attempt - 1)))


def _due_jobs(limit: int) -> sa.Select[Any]:
    now = sa.literal(clock.now(), UTCDateTime())
    earlier = aliased(Job)
    blocked = sa.exists().where(
        earlier.key == Job.key,
        earlier.id < Job.id,
        earlier.status.in_([JobStatus.PENDING, JobStatus.RUNNING]),
    )
    runnable = sa.or_(
        sa.and_(Job.status == JobStatus.PENDING, Job.run_after <= now),
        sa.and_(Job.status == JobStatus.RUNNING, Job.locked_until < now),  # its worker died
    )
    return sa.select(Job.id).where(runnable, sa.or_(Job.key.is_(None), ~blocked)).order_by(Job.id).limit(limit)


async def _claim(runtime: Runtime, job_id: int) -> Job | None:
    now = clock.now()
    async with runtime.db.transaction() as session:
        claimed = await session.execute(
            sa.update(Job)
            .where(
                Job.id == job_id,
                sa.or_(
                    sa.and_(Job.status == JobStatus.PENDING, Job.run_after <= now),
                    sa.and_(Job.status == JobStatus.RUNNING, Job.locked_until < now),
                ),
            )
            .values(status=JobStatus.RUNNING, locked_until=now + LEASE, attempts=Job.attempts + 1)
            .returning(Job.id)
        )
        if claimed.scalar_one_or_none() is None:
            return None  # another worker took it
        return await session.get(Job, job_id)


async def _finish(runtime: Runtime, job: Job, error: BaseException | None) -> None:
    now = clock.now()
    values: dict[str, object]
    if error is None:
        values = {"status": JobStatus.DONE, "finished_at": now, "locked_until": None, "last_error": None}
    elif job.attempts >= job.max_attempts:
        values = {
            "status": JobStatus.DEAD,
            "finished_at": now,
            "locked_until": None,
            "last_error": str(error)[:2000],
        }
        log.error("job %s %s failed for good after %d attempts: %s", job.id, job.name, job.attempts, error)
    else:
        delay = error.seconds if isinstance(error, RetryLater) else 0
        values = {
            "status": JobStatus.PENDING,
            "locked_until": None,
            "last_error": str(error)[:2000],
            "run_after": now + timedelta(seconds=max(delay, backoff(job.attempts))),
        }
    async with runtime.db.transaction() as session:
        await session.execute(sa.update(Job).where(Job.id == job.id).values(**values))


async def run_job(runtime: Runtime, job_id: int) -> bool:
    """Claim and run one job; False when it was not due or another worker had it."""
    job = await _claim(runtime, job_id)
    if job is None:
        return False
    handler = registry.get(job.name)
    error: BaseException | None = None
    if handler is None:
        error = LookupError(f"no handler for job {job.name!r}")
    else:
        try:
            await handler(runtime, job.payload, registry.Attempt(job.attempts, job.max_attempts))
        except Exception as exc:
            error = exc
            if not isinstance(exc, RetryLater):
                log.warning("job %s %s failed (attempt %d): %s", job.id, job.name, job.attempts, exc)
    await _finish(runtime, job, error)
    return True


async def run_due(runtime: Runtime, *, limit: int = 100) -> int:
    """Run the jobs due now (one pass, in order); return how many ran."""
    async with runtime.db.reader() as session:
        ids = (await session.scalars(_due_jobs(limit))).all()
    ran = 0
    for job_id in ids:
        ran += int(await run_job(runtime, int(job_id)))
    return ran


async def drain(runtime: Runtime, *, passes: int = 20) -> int:
    """Run due jobs until none are left due (jobs that became runnable when earlier ones finished too)."""
    total = 0
    for _ in range(passes):
        ran = await run_due(runtime)
        total += ran
        if not ran:
            break
    return total


async def work_forever(runtime: Runtime, *, poll_seconds: float = 1.0) -> None:
    """The in-process worker of the embedded default: poll the outbox until cancelled."""
    while True:
        try:
            if not await run_due(runtime):
                await asyncio.sleep(poll_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job runner pass failed")
            await asyncio.sleep(poll_seconds)


DailyJob = Callable[[Database], Awaitable[object]]


async def schedule_forever(runtime: Runtime, daily_job: DailyJob, *, every_seconds: float) -> None:
    """The embedded scheduler: ``daily_job`` (the daily billing run, ``hostlane.tasks.DAILY_JOB``, given by the
    entry point so the runner imports no domain) at start and then every ``every_seconds`` (it is idempotent,
    and a lock keeps two schedulers from running it at once)."""
    while True:
        try:
            await daily_job(runtime.db)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled billing run failed")
        await asyncio.sleep(every_seconds)
