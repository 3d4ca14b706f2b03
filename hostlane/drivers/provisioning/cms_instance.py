"""The ``cms_instance`` provisioning module: a hosted signage CMS per service (the partner API's CMS instances).

Two implementations of one module:

* ``CmsInstanceSimulator`` (the default, and test mode's whatever is configured): keeps each instance's state
  (``running``, ``suspended``) and the number of displays in use on it, and can fail on purpose, transiently
  (``fail_next``) or for good (``broken``), as the generic simulator does.
* ``CmsInstanceHttp`` (``HOSTLANE_CMS_INSTANCE_URL`` and ``HOSTLANE_CMS_INSTANCE_SECRET``): a small JSON contract
  with the system that runs the instances. Every call but the usage ``GET`` is a ``POST`` to the base URL
  with ``Authorization: Bearer <secret>`` and a JSON body; the system answers 2xx with a JSON object:

  ========================================  =================================================================
  ``POST {base}/instances``                 ``{"service": 42, "name": "acme", "displays": 10, "plan": "…"}``
                                            → ``{"url": "https://acme.cms.example", "displaysInUse": 0}``
                                            (creating an instance that exists answers it again: idempotent)
  ``POST {base}/instances/42/suspend``      ``{}`` → ``{}`` (any object)
  ``POST {base}/instances/42/unsuspend``    ``{}`` → ``{}``
  ``POST {base}/instances/42/terminate``    ``{}`` → ``{}`` (terminating one that is gone is no error)
  ``GET {base}/instances/42/usage``         ``?month=2026-12`` (no body) → ``{"displays": 9,
                                            "storageBytes": 1073741824, "bandwidthBytes": 5368709120}``:
                                            the instance's use in that calendar month (displays: the metered
                                            displays it bills); 404 when the system has no such instance
  ========================================  =================================================================

  ``42`` is the Hostlane service id. A 5xx or a network failure is transient (``RetryLater``: the job retries);
  another 4xx is a refusal (``DriverError``). ``url`` and ``displaysInUse`` of the create answer are kept on the
  service (the instance's address, and the displays in use the system last reported).

Usage (``usage(service, month)``): after a month ends, the partner programme asks each instance's module for its use
in that month and records it once (``partners.usage``); the simulator derives it from its state (the displays in use
now), the same numbers every time it is asked.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from pydantic import BaseModel, ConfigDict, StringConstraints

from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.provisioning.base import ConnectionCheck, ServerTarget, ServiceContext

NAME = "cms_instance"
DISPLAYS_KEY = "units"  # the service data key an order writes its ordered count under (orders.place_order)
IN_USE_KEY = "displays_in_use"
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MonthUsage:
    """An instance's use of the cloud in one calendar month."""

    displays: int  # the metered displays: what the month bills
    storage_bytes: int
    bandwidth_bytes: int


class CmsInstanceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Annotated[str, StringConstraints(max_length=64)] = "cloud"
    domain: Annotated[str, StringConstraints(max_length=200)] = "cms.test"


def _slug(context: ServiceContext) -> str:
    name = str(context.data.get("name") or f"cms-{context.service_id}")
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")[:40]
    return f"{cleaned or 'cms'}-{context.service_id}"


@dataclass
class Instance:
    status: str  # running | suspended
    url: str
    displays_in_use: int = 0


@dataclass
class CmsSimulatorState:
    instances: dict[int, Instance] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    transient_failures: int = 0
    broken: bool = False


