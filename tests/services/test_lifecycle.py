"""The service state machine and its provisioning through modules, with the real job runner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hostlane.core import clock
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain, run_due
from hostlane.models import Job, JobStatus, ServiceEvent, ServiceStatus
from hostlane.runtime import Runtime
from hostlane.services import service as services
from hostlane.services.errors import IllegalTransition, ServiceNotFound
from tests.fixtures.factories import make_service

SYSTEM = Principal.system()


async def _transition(runtime: Runtime, service_id: int, target: ServiceStatus, **kw: object) -> None:
    async with runtime.db.transaction() as session:
        await services.transition(session, SYSTEM, service_id, target, **kw)  # type: ignore[arg-type]


async def _get(runtime: Runtime, service_id: int) -> dict[str, object]:
    async with runtime.db.reader() as session:
        return await services.get_service(session, SYSTEM, service_id)


async def test_activation_creates_the_service_on_the_module(runtime: Runtime, simulator: SimulatorModule) -> None:
    service_id = await make_service(runtime, status="pending")
    await _transition(runtime, service_id, ServiceStatus.ACTIVE)
    pending = await _get(runtime, service_id)
    assert pending["status"] == "active" and pending["delivery_status"] == "pending"
    assert simulator.state.calls["create"] == 0  # nothing happens until the job runs
    assert await drain(runtime) == 1
    done = await _get(runtime, service_id)
    assert done["delivery_status"] == "done" and done["delivery_attempts"] == 1
    assert done["data"] == {"machine": f"sim-{service_id}", "region": "sim-1"}
    assert simulator.state.machines[service_id] == "running"


async def test_suspend_then_unsuspend_calls_the_module_twice_and_leaves_it_active(
    runtime: Runtime, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    await _transition(runtime, service_id, ServiceStatus.SUSPENDED, reason="unpaid")
    suspended = await _get(runtime, service_id)
    assert suspended["status"] == "suspended" and suspended["suspend_reason"] == "unpaid"
    await _transition(runtime, service_id, ServiceStatus.ACTIVE)
    await drain(runtime)
    assert simulator.state.calls["suspend"] == 1 and simulator.state.calls["unsuspend"] == 1
    assert simulator.state.machines[service_id] == "running"
    after = await _get(runtime, service_id)
    assert after["status"] == "active" and after["suspended_at"] is None and after["delivery_status"] == "done"
    async with runtime.db.reader() as session:
        kinds = (
            await session.scalars(
                sa.select(ServiceEvent.kind).where(ServiceEvent.service_id == service_id).order_by(ServiceEvent.id)
            )
        ).all()
    assert kinds == [
        "created",
        "transition",
        "delivery.create.done",
        "transition",
        "transition",
        "delivery.suspend.done",
        "delivery.unsuspend.done",
    ]


async def test_module_failure_is_visible_and_the_retry_succeeds_once_the_module_recovers(
    runtime: Runtime, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    simulator.fail_next(2)
    start = clock.now()
    with clock.frozen_at(start):
        await _transition(runtime, service_id, ServiceStatus.SUSPENDED)
        assert await run_due(runtime) == 1
    failed = await _get(runtime, service_id)
    assert failed["status"] == "suspended"
    assert failed["delivery_status"] == "pending" and failed["delivery_attempts"] == 1
    assert "timed out during suspend" in str(failed["delivery_errors"])
    assert simulator.state.machines[service_id] == "running"  # not pretended
    with clock.frozen_at(start + timedelta(seconds=5)):
        assert await run_due(runtime) == 0  # backing off
    with clock.frozen_at(start + timedelta(seconds=31)):
        assert await run_due(runtime) == 1  # second failure
    with clock.frozen_at(start + timedelta(seconds=31 + 61)):
        assert await run_due(runtime) == 1  # recovered
    recovered = await _get(runtime, service_id)
    assert recovered["delivery_status"] == "done" and recovered["delivery_errors"] is None
    assert recovered["delivery_attempts"] == 3
    assert simulator.state.machines[service_id] == "suspended"


async def test_a_module_that_keeps_failing_ends_in_failed_after_the_last_attempt(
    runtime: Runtime, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    simulator.state.broken = True
    start = clock.now()
    await _transition(runtime, service_id, ServiceStatus.SUSPENDED)
    for hour in range(1, 8):
        with clock.frozen_at(start + timedelta(hours=hour)):
            await run_due(runtime)
    service = await _get(runtime, service_id)
    assert service["delivery_status"] == "failed" and service["delivery_attempts"] == 6
    assert "system is broken" in str(service["delivery_errors"])
    async with runtime.db.reader() as session:
        job = await session.scalar(sa.select(Job).where(Job.name == "services.deliver").order_by(Job.id.desc()))
    assert job is not None and job.status is JobStatus.DEAD and job.attempts == 6


async def test_jobs_of_one_service_run_in_order_even_when_the_first_is_retried(
    runtime: Runtime, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    simulator.fail_next(1)
    start = clock.now()
    with clock.frozen_at(start):
        await _transition(runtime, service_id, ServiceStatus.SUSPENDED)
        await _transition(runtime, service_id, ServiceStatus.ACTIVE)
        await drain(runtime)  # suspend fails; unsuspend must wait behind it
    assert simulator.state.calls["unsuspend"] == 0
    with clock.frozen_at(start + timedelta(minutes=5)):
        await drain(runtime)
    assert simulator.state.calls["suspend"] == 2 and simulator.state.calls["unsuspend"] == 1
    assert simulator.state.machines[service_id] == "running"
    assert (await _get(runtime, service_id))["delivery_status"] == "done"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("pending", ServiceStatus.SUSPENDED),
        ("active", ServiceStatus.ACTIVE),
        ("suspended", ServiceStatus.SUSPENDED),
        ("expired", ServiceStatus.ACTIVE),
        ("terminated", ServiceStatus.ACTIVE),
        ("cancelled", ServiceStatus.ACTIVE),
        ("expired", ServiceStatus.SUSPENDED),
    ],
)
async def test_illegal_transitions_are_409_naming_both_states(
    runtime: Runtime, start: str, target: ServiceStatus
) -> None:
    service_id = await make_service(runtime, status=start)
    with pytest.raises(IllegalTransition) as error:
        await _transition(runtime, service_id, target)
    assert error.value.status == 409
    assert error.value.message == f"The service cannot go from {start} to {target.value}."
    assert (await _get(runtime, service_id))["status"] == start


async def test_expire_terminates_on_the_module(runtime: Runtime, simulator: SimulatorModule) -> None:
    service_id = await make_service(runtime, status="expired")
    assert service_id not in simulator.state.machines
    service = await _get(runtime, service_id)
    assert service["status"] == "expired" and service["expires_at"] is not None


async def test_another_mode_cannot_see_or_change_the_service(runtime: Runtime) -> None:
    service_id = await make_service(runtime)
    test_mode = Principal.system(livemode=False)
    async with runtime.db.transaction() as session:
        with pytest.raises(ServiceNotFound):
            await services.transition(session, test_mode, service_id, ServiceStatus.SUSPENDED)
    assert (await _get(runtime, service_id))["status"] == "active"


async def test_a_job_run_twice_calls_nothing_extra(runtime: Runtime, simulator: SimulatorModule) -> None:
    from hostlane.jobs.runner import run_job

    service_id = await make_service(runtime)
    await _transition(runtime, service_id, ServiceStatus.SUSPENDED)
    async with runtime.db.reader() as session:
        job_id = await session.scalar(sa.select(Job.id).where(Job.status == JobStatus.PENDING))
    assert job_id is not None
    assert await run_job(runtime, job_id) is True
    assert await run_job(runtime, job_id) is False  # already done: not claimed again
    assert simulator.state.calls["suspend"] == 1
