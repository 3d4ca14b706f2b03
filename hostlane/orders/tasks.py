"""Jobs of the orders domain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hostlane.billing.service import PAID_JOB
from hostlane.jobs.registry import Attempt, handler
from hostlane.orders import service as orders

if TYPE_CHECKING:
    from hostlane.runtime import Runtime


@handler(PAID_JOB)
async def invoice_paid(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    async with runtime.db.transaction() as session:
        await orders.invoice_paid(session, int(payload["invoice_id"]))
