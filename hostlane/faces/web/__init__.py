"""The web face: the client area (``/portal``) and the admin panel (``/admin``) as server-rendered pages.

Both call the same domain services as the APIs, with the viewer's ``Principal``, and hold no rule of their own.
Pages are Jinja2 templates (autoescaped; nothing a person typed is ever rendered as HTML or as a template), forms
work without JavaScript (post, then redirect, then get) and carry a CSRF token; the one script and the one
stylesheet are this package's own files, served under ``/portal/assets`` and ``/admin/assets``. English and
French, from Babel catalogues (``locale/fr/LC_MESSAGES``); dates and money in the reader's locale.

Choices where the issue is silent:
* the data shown is the host's mode (a ``HOSTLANE_TEST_HOSTS`` name shows the test environment), as on the APIs;
* a failed login counts toward the same ban as every API login; a login lasts 12 hours;
* an address that is not a page, or another customer's object, is the same 404 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hostlane.faces.face import Face
from hostlane.faces.web import admin, auth, kit, portal

# The pages' own files, served under each realm (``/portal/assets/hostlane.css``) so every path lies in a face.
ASSETS = {
    "hostlane.css": "text/css; charset=utf-8",
    "hostlane.js": "text/javascript; charset=utf-8",
    "billing-card.js": "text/javascript; charset=utf-8",  # the client area's billing page: Stripe's card form
}


def assets(realm: kit.Realm) -> APIRouter:
    router = APIRouter(prefix=f"{realm.prefix}/assets", include_in_schema=False)

    @router.get("/{name}")
    async def asset(request: Request, name: str) -> FileResponse:
        if name not in ASSETS:
            raise StarletteHTTPException(404)
        return FileResponse(
            kit.STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=3600"}
        )

    return router


def face(
    realm: kit.Realm, description: str, routers: list[APIRouter], authentication: str, auth: Callable[..., Any]
) -> Face:
    """A realm's pages as a face: its routers and assets under its prefix, its error pages, not in the API docs."""
    return Face(
        tag=realm.name,
        description=description,
        prefix=realm.prefix,
        routers=[*routers, assets(realm)],
        error=kit.error_page_renderer(realm),
        authentication=authentication,
        auth=auth,
        documented=False,
    )


PORTAL = face(
    kit.PORTAL,
    "The client area in the browser (not an API).",
    portal.ROUTERS,
    "e-mail and password, then a session cookie",
    auth.customer,
)
ADMIN = face(
    kit.ADMIN,
    "The admin panel in the browser (not an API).",
    admin.ROUTERS,
    "login and password, then a session cookie",
    auth.administrator,
)
