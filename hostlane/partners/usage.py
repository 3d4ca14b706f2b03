"""Cloud usage of the partners' CMS instances: recorded once per instance and calendar month from what the
instance's provisioning module reports (``cms_instance.usage``), read by month through the partner API, and billed
by the daily run's renewals (``billing.renewals``: the metered displays, once per month).

Recording runs with the daily job (``tasks.daily``) for the month just ended, every day: an instance whose module
could not answer (a transient failure) is asked again the next day; one already recorded is not asked again, and
a (service, month) is recorded once whoever races (``uq_partner_usage_service_month``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.core.errors import ValidationFailed
from hostlane.drivers import modes
from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.provisioning import ServiceContext
from hostlane.drivers.provisioning.cms_instance import NAME as CMS_MODULE
from hostlane.drivers.provisioning.cms_instance import MonthUsage
from hostlane.identity.principal import Principal
from hostlane.models import ServiceStatus
from hostlane.partners import repository as repo
from hostlane.services import cycles
from hostlane.services import service as services

log = logging.getLogger("hostlane.partners")

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# An instance that lived in a month and may still be asked about it.
RECORDED_STATUSES = frozenset({ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED})


def parse_month(value: str | None) -> dt.date:
    """``YYYY-MM`` as the month's first day; anything else is refused, naming ``month``."""
    found = MONTH.match(value or "")
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        raise ValidationFailed.field("month", "The month must be YYYY-MM, e.g. 2026-12.")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def month_before(day: dt.date) -> dt.date:
    """The first day of the calendar month before ``day``'s."""
    return cycles.add_months(day.replace(day=1), -1)


async def record_month(db: Database, month: dt.date) -> int:
    """Record every live and test CMS instance's usage of ``month`` (its first day) that is not recorded yet, as
    its module reports it; how many were recorded. Safe to run again and alongside itself."""
    month_end = datetime.combine(cycles.add_months(month, 1), time.min, tzinfo=UTC)
    recorded = 0
    for livemode in (True, False):
        module = modes.module_for(CMS_MODULE, livemode=livemode)
        ask = getattr(module, "usage", None)
        if ask is None:
            continue
        async with db.reader() as session:
            rows = [
                row
                for row in await services.of_module(session, Principal.system(livemode=livemode), CMS_MODULE)
                if ServiceStatus(row["status"]) in RECORDED_STATUSES and row["created_at"] < month_end
            ]
            done = await repo.recorded_services(session, [row["id"] for row in rows], month)
        new: list[dict[str, Any]] = []
        for row in rows:
            if row["id"] in done:
                continue
            context = ServiceContext(
                service_id=row["id"],
                customer_id=row["customer_id"],
                product_id=row["product_id"],
                livemode=livemode,
                config={},
                data=dict(row["data"] or {}),
            )
            try:
                reported = await ask(context, month)
            except (RetryLater, DriverError) as exc:  # asked again by the next day's run
                log.warning("usage of service %s for %s not recorded: %s", row["id"], month, exc)
                continue
            if not isinstance(reported, MonthUsage):
                continue  # the system has no such instance (any more)
            new.append(
                {
                    "livemode": livemode,
                    "customer_id": row["customer_id"],
                    "service_id": row["id"],
                    "month": month,
                    "displays": reported.displays,
                    "storage_bytes": reported.storage_bytes,
                    "bandwidth_bytes": reported.bandwidth_bytes,
                    "recorded_at": clock.now(),
                }
            )
        async with db.transaction() as session:
            recorded += await repo.record_usage(session, new)
    return recorded


async def record_month_just_ended(db: Database, day: dt.date) -> int:
    """The daily job's step: record the usage of the month before ``day``'s."""
    return await record_month(db, month_before(day))


async def of_month(session: AsyncSession, principal: Principal, month: dt.date) -> list[dict[str, Any]]:
    """The usage recorded for ``month`` of the CMS instances ``principal`` sees (a partner: its own, in its
    environment), by instance: each usage row with ``instance_name``."""
    rows = await repo.usage_of_month(session, principal, month)
    if not rows:
        return []
    names = {row["id"]: row["name"] for row in await services.of_module(session, principal, CMS_MODULE)}
    return [{**row, "instance_name": names.get(row["service_id"])} for row in rows if row["service_id"] in names]
