"""Health, licence and statistics of this Hostlane instance."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

import hostlane
from hostlane.catalog import service as catalog
from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.customers import service as customers
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.services import service as services

LICENCE = "AGPL-3.0-or-later"


async def health(db: Database) -> tuple[bool, dict[str, Any]]:
    """Whether this instance can serve, and the figures that say so (the database round trip)."""
    started = time.perf_counter()
    try:
        async with db.reader() as session:
            await session.execute(sa.text("SELECT 1"))
        database = {
            "status": "ok",
            "backend": db.dialect_name,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        ok = True
    except (SQLAlchemyError, OSError):
        database = {"status": "error", "backend": db.dialect_name}
        ok = False
    return ok, {
        "status": "ok" if ok else "error",
        "version": hostlane.__version__,
        "time": clock.now().isoformat(),
        "database": database,
    }


def licence(host: str) -> dict[str, Any]:
    """Hostlane's own licence: free software, so no expiry, client limit or remote check."""
    return {
        "type": "open-source",
        "name": "Hostlane",
        "version": hostlane.__version__,
        "license": LICENCE,
        "expire": None,
        "clients": None,
        "max": None,
        "domain": host,
        "domains": [],
        "lastchecked": None,
        "nextCheck": None,
        "server": None,
        "data": [],
        "extensions": {},
    }


async def statistics(db: Database, principal: Principal) -> dict[str, Any]:
    """Figures of the principal's mode (live or test); each domain adds its own as it arrives."""
    async with db.reader() as session:
        customer_counts = await customers.counts(session, principal)
        service_counts = await services.counts(session, principal)
        return {
            "livemode": principal.livemode,
            "customers": {"total": sum(customer_counts.values()), "by_status": customer_counts},
            "services": {"total": sum(service_counts.values()), "by_status": service_counts},
            **await catalog.counts(session, principal),
            **await identity.counts(session, livemode=principal.livemode),
        }
