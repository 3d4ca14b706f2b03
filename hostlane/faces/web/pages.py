"""Routes every realm has: its login and logout, "log out everywhere", the language switch, and the error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.core.errors import HostlaneError, Unauthenticated
from hostlane.faces.common import get_runtime
from hostlane.faces.web import auth, kit
from hostlane.faces.web.kit import LANGUAGE_COOKIE, LANGUAGES, Realm, _
from hostlane.identity.sessions import WebLogin
from hostlane.runtime import Runtime

# Checks a login form's fields; returns the login to open, or raises (a HostlaneError, shown on the form).
Authenticate = Callable[[Request, Runtime, dict[str, str]], Awaitable[WebLogin]]

kit.notice("logged_out", lambda: _("You are logged out."))
kit.notice("logged_out_everywhere", lambda: _("You are logged out on every device."))


def add_session_routes(router: APIRouter, realm: Realm, authenticate: Authenticate, *, identifier: str) -> None:
    """``GET``/``POST {prefix}/login``, ``POST {prefix}/logout`` and ``{prefix}/logout-everywhere``, and
    ``GET {prefix}/language/{code}``. ``identifier`` is the login form's first field's label."""

    @router.get("/login", include_in_schema=False, dependencies=[auth.Anonymous])
    async def login_form(request: Request) -> Response:
        return kit.page(
            request, realm, "login.html", identifier=_(identifier), next=request.query_params.get("next", "")
        )

    @router.post("/login", include_in_schema=False, dependencies=[auth.Anonymous])
    async def login(request: Request) -> Response:
        runtime = get_runtime(request)
        fields = await kit.form_fields(request, realm)
        target = kit.safe_next(realm, fields.get("next"))
        try:
            kit.required(fields, "username", "password")
            signed_in = await authenticate(request, runtime, fields)
        except kit.FormError as failure:
            return _login_again(request, realm, identifier, fields, failure.errors, "", 422)
        except Unauthenticated:
            message = _("These credentials do not match our records.")
            return _login_again(request, realm, identifier, fields, {}, message, 401)
        except HostlaneError as failure:  # banned (429), directory down (503)
            return _login_again(
                request, realm, identifier, fields, {}, _(failure.message), failure.status, failure.headers
            )
        token = await auth.open_login(request, runtime, signed_in)
        response = kit.redirect(target)
        kit.set_login_cookie(request, response, realm, token)
        return response

    @router.post("/logout", include_in_schema=False, dependencies=[auth.Anonymous])
    async def logout(request: Request) -> Response:
        await kit.form_fields(request, realm)
        token = request.cookies.get(realm.cookie)
        if token:
            await auth.store(get_runtime(request)).close(token)
        response = kit.redirect(realm.login_path, notice_key="logged_out")
        kit.clear_login_cookie(request, response, realm)
        return response

    @router.get("/language/{code}", include_in_schema=False)
    async def language(request: Request, code: str) -> Response:
        target = kit.safe_next(realm, request.query_params.get("next"))
        response = kit.redirect(target)
        if code in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400, path="/", samesite="lax", httponly=True)
        return response


def _login_again(
    request: Request,
    realm: Realm,
    identifier: str,
    fields: dict[str, str],
    errors: dict[str, list[str]],
    message: str,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    return kit.page(
        request,
        realm,
        "login.html",
        status=status,
        headers=headers,
        identifier=_(identifier),
        next=fields.get("next", ""),
        errors=errors,
        values={"username": fields.get("username", "")},
        failure=message,
    )


def end_everywhere_response(request: Request, realm: Realm) -> Response:
    response = kit.redirect(realm.login_path, notice_key="logged_out_everywhere")
    kit.clear_login_cookie(request, response, realm)
    return response
