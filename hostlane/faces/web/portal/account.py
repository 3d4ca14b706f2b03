"""The client area's account pages: the customer's details (what a customer may change of them), its password,
the link to My Account → Billing, "log out everywhere"; and, without a login, the forgotten-password form and the
reset link's new-password form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.core.errors import ValidationFailed
from hostlane.customers import service as customers
from hostlane.customers import sessions as customer_sessions
from hostlane.customers.errors import InvalidAccountToken
from hostlane.customers.schemas import CustomerUpdate
from hostlane.faces.common import get_runtime
from hostlane.faces.face import public_origin
from hostlane.faces.web import auth, kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import LANGUAGE_COOKIE, LANGUAGES, PORTAL, _
from hostlane.faces.web.portal.shared import validated
from hostlane.identity.sessions import WebLogin

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)

# What a customer may change of its own account (staff change the rest: e-mail, currency, status, credit …).
EDITABLE = (
    "firstname", "lastname", "companyname", "address1", "address2", "city", "state", "postcode", "country", "phone",
)  # fmt: skip
OPTIONAL = frozenset(EDITABLE) - {"firstname", "lastname", "country"}
LOCALES = {"en": "en_GB", "fr": "fr_FR"}
NO_REFERRER = {"Referrer-Policy": "no-referrer"}  # the reset link's token never leaves in a Referer

kit.notice("account_saved", lambda: _("Your details are saved."))
kit.notice("password_changed", lambda: _("Your password is changed. Your other devices are logged out."))
kit.notice("reset_sent", lambda: _("If an account uses this address, we have sent it a link to set a new password."))
kit.notice("password_reset", lambda: _("Your new password is set. Log in with it."))


def _language_of_locale(locale: str | None) -> str:
    short = (locale or "").replace("-", "_").split("_", 1)[0].lower()
    return short if short in LANGUAGES else ""


async def _account_page(
    request: Request,
    viewer: Viewer,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        details = await customers.get_customer(session, viewer.principal, viewer.principal.scope or 0)
    shown: dict[str, Any] = {name: details.get(name) or "" for name in EDITABLE}
    shown["language"] = _language_of_locale(details.get("locale"))
    return kit.page(
        request,
        PORTAL,
        "portal/account.html",
        status=status,
        viewer=viewer,
        details=details,
        errors=errors or {},
        values={**shown, **(values or {})},
        languages=[("en", "English"), ("fr", "Français")],
    )


@router.get("/account")
async def account(request: Request, viewer: CustomerViewer) -> Response:
    return await _account_page(request, viewer)


@router.post("/account")
async def save_account(request: Request, viewer: CustomerViewer) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    # A blank optional field clears it (null); a blank name or country is refused as required.
    data: dict[str, Any] = {name: fields.get(name) or (None if name in OPTIONAL else "") for name in EDITABLE}
    data["country"] = data["country"].upper()
    language = fields.get("language", "")
    if language:
        data["locale"] = LOCALES.get(language, language)
    try:
        change = validated(CustomerUpdate, data)
        async with runtime.db.transaction() as session:
            await customers.update_customer(session, viewer.principal, viewer.principal.scope or 0, change)
    except kit.FormError as failure:
        errors = {("language" if name == "locale" else name): texts for name, texts in failure.errors.items()}
        return await _account_page(request, viewer, status=422, errors=errors, values=fields)
    except ValidationFailed as failure:
        errors = {name: [_("This value is not valid.")] for name in (failure.fields or {"firstname": []})}
        return await _account_page(request, viewer, status=422, errors=errors, values=fields)
    response = kit.redirect("/portal/account", notice_key="account_saved")
    if language in LANGUAGES:  # the chosen language shows at once, whatever was picked in the footer before
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, path="/", samesite="lax", httponly=True)
    return response


@router.post("/account/password")
async def change_password(request: Request, viewer: CustomerViewer) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    try:
        kit.required(fields, "current_password", "new_password", "new_password_again")
        if fields["new_password"] != fields["new_password_again"]:
            raise kit.FormError.field("new_password_again", _("The two new passwords differ."))
        changed = await customer_sessions.change_password(
            runtime.db,
            runtime.login_guard,
            viewer.principal,
            ip=viewer.principal.ip or "",
            current=fields["current_password"],
            new=fields["new_password"],
        )
    except kit.FormError as failure:
        return await _account_page(request, viewer, status=422, errors=failure.errors)
    except ValidationFailed as failure:
        errors = {
            name: [_("This is not your current password.")]
            if name == "current_password"
            else [_("The password needs 8 to 256 characters.")]
            for name in (failure.fields or {"new_password": []})
        }
        return await _account_page(request, viewer, status=422, errors=errors)
    # Every session ended with the change; this browser carries on with a new login.
    await auth.store(runtime).close(request.cookies.get(PORTAL.cookie, ""))
    login = WebLogin(PORTAL.name, changed.id, viewer.livemode, changed.session_epoch)
    token = await auth.open_login(request, runtime, login)
    response = kit.redirect("/portal/account", notice_key="password_changed")
    kit.set_login_cookie(request, response, PORTAL, token)
    return response


# Without a login: a forgotten password


@router.get("/forgot-password", dependencies=[auth.Anonymous])
async def forgot_form(request: Request) -> Response:
    return kit.page(request, PORTAL, "portal/forgot_password.html")


@router.post("/forgot-password", dependencies=[auth.Anonymous])
async def forgot(request: Request) -> Response:
    """The same answer whatever the address: whether it has an account is never told."""
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    try:
        kit.required(fields, "email")
    except kit.FormError as failure:
        return kit.page(request, PORTAL, "portal/forgot_password.html", status=422, errors=failure.errors)
    origin = public_origin(request, runtime.settings) or None
    async with runtime.db.transaction() as session:
        await customers.request_password_reset(
            session, livemode=auth.livemode_of(request, runtime), email=fields["email"][:255], origin=origin
        )
    return kit.redirect("/portal/login", notice_key="reset_sent")


@router.get("/reset-password", dependencies=[auth.Anonymous])
async def reset_form(request: Request) -> Response:
    token = request.query_params.get("token", "")
    return kit.page(request, PORTAL, "portal/reset_password.html", headers=NO_REFERRER, token=token[:4096])


@router.post("/reset-password", dependencies=[auth.Anonymous])
async def reset(request: Request) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    runtime = get_runtime(request)
    token = fields.get("token", "")[:4096]

    def again(status: int, errors: dict[str, list[str]], problem: str | None = None) -> Response:
        return kit.page(
            request,
            PORTAL,
            "portal/reset_password.html",
            status=status,
            headers=NO_REFERRER,
            errors=errors,
            values={"token": token},
            token=token if not errors.get("token") else "",
            problem=problem,
        )

    try:
        kit.required(fields, "token", "password", "password_again")
        if fields["password"] != fields["password_again"]:
            raise kit.FormError.field("password_again", _("The two new passwords differ."))
        if not 8 <= len(fields["password"]) <= 256:
            raise kit.FormError.field("password", _("The password needs 8 to 256 characters."))
        async with runtime.db.transaction() as session:
            await customers.reset_password(
                session, secret=runtime.settings.secret_key, token=token, password=fields["password"]
            )
    except kit.FormError as failure:
        return again(422, failure.errors)
    except InvalidAccountToken:
        return again(400, {}, _("This link has expired or was already used. Ask for a new one."))
    return kit.redirect("/portal/login", notice_key="password_reset")
