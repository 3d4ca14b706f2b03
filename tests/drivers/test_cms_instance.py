"""The cms_instance module: its HTTP contract (each call a POST with the bearer secret), its failures (5xx and
network: retry later; 4xx: refused), and test mode's stand-in (the CMS simulator, whatever is configured)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest

from hostlane.drivers import modes, provisioning
from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.provisioning import CMS_SIMULATOR, ServiceContext
from hostlane.drivers.provisioning.cms_instance import CmsInstanceHttp, MonthUsage

CONTEXT = ServiceContext(
    service_id=42,
    customer_id=7,
    product_id=3,
    livemode=True,
    config={"plan": "pro"},
    data={"units": 10, "name": "Lobby"},
)


def _driver(handler: httpx.MockTransport) -> CmsInstanceHttp:
    return CmsInstanceHttp("https://cms-hosting.example/api/", "s3cret", test_double=CMS_SIMULATOR, transport=handler)


async def test_each_call_is_a_post_with_the_bearer_secret() -> None:
    seen: list[tuple[str, str, str | None, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(
            (request.method, request.url.path, request.headers.get("authorization"), json.loads(request.content))
        )
        if request.url.path.endswith("/instances"):
            return httpx.Response(201, json={"url": "https://lobby.cms.example", "displaysInUse": 2, "other": 1})
        return httpx.Response(200, json={})

    driver = _driver(httpx.MockTransport(answer))
    assert await driver.create(CONTEXT) == {"url": "https://lobby.cms.example", "displays_in_use": 2}
    await driver.suspend(CONTEXT)
    await driver.unsuspend(CONTEXT)
    await driver.terminate(CONTEXT)
    assert seen == [
        ("POST", "/api/instances", "Bearer s3cret", {"service": 42, "name": "Lobby", "displays": 10, "plan": "pro"}),
        ("POST", "/api/instances/42/suspend", "Bearer s3cret", {}),
        ("POST", "/api/instances/42/unsuspend", "Bearer s3cret", {}),
        ("POST", "/api/instances/42/terminate", "Bearer s3cret", {}),
    ]


async def test_a_server_error_or_no_answer_is_retried_and_a_refusal_is_not() -> None:
    with pytest.raises(RetryLater):
        await _driver(httpx.MockTransport(lambda request: httpx.Response(503))).create(CONTEXT)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RetryLater):
        await _driver(httpx.MockTransport(unreachable)).suspend(CONTEXT)
    with pytest.raises(DriverError, match="422"):
        await _driver(httpx.MockTransport(lambda request: httpx.Response(422, text="bad plan"))).create(CONTEXT)


@pytest.fixture
def http_configured() -> Iterator[CmsInstanceHttp]:
    driver = _driver(httpx.MockTransport(lambda request: httpx.Response(500)))
    provisioning.register(driver)
    yield driver
    provisioning.register(CMS_SIMULATOR)


def test_test_mode_uses_the_cms_simulator_even_when_the_http_driver_is_configured(
    http_configured: CmsInstanceHttp,
) -> None:
    assert modes.module_for("cms_instance", livemode=True) is http_configured
    assert modes.module_for("cms_instance", livemode=False) is CMS_SIMULATOR


def test_unconfigured_the_module_is_the_simulator_in_both_modes() -> None:
    assert modes.module_for("cms_instance", livemode=True) is CMS_SIMULATOR
    assert modes.module_for("cms_instance", livemode=False) is CMS_SIMULATOR


async def test_usage_is_a_get_of_the_month_and_a_missing_instance_has_none() -> None:
    seen: list[tuple[str, str, str | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.headers.get("authorization")))
        return httpx.Response(200, json={"displays": 9, "storageBytes": 2048, "bandwidthBytes": 4096, "other": 1})

    usage = await _driver(httpx.MockTransport(answer)).usage(CONTEXT, dt.date(2026, 12, 1))
    assert usage == MonthUsage(displays=9, storage_bytes=2048, bandwidth_bytes=4096)
    assert seen == [("GET", "https://cms-hosting.example/api/instances/42/usage?month=2026-12", "Bearer s3cret")]
    missing = _driver(httpx.MockTransport(lambda request: httpx.Response(404)))
    assert await missing.usage(CONTEXT, dt.date(2026, 12, 1)) is None
    garbled = _driver(httpx.MockTransport(lambda request: httpx.Response(200, json={"displays": "nine"})))
    with pytest.raises(DriverError, match="usage numbers"):
        await garbled.usage(CONTEXT, dt.date(2026, 12, 1))
    with pytest.raises(RetryLater):
        await _driver(httpx.MockTransport(lambda request: httpx.Response(502))).usage(CONTEXT, dt.date(2026, 12, 1))
