"""The admin panel's router: its login, and the pages of each part (one module per part, each adding its routes)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.faces.common import client_ip, get_runtime
from hostlane.faces.web import auth, kit, pages
from hostlane.faces.web.auth import AdminViewer
from hostlane.faces.web.kit import ADMIN, N_
from hostlane.identity import service as identity
from hostlane.identity.sessions import WebLogin
from hostlane.runtime import Runtime

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


@router.get("/")
async def dashboard(request: Request, viewer: AdminViewer) -> Response:
    return kit.page(request, ADMIN, "admin/dashboard.html", viewer=viewer)
