"""The daily run's lock: one billing run at a time (two schedulers, two machines, a scheduler and an operator's
``hostlane billing run``), held by a lock that dies with its holder, so a run killed mid-way never blocks
the next one.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its own, held for
  the whole run. The server releases it the moment that connection ends, however the process ended.
- SQLite (one machine, one file): a row of ``scheduler_locks`` leased for ``LEASE`` (30 s) and renewed by a
  heartbeat while the run works. A holder on this machine that is no longer running is taken over at once;
  any other holder that stopped renewing loses the lease when it runs out.

If the run loses its lock (the lock's connection died, or the lease was taken over after the heartbeat
stalled), the heartbeat stops the run with ``LeaseLost``: every step commits in batches and is safe to run
again, so the next run completes the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime, insert_for
from hostlane.core.errors import HostlaneError
from hostlane.models import SchedulerLock

log = logging.getLogger("hostlane.billing")

LOCK_NAME = "billing.daily_run"
LEASE = timedelta(seconds=30)
"""SQLite: how long a lease lasts unless renewed; the heartbeat renews it every third of that."""
HEARTBEAT = 10.0
"""PostgreSQL: seconds between two checks that the lock's connection is alive."""

# The advisory lock's 64-bit key: the lock's name within the connection's schema, so that runs on two schemas
# of one database (tenants, or the test suite's workers) do not exclude each other.
_KEY = sa.text("SELECT ('x' || substr(md5(current_schema() || '/' || :name), 1, 16))::bit(64)::bigint")
_HOLDER = sa.text(
    "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND l.classid::text::bigint = :high AND l.objid::text::bigint = :low"  # the key's two halves, as oids
)


class LeaseLost(HostlaneError):
    code = "lease_lost"
    message = "The billing run lost its lock and stopped; the next run completes the work."


def _this_machine() -> str:
    """Where process ids mean the same thing as here: the host name and, on Linux, the pid namespace."""
    host = socket.gethostname()[:32]
    with contextlib.suppress(OSError):
        return f"{host}/{os.stat('/proc/self/ns/pid').st_ino}"
    return host


def new_holder() -> str:
    """A name for one run: this machine, this process, and a token telling two runs of one process apart."""
    return f"{_this_machine()}:{os.getpid()}:{secrets.token_hex(3)}"


def _has_died(holder: str) -> bool:
    """Whether ``holder`` names a process of this machine that is no longer running (a crashed run)."""
    machine, _, _token = holder.rpartition(":")
    machine, _, pid = machine.rpartition(":")
    if machine != _this_machine() or not pid.isdigit():
        return False  # another machine (or an older name): only its lease running out tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, under another user
    return False


@contextlib.asynccontextmanager
async def held(
    db: Database, holder: str | None = None, *, lease: timedelta = LEASE, heartbeat: float | None = None
) -> AsyncIterator[bool]:
    """Hold the billing run's lock for the block: yields ``False`` at once (holding nothing) when a live run
    holds it. While the block runs, a heartbeat keeps the lock (``heartbeat`` seconds apart: a third of
    ``lease`` on SQLite, ``HEARTBEAT`` on PostgreSQL); if the lock is lost the block is cancelled and
    ``LeaseLost`` raised."""
    holder = holder or new_holder()
    if db.dialect_name == "postgresql":
        async with _advisory_lock(db, holder) as keep:
            if keep is None:
                yield False
                return
            async with _kept(keep, heartbeat or HEARTBEAT, holder):
                yield True
        return
    if not await acquire(db, holder, lease):
        yield False
        return
    try:

        async def renewed() -> bool:
            return await renew(db, holder, lease)

        async with _kept(renewed, heartbeat or lease.total_seconds() / 3, holder):
            yield True
    finally:
        await release(db, holder)


