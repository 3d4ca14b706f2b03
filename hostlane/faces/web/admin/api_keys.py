"""The admin panel's API keys pages: the keys of the panel's mode, creating one with a permission picker (its
text shown once, on the answer to the form, never stored), and revoking one. Keys hold any permission, so
every page here needs all of them (``*``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.core.errors import ValidationFailed
from hostlane.core.formats import decode_fields
from hostlane.faces.common import get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.forms import errors_of
from hostlane.faces.web.auth import AdminViewer, Viewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.identity import permissions
from hostlane.identity import service as identity

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)

kit.notice("admin_api_key_revoked", lambda: _("The API key is revoked: it no longer opens the API."))

# The picker's groups: the catalogue's permissions by the resource they name (``customers:index`` → customers).
GROUP_TITLES = {
    "*": N_("Everything"),
    "platform": N_("Platform"),
    "customers": N_("Customers"),
    "products": N_("Products"),
    "groups": N_("Product groups"),
    "pricings": N_("Prices"),
    "services": N_("Services"),
    "orders": N_("Orders"),
    "invoices": N_("Invoices"),
    "departments": N_("Support departments"),
    "tickets": N_("Tickets"),
    "ippools": N_("IP pools"),
    "projects": N_("Projects"),
    "pdus": N_("PDUs"),
}
ACTION_WORDS = {
    "index": N_("list"), "show": N_("read"), "create": N_("create"), "update": N_("update"), "delete": N_("delete"),
    "expire": N_("expire"), "suspend": N_("suspend"), "unsuspend": N_("unsuspend"), "reply": N_("reply"),
    "close": N_("close"), "reopen": N_("reopen"), "*": N_("everything"),
}  # fmt: skip
PLATFORM_WORDS = {"*": N_("All permissions"), "health": N_("API health"), "statistics": N_("figures"),
                  "license": N_("licence information")}  # fmt: skip


def permission_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """(group title, [(permission, its label)]) in the catalogue's order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in permissions.CATALOGUE:
        resource, _colon, action = name.partition(":")
        if not action:
            group, label = ("*" if name == "*" else "platform"), PLATFORM_WORDS.get(name, name)
        else:
            group, label = resource, ACTION_WORDS.get(action, action)
        groups.setdefault(group, []).append((name, label))
    return [(GROUP_TITLES.get(group, group), entries) for group, entries in groups.items()]


async def _keys_page(request: Request, viewer: Viewer, *, status: int = 200, **form: Any) -> Response:
    async with get_runtime(request).db.reader() as session:
        keys = await identity.list_api_keys(session, viewer.principal)
    return kit.page(
        request, ADMIN, "admin/api_keys.html", viewer=viewer, status=status, keys=keys, groups=permission_groups(),
        **form,
    )  # fmt: skip


@router.get("/api-keys")
async def index(request: Request, viewer: AdminViewer) -> Response:
    viewer.principal.require("*")
    return await _keys_page(request, viewer, values={"name": ""}, granted=[])


@router.post("/api-keys")
async def create(request: Request, viewer: AdminViewer) -> Response:
    """Create the key and answer with its text: the one time it is shown (the page is never cached)."""
    fields = await kit.form_fields(request, ADMIN)  # CSRF checked; the body is kept for the checkboxes
    ticked = decode_fields(await request.body(), request.headers.get("content-type")).get("permissions")
    granted = [str(value) for value in ticked if isinstance(value, str)] if isinstance(ticked, list) else []
    viewer.principal.require("*")
    try:
        kit.required(fields, "name")
        if not granted:
            raise kit.FormError.field("permissions", _("Choose at least one permission."))
        async with get_runtime(request).db.transaction() as session:
            issued = await identity.create_api_key(
                session,
                viewer.principal,
                name=fields["name"],
                admin_email=viewer.email,
                permission_names=granted,
                livemode=viewer.livemode,
            )
            shown = {"prefix": issued.key.prefix, "name": issued.key.name, "permissions": list(issued.key.permissions)}
    except (kit.FormError, ValidationFailed) as failure:
        errors = errors_of(failure)
        if isinstance(failure, ValidationFailed) and "permissions" in errors:
            errors["permissions"] = [_("Choose permissions from the list.")]
        return await _keys_page(request, viewer, status=422, errors=errors, values=fields, granted=granted)
    return kit.page(request, ADMIN, "admin/api_key_created.html", viewer=viewer, key=shown, plaintext=issued.plaintext)


@router.post("/api-keys/{prefix}/revoke")
async def revoke(request: Request, viewer: AdminViewer, prefix: str) -> Response:
    await kit.form_fields(request, ADMIN)
    viewer.principal.require("*")
    async with get_runtime(request).db.transaction() as session:
        await identity.revoke_api_key(session, viewer.principal, prefix)
    return kit.redirect("/admin/api-keys", notice_key="admin_api_key_revoked")
