"""The scheduler lease: one row per named run, held until a time, so two schedulers (or two machines)
never run the daily billing at once, and a crashed holder's lease simply runs out."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import sqlalchemy as sa

from hostlane.core import clock
from hostlane.core.db import Database, UTCDateTime, insert_for
from hostlane.models import SchedulerLock

LOCK_NAME = "billing.daily_run"


async def acquire(db: Database, holder: str, lease: timedelta) -> bool:
    """Take the lease for ``holder`` unless someone else holds one that has not run out."""
    now = clock.now()
    table = cast(sa.Table, SchedulerLock.__table__)
    insert = insert_for(db.dialect_name, table).values(name=LOCK_NAME, holder=holder, locked_until=now + lease)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"holder": holder, "locked_until": now + lease},
        where=table.c.locked_until < sa.literal(now, UTCDateTime()),
    ).returning(table.c.holder)
    async with db.transaction() as session:
        won = (await session.execute(statement)).scalar_one_or_none()
    return bool(won == holder)


async def release(db: Database, holder: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            sa.delete(SchedulerLock).where(SchedulerLock.name == LOCK_NAME, SchedulerLock.holder == holder)
        )