class CmsInstanceSimulator:
    """A stateful stand-in for the system that runs CMS instances."""

    name = NAME
    description = "A hosted CMS instance (simulated: keeps state and the displays in use)."
    config_schema: type[BaseModel] = CmsInstanceConfig
    reaches_outside = False
    uses_servers = False

    def __init__(self) -> None:
        self.state = CmsSimulatorState()

    def reset(self) -> None:
        self.state = CmsSimulatorState()

    def fail_next(self, calls: int) -> None:
        self.state.transient_failures = calls

    def set_in_use(self, service_id: int, displays: int) -> None:
        """What the displays of an instance's customers connect: the number its licences report in use."""
        self.state.instances[service_id].displays_in_use = displays

    def _enter(self, action: str, service: ServiceContext) -> None:
        self.state.calls[action] = self.state.calls.get(action, 0) + 1
        if self.state.broken:
            raise DriverError(f"CMS simulator refused {action} of service {service.service_id}: system is broken")
        if self.state.transient_failures > 0:
            self.state.transient_failures -= 1
            raise RetryLater(f"CMS simulator timed out during {action} of service {service.service_id}", seconds=30)

    def _existing(self, service: ServiceContext) -> Instance:
        instance = self.state.instances.get(service.service_id)
        if instance is None:
            raise DriverError(f"service {service.service_id} has no CMS instance on the simulator")
        return instance

    async def test_connection(self, server: ServerTarget) -> ConnectionCheck:
        return ConnectionCheck(False, f"The {self.name} module does not run on provisioning servers.")

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        self._enter("create", service)
        instance = self.state.instances.get(service.service_id)
        if instance is None:
            domain = str(service.config.get("domain") or "cms.test")
            instance = Instance("running", f"https://{_slug(service)}.{domain}")
            self.state.instances[service.service_id] = instance
        return {"url": instance.url, IN_USE_KEY: instance.displays_in_use}

    async def suspend(self, service: ServiceContext) -> None:
        self._enter("suspend", service)
        self._existing(service).status = "suspended"

    async def unsuspend(self, service: ServiceContext) -> None:
        self._enter("unsuspend", service)
        self._existing(service).status = "running"

    async def terminate(self, service: ServiceContext) -> None:
        self._enter("terminate", service)
        self.state.instances.pop(service.service_id, None)

    async def displays_in_use(self, service: ServiceContext) -> int | None:
        instance = self.state.instances.get(service.service_id)
        return instance.displays_in_use if instance is not None else None

    async def usage(self, service: ServiceContext, month: dt.date) -> MonthUsage | None:
        """The instance's use in ``month`` (its first day), from its state: its displays in use, 256 MiB of storage
        each on top of a 1 GiB base, and 100 MiB of bandwidth each per day of the month. None: no such instance."""
        self._enter("usage", service)
        instance = self.state.instances.get(service.service_id)
        if instance is None:
            return None
        displays = instance.displays_in_use
        days = calendar.monthrange(month.year, month.month)[1]
        return MonthUsage(displays, (1024 + 256 * displays) * MIB, 100 * MIB * displays * days)


class CmsInstanceHttp:
    """The contract of the module docstring, over HTTP. Test mode never reaches it: ``test_double`` serves instead."""

    name = NAME
    description = "A hosted CMS instance, created on the configured CMS hosting system."
    config_schema: type[BaseModel] = CmsInstanceConfig
    reaches_outside = True
    uses_servers = False

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        test_double: CmsInstanceSimulator,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret
        self.test_double = test_double
        self._transport = transport
        self._timeout = timeout

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", path, body=body)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        missing: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The system's JSON answer; ``missing`` (if given) is the answer to a 404."""
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
                response = await client.request(
                    method,
                    f"{self.base_url}{path}",
                    json=body,
                    params=params,
                    headers={"Authorization": f"Bearer {self._secret}"},
                )
        except httpx.HTTPError as exc:
            raise RetryLater(f"CMS hosting system unreachable: {type(exc).__name__}", seconds=60) from None
        if response.status_code >= 500:
            raise RetryLater(f"CMS hosting system answered {response.status_code}", seconds=60)
        if response.status_code == 404 and missing is not None:
            return missing
        if response.status_code >= 400:
            raise DriverError(f"CMS hosting system refused {path}: {response.status_code} {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}

    @staticmethod
    def _kept(answer: dict[str, Any]) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        if isinstance(answer.get("url"), str):
            kept["url"] = answer["url"]
        if isinstance(answer.get("displaysInUse"), int):
            kept[IN_USE_KEY] = answer["displaysInUse"]
        return kept

    async def test_connection(self, server: ServerTarget) -> ConnectionCheck:
        return ConnectionCheck(False, f"The {self.name} module does not run on provisioning servers.")

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        body = {
            "service": service.service_id,
            "name": service.data.get("name") or _slug(service),
            "displays": int(service.data.get(DISPLAYS_KEY) or 1),
            "plan": service.config.get("plan", "cloud"),
        }
        return self._kept(await self._post("/instances", body))

    async def suspend(self, service: ServiceContext) -> None:
        await self._post(f"/instances/{service.service_id}/suspend", {})

    async def unsuspend(self, service: ServiceContext) -> None:
        await self._post(f"/instances/{service.service_id}/unsuspend", {})

    async def terminate(self, service: ServiceContext) -> None:
        await self._post(f"/instances/{service.service_id}/terminate", {})

    async def displays_in_use(self, service: ServiceContext) -> int | None:
        return None  # what the last answer reported is kept on the service

    async def usage(self, service: ServiceContext, month: dt.date) -> MonthUsage | None:
        """``GET {base}/instances/{id}/usage?month=YYYY-MM`` (the module docstring's contract); None on a 404."""
        path = f"/instances/{service.service_id}/usage"
        answer = await self._call("GET", path, params={"month": f"{month:%Y-%m}"}, missing={})
        if not answer:
            return None
        numbers = [answer.get(key) for key in ("displays", "storageBytes", "bandwidthBytes")]
        if not all(isinstance(number, int) and number >= 0 for number in numbers):
            raise DriverError(f"CMS hosting system answered {path} without its usage numbers")
        return MonthUsage(*(int(number) for number in numbers if isinstance(number, int)))


SIMULATOR = CmsInstanceSimulator()
