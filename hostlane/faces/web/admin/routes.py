"""The admin panel's router: its login, and the pages of each part (one module per part, each adding its routes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.core import clock
from hostlane.core.pagination import ListQuery, Page
from hostlane.faces.common import client_ip, get_runtime
from hostlane.faces.web import auth, kit, pages
from hostlane.faces.web.auth import AdminViewer
from hostlane.faces.web.kit import ADMIN, N_
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.identity.sessions import WebLogin
from hostlane.runtime import Runtime
from hostlane.services import service as services
from hostlane.support import service as support

Lister = Callable[[AsyncSession, Principal, ListQuery], Awaitable[Page]]

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)


async def authenticate(request: Request, runtime: Runtime, fields: dict[str, str]) -> WebLogin:
    admin = await identity.login_administrator(
        runtime.db,
        runtime.login_guard,
        ip=client_ip(request, runtime.settings),
        login=fields["username"],
        password=fields["password"],
        directory=runtime.directory,
    )
    return WebLogin(ADMIN.name, admin.id, auth.livemode_of(request, runtime))


pages.add_session_routes(router, ADMIN, authenticate, identifier=N_("Login or e-mail address"))


@router.post("/logout-everywhere")
async def logout_everywhere(request: Request, viewer: AdminViewer) -> Response:
    await kit.form_fields(request, ADMIN)
    assert viewer.principal.id is not None
    await auth.store(get_runtime(request)).close_all(ADMIN.name, viewer.principal.id)
    return pages.end_everywhere_response(request, ADMIN)


async def _total(session: AsyncSession, lister: Lister, principal: Principal, **filters: str) -> int:
    """How many rows a domain list holds with ``filters`` (its page of one and its count)."""
    page = await lister(session, principal, ListQuery(page=1, per_page=1, filters=dict(filters)))
    return page.total


@router.get("/")
async def dashboard(request: Request, viewer: AdminViewer) -> Response:
    """The day's figures, each shown only to an administrator who may read what it counts."""
    principal = viewer.principal
    figures: dict[str, Any] = {}
    async with get_runtime(request).db.reader() as session:
        if viewer.can("invoices:index"):
            figures["revenue"] = await billing.received_this_month(session, principal)
            figures["overdue"] = await billing.overdue_count(session, principal)
            figures["last_run"] = await billing.last_run(session)
        if viewer.can("services:index"):
            figures["to_activate"] = await _total(session, services.list_services, principal, status="pending")
            figures["failed"] = await _total(session, services.list_services, principal, delivery_status="failed")
        if viewer.can("tickets:index"):
            figures["open_tickets"] = await _total(
                session, support.list_tickets, principal, status="open,customer_reply"
            )
    return kit.page(request, ADMIN, "admin/dashboard.html", viewer=viewer, today=clock.today(), **figures)
