"""Jobs of the services domain."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hostlane.jobs.registry import Attempt, handler
from hostlane.services import service as services

if TYPE_CHECKING:
    from hostlane.runtime import Runtime


@handler(services.DELIVER_JOB)
async def deliver(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Call the product's module for one transition, outside any transaction, and record the outcome.

    Safe to run twice: modules treat a repeated call as already done.
    """
    service_id, action, seq = int(payload["service_id"]), str(payload["action"]), int(payload["seq"])
    async with runtime.db.reader() as session:
        found = await services.delivery_context(session, service_id)
    if found is None:
        return  # the service was deleted since
    module_name, found_context, _ = found
    context = replace(found_context, database=runtime.db)  # for modules that provision inside Hostlane
    module = runtime.drivers(context.livemode).module(module_name)  # test mode: the simulator
    try:
        if module is None:
            raise LookupError(f"the product's provisioning module '{module_name}' is not installed")
        result = await getattr(module, action)(context)
    except Exception as exc:
        async with runtime.db.transaction() as session:
            await services.record_delivery(
                session, service_id, seq, action=action, error=str(exc), final=attempt.is_last
            )
        raise
    async with runtime.db.transaction() as session:
        await services.record_delivery(
            session,
            service_id,
            seq,
            action=action,
            error=None,
            final=True,
            data=result if isinstance(result, dict) else None,
        )
