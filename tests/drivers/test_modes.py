"""The one test-mode switch: test mode reaches no real system, whatever driver the data names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from hostlane.drivers import payments, provisioning
from hostlane.drivers.modes import gateway_for, gateway_name, module_for
from hostlane.drivers.provisioning import ServiceContext
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_service


class _NoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RealSystem:
    """A module that would act on a real system: it only counts the calls that reach it."""

    name = "real_system"
    description = "Stands for a module that reaches a real system."
    config_schema: type[BaseModel] = _NoConfig
    reaches_outside = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        self.calls.append(("create", service.service_id))
        return {}

    async def suspend(self, service: ServiceContext) -> None:
        self.calls.append(("suspend", service.service_id))

    async def unsuspend(self, service: ServiceContext) -> None:
        self.calls.append(("unsuspend", service.service_id))

    async def terminate(self, service: ServiceContext) -> None:
        self.calls.append(("terminate", service.service_id))


@pytest.fixture
def real_system() -> Iterator[RealSystem]:
    module = RealSystem()
    provisioning.register(module)
    yield module
    provisioning._REGISTRY.pop(module.name)


def test_a_test_charge_goes_to_the_test_gateway_whatever_the_card_names() -> None:
    assert gateway_name("stripe", livemode=False) == "test"
    assert gateway_for("stripe", livemode=False) is payments.get("test")
    assert gateway_name("stripe", livemode=True) == "stripe"
    assert gateway_for("no_such_gateway", livemode=True) is None


def test_test_mode_provisions_on_the_simulator(real_system: RealSystem, simulator: SimulatorModule) -> None:
    assert module_for("real_system", livemode=True) is real_system
    assert module_for("real_system", livemode=False) is simulator
    # Modules that touch nothing real are their own test double; unknown ones stay unknown in both modes.
    assert module_for("none", livemode=False) is provisioning.get("none")
    assert module_for("simulator", livemode=False) is simulator
    assert module_for("not_installed", livemode=False) is None


def test_the_runtime_gives_each_mode_its_own_dns_and_pdus(runtime: Runtime) -> None:
    live, test = runtime.drivers(True), runtime.drivers(False)
    assert (live.livemode, live.dns, live.pdu) == (True, runtime.dns, runtime.pdu)
    assert (test.livemode, test.dns, test.pdu) == (False, runtime.test_dns, runtime.test_pdu)
    assert test.dns is not live.dns and test.pdu is not live.pdu
    assert runtime.dns_for(False) is test.dns and runtime.pdu_for(True) is live.pdu


async def test_a_test_mode_service_never_reaches_the_real_system(
    runtime: Runtime, real_system: RealSystem, simulator: SimulatorModule
) -> None:
    sandbox = await make_service(runtime, livemode=False, module="real_system", status="suspended")
    assert real_system.calls == []
    assert simulator.state.machines == {sandbox: "suspended"}
    live = await make_service(runtime, livemode=True, module="real_system", status="active")
    assert real_system.calls == [("create", live)]