@contextlib.asynccontextmanager
async def _kept(keep: Callable[[], Awaitable[bool]], every: float, holder: str) -> AsyncIterator[None]:
    """Run the block while a heartbeat calls ``keep`` every ``every`` seconds; when it answers ``False`` (or
    fails), cancel the block and raise ``LeaseLost``."""
    task = asyncio.current_task()
    assert task is not None
    lost = False
    finished = False

    async def beat() -> None:
        nonlocal lost
        while True:
            await asyncio.sleep(every)
            try:
                still_held = await keep()
            except Exception:
                log.exception("billing run %s: the lock's heartbeat failed", holder)
                still_held = False
            if not still_held and not finished:
                log.error("billing run %s: lost the lock; stopping", holder)
                lost = True
                task.cancel()
                return

    heart = asyncio.create_task(beat(), name=f"billing lock heartbeat {holder}")
    try:
        yield
    except asyncio.CancelledError:
        if lost and task.uncancel() == 0:
            raise LeaseLost(holder=holder) from None
        raise
    finally:
        finished = True
        heart.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heart


@contextlib.asynccontextmanager
async def _advisory_lock(db: Database, holder: str) -> AsyncIterator[Callable[[], Awaitable[bool]] | None]:
    """PostgreSQL: the advisory lock on a connection of its own, named ``holder`` (its ``application_name``).
    Yields the heartbeat's check, or ``None`` when another session holds the lock."""
    connection = await db.engine.connect()
    try:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        key = int((await connection.execute(_KEY, {"name": LOCK_NAME})).scalar_one())
        if not (await connection.execute(sa.select(sa.func.pg_try_advisory_lock(key)))).scalar_one():
            yield None
            return
        await connection.execute(sa.select(sa.func.set_config("application_name", holder, False)))

        async def alive() -> bool:
            return bool((await connection.execute(sa.text("SELECT 1"))).scalar_one() == 1)

        try:
            yield alive
        finally:
            # Released now, not when the server notices the connection close; a dead connection holds nothing.
            with contextlib.suppress(Exception):
                await connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
    finally:
        # Never back to the pool: a connection holding the lock (or named after it) ends here.
        await _discard(connection)


async def _discard(connection: AsyncConnection) -> None:
    with contextlib.suppress(Exception):
        await connection.invalidate()
    await connection.close()


async def holder(db: Database) -> str | None:
    """Who holds the lock now (``None``: nobody; a dead SQLite holder's lease counts as free)."""
    if db.dialect_name == "postgresql":
        async with db.engine.connect() as connection:
            key = int((await connection.execute(_KEY, {"name": LOCK_NAME})).scalar_one())
            row = (
                await connection.execute(_HOLDER, {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF})
            ).first()
        return None if row is None else str(row[0] or f"database session {row[1]}")
    async with db.reader() as session:
        name = await session.scalar(
            sa.select(SchedulerLock.holder).where(
                SchedulerLock.name == LOCK_NAME, SchedulerLock.locked_until > sa.literal(clock.now(), UTCDateTime())
            )
        )
    return None if name is None or _has_died(name) else name


# The lease table (SQLite; any database without advisory locks).


async def acquire(db: Database, holder: str, lease: timedelta = LEASE) -> bool:
    """Lease the lock to ``holder`` for ``lease`` unless another holder's lease runs and it is alive."""
    now = clock.now()
    table = cast(sa.Table, SchedulerLock.__table__)
    async with db.reader() as session:
        current = await session.scalar(sa.select(table.c.holder).where(table.c.name == LOCK_NAME))
    free = table.c.locked_until < sa.literal(now, UTCDateTime())
    if current is not None and current != holder and _has_died(current):
        log.warning("billing run %s: taking over the lock of %s, which is no longer running", holder, current)
        free = sa.or_(free, table.c.holder == current)  # only if it still names the dead run
    insert = insert_for(db.dialect_name, table).values(name=LOCK_NAME, holder=holder, locked_until=now + lease)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.name], set_={"holder": holder, "locked_until": now + lease}, where=free
    ).returning(table.c.holder)
    async with db.transaction() as session:
        won = (await session.execute(statement)).scalar_one_or_none()
    return bool(won == holder)


async def renew(db: Database, holder: str, lease: timedelta = LEASE) -> bool:
    """Extend ``holder``'s lease by ``lease`` from now; ``False`` if the lock is no longer ``holder``'s."""
    statement = (
        sa.update(SchedulerLock)
        .where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == holder)
        .values(locked_until=clock.now() + lease)
    )
    async with db.transaction() as session:
        result = await session.execute(statement)
    return bool(cast(sa.CursorResult[object], result).rowcount == 1)


async def release(db: Database, holder: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            sa.delete(SchedulerLock).where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == holder)
        )
