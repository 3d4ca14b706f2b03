"""Writing work to do: a row in the ``jobs`` table, in the transaction of the change that causes it,
so a crash or a broker outage loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.db import bulk_insert
from hostlane.models import Job, JobStatus


def enqueue(
    session: AsyncSession,
    name: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 6,
) -> Job:
    """Queue job ``name`` (``domain.event``) with ids in ``payload``; jobs sharing ``key`` run in order."""
    job = Job(name=name, payload=payload, key=key, run_after=run_after or clock.now(), max_attempts=max_attempts)
    session.add(job)
    return job


async def enqueue_many(
    session: AsyncSession, name: str, payloads: list[dict[str, Any]], *, max_attempts: int = 6
) -> None:
    """Queue many jobs of one kind at once (the billing run's mail)."""
    now = clock.now()
    rows = [
        {
            "name": name,
            "payload": payload,
            "key": None,
            "run_after": now,
            "max_attempts": max_attempts,
            "status": JobStatus.PENDING,
            "attempts": 0,
            "created_at": now,
        }
        for payload in payloads
    ]
    await bulk_insert(session, cast(sa.Table, Job.__table__), rows)
