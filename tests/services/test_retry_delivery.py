"""Retrying a module call that failed after its last retry (staff's "retry" on a service)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hostlane.core import clock
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain, run_due
from hostlane.models import ServiceStatus
from hostlane.runtime import Runtime
from hostlane.services import service as services
from hostlane.services.errors import NothingToRetry
from tests.fixtures.factories import make_service

SYSTEM = Principal.system()


async def test_a_failed_call_is_asked_again_and_succeeds(runtime: Runtime, simulator: SimulatorModule) -> None:
    service_id = await make_service(runtime)
    simulator.state.broken = True
    async with runtime.db.transaction() as session:
        await services.transition(session, SYSTEM, service_id, ServiceStatus.SUSPENDED, reason="abuse")
    start = clock.now()
    for hour in range(1, 8):
        with clock.frozen_at(start + timedelta(hours=hour)):
            await run_due(runtime)
    simulator.state.broken = False
    async with runtime.db.transaction() as session:
        retried = await services.retry_delivery(session, SYSTEM, service_id)
    assert retried["delivery_status"] == "pending" and retried["delivery_attempts"] == 0
    assert await drain(runtime) == 1
    async with runtime.db.reader() as session:
        done = await services.get_service(session, SYSTEM, service_id)
        kinds = [event["kind"] for event in await services.history(session, SYSTEM, service_id)]
    assert done["delivery_status"] == "done" and done["delivery_errors"] is None
    assert simulator.state.machines[service_id] == "suspended"
    assert kinds[-3:] == ["delivery.suspend.failed", "delivery.suspend.retry", "delivery.suspend.done"]


async def test_only_a_failed_call_can_be_retried(runtime: Runtime) -> None:
    service_id = await make_service(runtime)  # its create call is done
    with pytest.raises(NothingToRetry):
        async with runtime.db.transaction() as session:
            await services.retry_delivery(session, SYSTEM, service_id)
