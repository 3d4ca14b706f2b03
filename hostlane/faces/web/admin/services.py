"""The admin panel's services pages: the list (by status, customer and delivery), a service with its history
and its module's last result, and the staff actions — activate (provision), retry a failed module call,
suspend with a reason, unsuspend, terminate — each a POST whose module call the service page then shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import ValidationFailed
from hostlane.customers import service as customers
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.forms import address, errors_of, list_query
from hostlane.faces.web.auth import AdminViewer, Viewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.identity.principal import Principal
from hostlane.models import ServiceStatus
from hostlane.services import service as services

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)

kit.notice("admin_service_activated", lambda: _("The service is active; its module is creating it."))
kit.notice("admin_service_retried", lambda: _("The module call was queued again."))
kit.notice("admin_service_suspended", lambda: _("The service is suspended; its module is suspending it."))
kit.notice("admin_service_unsuspended", lambda: _("The service is active again; its module is restoring it."))
kit.notice("admin_service_terminated", lambda: _("The service is terminated; its module is removing it."))

STATUSES = [("pending", N_("Pending")), ("active", N_("Active")), ("suspended", N_("Suspended")),
            ("expired", N_("Expired")), ("terminated", N_("Terminated")), ("cancelled", N_("Cancelled"))]  # fmt: skip
assert {value for value, _label in STATUSES} == {status.value for status in ServiceStatus}
DELIVERIES = [("pending", N_("Pending")), ("done", N_("Done")), ("failed", N_("Failed")), ("none", N_("None"))]
# The words of a module call (``delivery_action``).
ACTIONS = {"create": N_("create"), "suspend": N_("suspend"), "unsuspend": N_("unsuspend"), "terminate": N_("terminate")}
# The words of a billing cycle, shown through ``_()``.
CYCLES = [N_("Onetime"), N_("Monthly"), N_("Quarterly"), N_("Semiannually"), N_("Annually"), N_("Biennially"),
          N_("Triennially")]  # fmt: skip
REASON_LENGTH = 255
# A staff action on one service, as the services domain offers it.
Action = Callable[[AsyncSession, Principal, int], Awaitable[object]]


@router.get("/services")
async def index(request: Request, viewer: AdminViewer) -> Response:
    viewer.principal.require("services:index")
    params = request.query_params
    customer = params.get("customer", "").strip()
    filters = {
        "status": params.get("status", "") if params.get("status") in {v for v, _l in STATUSES} else "",
        "delivery_status": params.get("delivery", "") if params.get("delivery") in {v for v, _l in DELIVERIES} else "",
        "customer_id": customer if customer.isdigit() and len(customer) < 19 else "",
    }
    async with get_runtime(request).db.reader() as session:
        page = await services.list_services(session, viewer.principal, list_query(request, filters))
    shown = {"status": filters["status"], "delivery": filters["delivery_status"], "customer": filters["customer_id"]}
    return kit.page(
        request, ADMIN, "admin/services.html", viewer=viewer, page=page, filters=filters,
        address=address("/admin/services", shown),
        statuses=STATUSES, deliveries=DELIVERIES,
    )  # fmt: skip


async def _service_page(
    request: Request, viewer: Viewer, service_id: int, *, status: int = 200, **form: Any
) -> Response:
    async with get_runtime(request).db.reader() as session:
        service = await services.get_service(session, viewer.principal, service_id)
        events = await services.history(session, viewer.principal, service_id)
        customer = None
        if viewer.can("customers:show"):
            customer = await customers.get_customer(session, viewer.principal, service["customer_id"])
    return kit.page(
        request, ADMIN, "admin/service.html", viewer=viewer, status=status, service=service,
        events=list(reversed(events)), actions=ACTIONS, customer=customer, **form,
    )  # fmt: skip


@router.get("/services/{service_id}")
async def show(request: Request, viewer: AdminViewer, service_id: PathId) -> Response:
    viewer.principal.require("services:show")
    return await _service_page(request, viewer, service_id)


async def _act(
    request: Request, viewer: Viewer, service_id: int, permission: str, action: Action, notice: str
) -> Response:
    """A staff action without fields: the CSRF check, the permission, the change in one transaction, then the
    service page with ``notice``."""
    await kit.form_fields(request, ADMIN)
    viewer.principal.require(permission)
    async with get_runtime(request).db.transaction() as session:
        await action(session, viewer.principal, service_id)
    return _done(service_id, notice)


def _done(service_id: int, notice_key: str) -> Response:
    return kit.redirect(f"/admin/services/{service_id}", notice_key=notice_key)


async def _terminate(session: AsyncSession, principal: Principal, service_id: int) -> object:
    return await services.transition(session, principal, service_id, ServiceStatus.TERMINATED)


@router.post("/services/{service_id}/activate")
async def activate(request: Request, viewer: AdminViewer, service_id: PathId) -> Response:
    return await _act(request, viewer, service_id, "services:update", services.activate, "admin_service_activated")


@router.post("/services/{service_id}/retry")
async def retry(request: Request, viewer: AdminViewer, service_id: PathId) -> Response:
    return await _act(request, viewer, service_id, "services:update", services.retry_delivery, "admin_service_retried")


@router.post("/services/{service_id}/suspend")
async def suspend(request: Request, viewer: AdminViewer, service_id: PathId) -> Response:
    fields = await kit.form_fields(request, ADMIN)
    viewer.principal.require("services:suspend")
    try:
        reason = kit.required(fields, "reason")["reason"]
        if len(reason) > REASON_LENGTH:
            raise kit.FormError.field("reason", _("This value is too long."))
        async with get_runtime(request).db.transaction() as session:
            await services.suspend(session, viewer.principal, service_id, reason=reason)
    except (kit.FormError, ValidationFailed) as failure:
        return await _service_page(request, viewer, service_id, status=422, errors=errors_of(failure), values=fields)
    return _done(service_id, "admin_service_suspended")


@router.post("/services/{service_id}/unsuspend")
async def unsuspend(request: Request, viewer: AdminViewer, service_id: PathId) -> Response:
    return await _act(
        request, viewer, service_id, "services:unsuspend", services.unsuspend, "admin_service_unsuspended"
    )


@router.post("/services/{service_id}/terminate")
async def terminate(request: Request, viewer: AdminViewer, service_id: PathId) -> Response:
    # the end of the service: as deleting it, for good
    return await _act(request, viewer, service_id, "services:delete", _terminate, "admin_service_terminated")
