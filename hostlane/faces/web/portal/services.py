"""The client area's services pages: the list, and one service with its addresses (reverse DNS editing) and its
PDU outlets (power on, off, reboot). A DNS server or PDU that refuses or does not answer is a message on the page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.catalog import service as catalog
from hostlane.core.errors import Conflict, NotFound, ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import PORTAL, _
from hostlane.faces.web.portal.shared import CYCLE_WORDS, page_number
from hostlane.network import service as network
from hostlane.network.errors import UpstreamRefused, UpstreamUnavailable
from hostlane.network.schemas import RdnsIn
from hostlane.services import service as services

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)
PER_PAGE = 20

kit.notice("rdns_saved", lambda: _("The reverse DNS is saved."))
kit.notice("power_on", lambda: _("The outlet is powered on."))
kit.notice("power_off", lambda: _("The outlet is powered off."))
kit.notice("power_cycle", lambda: _("The outlet was switched off and on again."))


def _trouble(failure: Exception) -> str:
    if isinstance(failure, UpstreamUnavailable):
        return _("The DNS server or PDU is not answering; try again in a moment.")
    if isinstance(failure, UpstreamRefused):
        return _("The DNS server or PDU refused the change.")
    return _("This service cannot be changed now: only an active service can.")


@router.get("/services")
async def service_list(request: Request, viewer: CustomerViewer) -> Response:
    runtime = get_runtime(request)
    query = ListQuery(page=page_number(request), per_page=PER_PAGE, sort=[("id", True)])
    async with runtime.db.reader() as session:
        page = await services.list_services(session, viewer.principal, query)
        products = await catalog.products_by_id(session, viewer.principal, [row["product_id"] for row in page.items])
    return kit.page(
        request,
        PORTAL,
        "portal/services.html",
        viewer=viewer,
        services=page,
        products=products,
        cycle_words=CYCLE_WORDS,
    )


async def _detail(
    request: Request,
    viewer: Viewer,
    service_id: int,
    *,
    status: int = 200,
    problem: str | None = None,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    runtime = get_runtime(request)
    principal = viewer.principal
    async with runtime.db.reader() as session:
        service = await services.get_service(session, principal, service_id)  # not the viewer's: 404
        product = (await catalog.products_by_id(session, principal, [service["product_id"]])).get(service["product_id"])
        addresses = await network.service_addresses(session, principal, service_id)
        has_ports = bool(await network.service_ports(session, principal, service_id))
    ptrs: dict[str, Any] = {}
    if addresses:
        try:
            rows = await network.reverse_dns(runtime.db, principal, runtime.dns_for(principal.livemode), service_id)
            ptrs = {row["address"]: row["ptr"] for row in rows}
        except (UpstreamUnavailable, UpstreamRefused) as failure:
            problem = problem or _trouble(failure)
            ptrs = {row["address"]: None for row in addresses}
    ports = (
        await network.ports_with_power(runtime.db, principal, runtime.pdu_for(principal.livemode), service_id)
        if has_ports
        else []
    )
    return kit.page(
        request,
        PORTAL,
        "portal/service.html",
        status=status,
        viewer=viewer,
        service=service,
        product=product,
        cycle_words=CYCLE_WORDS,
        addresses=addresses,
        ptrs=ptrs,
        dns_known=not problem or bool(ptrs),
        ports=ports,
        problem=problem,
        errors=errors or {},
        values=values or {},
    )


@router.get("/services/{service_id}")
async def service_detail(request: Request, viewer: CustomerViewer, service_id: PathId) -> Response:
    return await _detail(request, viewer, service_id)


@router.post("/services/{service_id}/rdns")
async def update_rdns(request: Request, viewer: CustomerViewer, service_id: PathId) -> Response:
    """The form holds one ``ptr:<address>`` field per address; each sent value becomes its PTR (blank removes it)."""
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    principal = viewer.principal
    async with runtime.db.reader() as session:
        await services.get_service(session, principal, service_id)  # another customer's: 404 before anything
    wanted = {name.removeprefix("ptr:"): value for name, value in fields.items() if name.startswith("ptr:")}
    try:
        if not wanted:
            raise ValidationFailed.field("ipaddress", "The ipaddress field is required.")
        await network.set_reverse_dns(
            runtime.db, principal, runtime.dns_for(principal.livemode), service_id, RdnsIn(ipaddress=wanted)
        )
    except ValidationFailed as failure:
        errors = {
            f"ptr:{name.removeprefix('ipaddress.')}": [kit.gettext(text) for text in texts]
            for name, texts in (failure.fields or {}).items()
        }
        return await _detail(request, viewer, service_id, status=422, errors=errors, values=fields)
    except (UpstreamUnavailable, UpstreamRefused, Conflict) as failure:
        status = (
            503 if isinstance(failure, UpstreamUnavailable) else 502 if isinstance(failure, UpstreamRefused) else 409
        )
        return await _detail(request, viewer, service_id, status=status, problem=_trouble(failure), values=fields)
    return kit.redirect(f"/portal/services/{service_id}", notice_key="rdns_saved")


@router.post("/services/{service_id}/power/{port_id}/{action}")
async def power(request: Request, viewer: CustomerViewer, service_id: PathId, port_id: PathId, action: str) -> Response:
    await kit.form_fields(request, PORTAL)
    if action not in ("on", "off", "cycle"):
        raise NotFound()
    runtime = get_runtime(request)
    principal = viewer.principal
    pdu = runtime.pdu_for(principal.livemode)
    try:
        if action == "cycle":
            await network.power_cycle(runtime.db, principal, pdu, service_id, port_id)
        else:
            await network.set_power(runtime.db, principal, pdu, service_id, port_id, on=action == "on")
    except (UpstreamUnavailable, UpstreamRefused, Conflict) as failure:
        status = (
            503 if isinstance(failure, UpstreamUnavailable) else 502 if isinstance(failure, UpstreamRefused) else 409
        )
        return await _detail(request, viewer, service_id, status=status, problem=_trouble(failure))
    return kit.redirect(f"/portal/services/{service_id}", notice_key=f"power_{action}")
