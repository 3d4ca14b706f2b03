"""The client area's router: its login, and the pages of each part (one module per part, each adding its routes)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.billing import service as billing
from hostlane.core.pagination import ListQuery
from hostlane.customers import sessions as customer_sessions
from hostlane.faces.common import client_ip, get_runtime
from hostlane.faces.web import auth, kit, pages
from hostlane.faces.web.auth import CustomerViewer
from hostlane.faces.web.kit import N_, PORTAL
from hostlane.identity.sessions import WebLogin
from hostlane.runtime import Runtime
from hostlane.services import service as services
from hostlane.support import service as support

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)


async def authenticate(request: Request, runtime: Runtime, fields: dict[str, str]) -> WebLogin:
    livemode = auth.livemode_of(request, runtime)
    account = await customer_sessions.check_password(
        runtime.db,
        runtime.login_guard,
        ip=client_ip(request, runtime.settings),
        email=fields["username"],
        password=fields["password"],
        livemode=livemode,
    )
    return WebLogin(PORTAL.name, account.id, livemode, account.session_epoch)


pages.add_session_routes(router, PORTAL, authenticate, identifier=N_("E-mail address"))


@router.post("/logout-everywhere")
async def logout_everywhere(request: Request, viewer: CustomerViewer) -> Response:
    """Every login of the customer ends: its other browsers, and its API tokens too."""
    await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    customer_id = viewer.principal.scope
    assert customer_id is not None
    await customer_sessions.end_every_session(runtime.db, customer_id, livemode=viewer.livemode, ip=viewer.principal.ip)
    await auth.store(runtime).close_all(PORTAL.name, customer_id)
    return pages.end_everywhere_response(request, PORTAL)


@router.get("/")
async def dashboard(request: Request, viewer: CustomerViewer) -> Response:
    runtime = get_runtime(request)
    principal = viewer.principal
    customer_id = principal.scope
    assert customer_id is not None
    async with runtime.db.reader() as session:
        owned = await services.list_services(session, principal, ListQuery(per_page=10, sort=[("id", True)]))
        unpaid = await billing.list_invoices(
            session, principal, ListQuery(per_page=10, filters={"status": "unpaid"}, sort=[("duedate", False)])
        )
        tickets = await support.list_tickets(
            session,
            principal,
            ListQuery(per_page=10, filters={"status": "open,answered,customer_reply"}, sort=[("id", True)]),
        )
        balance = await billing.balance(session, principal, customer_id)
    return kit.page(
        request,
        PORTAL,
        "portal/dashboard.html",
        viewer=viewer,
        services=owned,
        unpaid=unpaid,
        tickets=tickets,
        balance=balance,
    )
