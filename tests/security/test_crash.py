"""The daily billing run killed (SIGKILL) at several points over 10,000 due services, then run again at
once: the dead run's lock does not refuse the re-run, and every service is invoiced exactly once.

The runs are real ``hostlane billing run`` processes on the test database (``billing_process``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import random
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.billing_run import DUE, fill  # the benchmark's bulk writer of due services
from hostlane.billing import lease
from hostlane.billing.run import daily_run
from hostlane.config import Settings
from hostlane.core import clock
from hostlane.models import Invoice, InvoiceItem, Service
from hostlane.runtime import Runtime
from tests.security.billing_process import CONTEXT, run_command

ROOT = Path(__file__).resolve().parents[2]
SERVICES = 10_000
RUN_DAY = dt.date(2027, 2, 20)  # DUE is inside the renewal window: every service is invoiced on this day
NEXT_DUE = dt.date(2027, 4, 1)


def _environment(settings: Settings) -> dict[str, str]:
    """This environment without any HOSTLANE_ setting, then the test database's, importing this tree."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOSTLANE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["HOSTLANE_DATABASE_URL"] = settings.database_url
    if settings.database_schema:
        env["HOSTLANE_DATABASE_SCHEMA"] = settings.database_schema
    env["HOSTLANE_SECRET_KEY"] = settings.secret_key
    env["HOSTLANE_INPROCESS_JOBS"] = "false"  # the invoice e-mails stay queued: this is about the run
    return env


@dataclass
class BillingRun:
    """A ``hostlane billing run`` process (``billing_process``) and what it printed."""

    process: BaseProcess
    output: Path

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        if self.process.pid is not None and self.alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join()

    def printed(self) -> str:
        """What the run printed, once it has ended."""
        self.process.join()
        return self.output.read_text()


def _billing_run(settings: Settings, tmp_path: Path) -> BillingRun:
    """Start the run."""
    output = tmp_path / f"run-{next(_RUNS)}.txt"
    args = ["billing", "run", "--date", RUN_DAY.isoformat()]
    process = CONTEXT.Process(target=run_command, args=(args, _environment(settings), str(output)))
    process.start()
    return BillingRun(process, output)


_RUNS = itertools.count(1)


async def _invoices(runtime: Runtime) -> int:
    async with runtime.db.reader() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(Invoice)) or 0)


async def _until(run: BillingRun, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``condition`` holds, while the run is still running (it must not have finished)."""
    deadline = asyncio.get_running_loop().time() + 60
    while not await condition():
        assert run.alive(), f"the run ended before the kill point: {run.printed()}"
        assert asyncio.get_running_loop().time() < deadline, "the kill point was never reached"
        await asyncio.sleep(0.01)


async def _kill_when_locked(runtime: Runtime, run: BillingRun) -> None:
    async def locked() -> bool:
        return await lease.holder(runtime.db) is not None

    await _until(run, locked)


async def _kill_after_first_batch(runtime: Runtime, run: BillingRun) -> None:
    async def some_invoiced() -> bool:
        return await _invoices(runtime) > 0

    await _until(run, some_invoiced)


async def _kill_at_random(runtime: Runtime, run: BillingRun) -> None:
    """Any moment between the lock taken and a little after the first batch (the run then still works)."""
    await _kill_when_locked(runtime, run)
    await asyncio.sleep(random.uniform(0, 0.5))


KILL_POINTS = {
    "holding-the-lock": _kill_when_locked,
    "after-the-first-batch": _kill_after_first_batch,
    "at-random": _kill_at_random,
}


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
async def test_a_killed_run_is_completed_by_a_run_started_at_once(
    runtime: Runtime, settings: Settings, tmp_path: Path, kill_point: str
) -> None:
    await fill(runtime.db, SERVICES)
    killed = _billing_run(settings, tmp_path)
    try:
        await KILL_POINTS[kill_point](runtime, killed)
        assert killed.alive(), "the run ended by itself: nothing was killed"
    finally:
        killed.kill()
    assert killed.process.exitcode == -signal.SIGKILL
    before = await _invoices(runtime)
    assert before < SERVICES  # killed mid-way: some services are not invoiced yet

    again = await asyncio.to_thread(_billing_run(settings, tmp_path).printed)  # at once
    assert "Skipped" not in again, again
    assert f"Billing run for {RUN_DAY}: {SERVICES - before} renewal invoice(s)" in again, again

    async with runtime.db.reader() as session:
        per_service = (
            await session.execute(
                sa.select(InvoiceItem.service_id, sa.func.count())
                .where(InvoiceItem.period_start == DUE)
                .group_by(InvoiceItem.service_id)
            )
        ).all()
        numbers = (await session.scalars(sa.select(Invoice.number))).all()
        next_due = dict(
            (
                await session.execute(sa.select(Service.next_due_date, sa.func.count()).group_by(Service.next_due_date))
            ).all()
        )
    assert len(per_service) == SERVICES and {count for _, count in per_service} == {1}
    assert len(numbers) == len(set(numbers)) == SERVICES
    assert next_due == {NEXT_DUE: SERVICES}


async def test_a_live_run_refuses_a_second_one(runtime: Runtime, settings: Settings, tmp_path: Path) -> None:
    """A run whose holder is alive (this process) is never joined: the command says it skipped."""
    await fill(runtime.db, 10)
    async with lease.held(runtime.db) as won:
        assert won
        out = await asyncio.to_thread(_billing_run(settings, tmp_path).printed)
        assert out.startswith("Skipped: another billing run holds the lock"), out
        assert await _invoices(runtime) == 0
    assert await lease.holder(runtime.db) is None
    with clock.frozen_at(dt.datetime.combine(RUN_DAY, dt.time(3))):
        assert (await daily_run(runtime.db, day=RUN_DAY)).renewals == 10  # released: the next run runs
