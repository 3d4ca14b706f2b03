"""The admin panel's services pages: the list and its filters, a service with its module's result, and the
staff actions (activate, retry, suspend, unsuspend, terminate), each a POST behind its permission and CSRF
token, with the module call run by the real job runner and its outcome shown on the service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hostlane.core import clock
from hostlane.drivers.provisioning.simulator import SimulatorModule
from hostlane.identity.principal import Principal
from hostlane.jobs.runner import drain, run_due
from hostlane.runtime import Runtime
from hostlane.services import service as services
from tests.faces.web.conftest import Web, limited_admin
from tests.fixtures.factories import make_customer, make_service

SYSTEM = Principal.system()


async def fail_for_good(runtime: Runtime) -> None:
    """Run the queued module calls through every retry (the clock moved an hour at a time)."""
    start = clock.now()
    for hour in range(1, 8):
        with clock.frozen_at(start + timedelta(hours=hour)):
            await run_due(runtime)


async def _service(runtime: Runtime, service_id: int) -> dict[str, Any]:
    async with runtime.db.reader() as session:
        return await services.get_service(session, SYSTEM, service_id)


async def test_the_list_filters_by_status_and_customer(admin: Web, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    mine = await make_service(runtime, customer_id=int(customer["id"]), status="suspended")  # type: ignore[call-overload]
    other = await make_service(runtime, status="active")
    everything = await admin.get("/admin/services")
    assert everything.status_code == 200 and "2 services" in everything.text
    suspended = await admin.get("/admin/services", params={"status": "suspended"})
    assert "1 service" in suspended.text and f'href="/admin/services/{mine}"' in suspended.text
    assert f'href="/admin/services/{other}"' not in suspended.text
    by_customer = await admin.get("/admin/services", params={"customer": str(customer["id"])})
    assert "1 service" in by_customer.text and f'href="/admin/services/{mine}"' in by_customer.text
    ignored = await admin.get("/admin/services", params={"status": "nonsense", "customer": "x"})
    assert ignored.status_code == 200 and "2 services" in ignored.text


async def test_suspend_and_unsuspend_show_the_modules_result(
    admin: Web, runtime: Runtime, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime)
    page = await admin.get(f"/admin/services/{service_id}")
    assert page.status_code == 200 and f"sim-{service_id}" in page.text  # what the module returned on create
    response = await admin.post(f"/admin/services/{service_id}/suspend", {"reason": "Abuse report #12"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/services/{service_id}?notice=admin_service_suspended"
    queued = await admin.get(response.headers["location"])
    assert "The service is suspended; its module is suspending it." in queued.text
    assert "The module call is queued; reload the page to see its result." in queued.text
    assert (await _service(runtime, service_id))["suspend_reason"] == "Abuse report #12"
    await drain(runtime)
    assert simulator.state.machines[service_id] == "suspended"
    done = await admin.get(f"/admin/services/{service_id}")
    assert '<span class="status status-done">Done</span>' in done.text and "Abuse report #12" in done.text
    assert "/unsuspend" in done.text and ">Suspend</button>" not in done.text
    response = await admin.post(f"/admin/services/{service_id}/unsuspend")
    assert response.status_code == 303
    await drain(runtime)
    assert simulator.state.machines[service_id] == "running"
    assert (await _service(runtime, service_id))["status"] == "active"


async def test_a_failed_module_call_shows_its_error_and_can_be_retried(
    admin: Web, runtime: Runtime, simulator: SimulatorModule
) -> None:
    service_id = await make_service(runtime, status="pending")
    simulator.state.broken = True
    assert (await admin.post(f"/admin/services/{service_id}/activate")).status_code == 303
    await fail_for_good(runtime)
    failed = await admin.get(f"/admin/services/{service_id}")
    assert '<span class="status status-failed">Failed</span>' in failed.text
    assert "system is broken" in failed.text and "Retry the module call" in failed.text
    simulator.state.broken = False
    response = await admin.post(f"/admin/services/{service_id}/retry")
    assert response.status_code == 303
    await drain(runtime)
    after = await _service(runtime, service_id)
    assert after["delivery_status"] == "done" and simulator.state.machines[service_id] == "running"
    again = await admin.post(f"/admin/services/{service_id}/retry")  # nothing failed any more
    assert again.status_code == 409 and "only a failed call can be retried" in again.text


async def test_terminate(admin: Web, runtime: Runtime, simulator: SimulatorModule) -> None:
    service_id = await make_service(runtime)
    page = await admin.get(f"/admin/services/{service_id}")
    assert 'data-confirm="Terminate this service? Its module removes it for good."' in page.text
    assert (await admin.post(f"/admin/services/{service_id}/terminate")).status_code == 303
    await drain(runtime)
    assert (await _service(runtime, service_id))["status"] == "terminated"
    assert service_id not in simulator.state.machines


async def test_a_suspension_needs_a_reason(admin: Web, runtime: Runtime) -> None:
    service_id = await make_service(runtime)
    response = await admin.post(f"/admin/services/{service_id}/suspend", {"reason": ""})
    assert response.status_code == 422
    assert '<p class="error" id="e-reason">This field is required.</p>' in response.text
    long = await admin.post(f"/admin/services/{service_id}/suspend", {"reason": "x" * 300})
    assert long.status_code == 422 and 'value="' + "x" * 300 + '"' in long.text
    assert (await _service(runtime, service_id))["status"] == "active"


async def test_actions_without_their_csrf_token_are_refused(admin: Web, runtime: Runtime) -> None:
    service_id = await make_service(runtime)
    for action in ["suspend", "terminate"]:
        response = await admin.post(f"/admin/services/{service_id}/{action}", {"reason": "x"}, csrf=False)
        assert response.status_code == 403, action
    assert (await _service(runtime, service_id))["status"] == "active"


async def test_a_missing_service_is_a_404_page(admin: Web) -> None:
    assert (await admin.get("/admin/services/999999")).status_code == 404
    assert (await admin.post("/admin/services/999999/suspend", {"reason": "x"})).status_code == 404


async def test_reasons_are_shown_as_text(admin: Web, runtime: Runtime) -> None:
    service_id = await make_service(runtime)
    await admin.post(f"/admin/services/{service_id}/suspend", {"reason": "<b>bold</b>{{7*7}}"})
    page = await admin.get(f"/admin/services/{service_id}")
    assert "<b>bold</b>" not in page.text and "&lt;b&gt;bold&lt;/b&gt;{{7*7}}" in page.text


async def test_not_logged_in_and_missing_permissions(browser_for: Any, runtime: Runtime) -> None:
    service_id = await make_service(runtime)
    anonymous: Web = browser_for("/admin")
    assert (await anonymous.get(f"/admin/services/{service_id}")).status_code == 303
    nobody = await limited_admin(runtime, browser_for, "customers:index")
    for path in ["/admin/services", f"/admin/services/{service_id}"]:
        assert (await nobody.get(path)).status_code == 403, path
    reader = await limited_admin(runtime, browser_for, "services:index", "services:show")
    page = await reader.get(f"/admin/services/{service_id}")
    assert page.status_code == 200 and "/terminate" not in page.text and "/suspend" not in page.text
    refused = await reader.post(f"/admin/services/{service_id}/suspend", {"reason": "x"})
    assert refused.status_code == 403 and (await _service(runtime, service_id))["status"] == "active"
    suspender = await limited_admin(runtime, browser_for, "services:show", "services:suspend")
    page = await suspender.get(f"/admin/services/{service_id}")
    assert "/suspend" in page.text and "/terminate" not in page.text
