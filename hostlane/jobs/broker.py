"""Jobs at scale: the outbox relayed to Dramatiq on Redis, run by any number of ``hostlane worker``s.

The ``jobs`` table stays the source of truth (written in the transaction of the change, so nothing is
lost if Redis is down). The relay sends the ids of due jobs to Dramatiq; a worker thread claims the
job in the database before running it, so a job relayed twice, or picked up by two workers, runs once.
Without ``HOSTLANE_REDIS_URL`` none of this is used: jobs run in-process (``runner.work_forever``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from hostlane.jobs import runner

if TYPE_CHECKING:
    from hostlane.runtime import Runtime

log = logging.getLogger("hostlane.jobs")
QUEUE = "hostlane"
_local = threading.local()
_runtime_factory: Any = None


def configure(redis_url: str, runtime_factory: Any, *, namespace: str = "hostlane-dramatiq") -> RedisBroker:
    """Point Dramatiq at Redis; ``runtime_factory`` builds one Runtime per worker thread."""
    global _runtime_factory
    broker = RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
    dramatiq.set_broker(broker)
    run_outbox_job.broker = broker  # the actor was made at import, against Dramatiq's default broker
    broker.declare_actor(run_outbox_job)
    _runtime_factory = runtime_factory
    return broker


def _thread_loop() -> tuple[asyncio.AbstractEventLoop, Runtime]:
    """Each worker thread keeps one event loop and one Runtime (its own connection pool)."""
    if not hasattr(_local, "loop"):
        _local.loop = asyncio.new_event_loop()
        _local.runtime = _runtime_factory()
    return _local.loop, _local.runtime


@dramatiq.actor(queue_name=QUEUE, max_retries=0, actor_name="hostlane.run_outbox_job")
def run_outbox_job(job_id: int) -> None:
    """Run one outbox job; retries and back-off are the outbox's (``runner``), not Dramatiq's."""
    loop, runtime = _thread_loop()
    loop.run_until_complete(runner.run_job(runtime, job_id))


async def relay_due(runtime: Runtime, *, limit: int = 500) -> int:
    """Send the ids of the jobs due now to Dramatiq; return how many were sent."""
    async with runtime.db.reader() as session:
        ids = (await session.scalars(runner._due_jobs(limit))).all()
    for job_id in ids:
        run_outbox_job.send(int(job_id))
    return len(ids)


async def relay_forever(runtime: Runtime, *, poll_seconds: float = 1.0) -> None:
    while True:
        try:
            if not await relay_due(runtime):
                await asyncio.sleep(poll_seconds)
            else:
                await asyncio.sleep(0.2)  # let workers claim what was sent before looking again
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox relay pass failed")
            await asyncio.sleep(poll_seconds)
