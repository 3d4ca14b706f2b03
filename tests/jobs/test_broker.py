"""The outbox relayed to Dramatiq on the local Redis, run by a Dramatiq worker thread."""

from __future__ import annotations

import asyncio
import os

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.identity.principal import Principal
from hostlane.jobs import broker
from hostlane.models import Job, JobStatus, ServiceStatus
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.fixtures.factories import make_service


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("HOSTLANE_TEST_REDIS_URL")
    if not url:
        pytest.skip("HOSTLANE_TEST_REDIS_URL is not set")
    return url


async def test_a_job_relayed_twice_runs_once_on_a_dramatiq_worker(
    runtime: Runtime, redis_url: str, namespace: str, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    async with runtime.db.transaction() as session:
        await services.transition(session, Principal.system(), service_id, ServiceStatus.SUSPENDED)
    # Each worker thread has its own event loop, so it needs its own connection pool.
    dramatiq_broker = broker.configure(redis_url, lambda: Runtime.build(runtime.settings), namespace=namespace)
    try:
        assert await broker.relay_due(runtime) == 1
        assert await broker.relay_due(runtime) == 1  # not claimed yet: sent again, harmlessly
        worker = Worker(dramatiq_broker, worker_threads=1, queues={broker.QUEUE})
        worker.start()
        try:
            for _ in range(100):
                async with runtime.db.reader() as session:
                    status = await session.scalar(
                        sa.select(Job.status).where(Job.name == "services.deliver").order_by(Job.id.desc()).limit(1)
                    )
                if status is JobStatus.DONE:
                    break
                await asyncio.sleep(0.1)
            dramatiq_broker.join(broker.QUEUE, timeout=10_000)
        finally:
            worker.stop()
        assert status is JobStatus.DONE
        assert simulator.state.calls["suspend"] == 1
        assert await broker.relay_due(runtime) == 0
    finally:
        dramatiq_broker.flush_all()
        dramatiq_broker.close()
