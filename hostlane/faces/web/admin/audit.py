"""The admin panel's audit log: who did what to which object, and when, newest first; filtered by action, object
type and actor, a page at a time (a fixed number of queries). Only a super-administrator (``*``) reads it."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.core.pagination import ListQuery
from hostlane.faces.common import get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.admin.forms import address
from hostlane.faces.web.auth import AdminViewer
from hostlane.faces.web.kit import ADMIN, N_, _
from hostlane.identity import audit

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)
PER_PAGE = 50
ACTOR_KINDS = {
    "admin": N_("Administrator"),
    "api_key": N_("API key"),
    "customer": N_("Customer"),
    "partner": N_("Partner"),
    "project_user": N_("Project user"),
    "system": N_("System"),
}
NAME_LIMIT = 64  # the log's action and object type columns


def _details(changes: dict[str, Any] | None) -> str:
    """The entry's recorded changes as plain text (shown escaped, never as markup)."""
    if not changes:
        return ""
    return json.dumps(changes, ensure_ascii=False, sort_keys=True, default=str)


@router.get("/audit")
async def audit_log(
    request: Request,
    viewer: AdminViewer,
    page: int = 1,
    action: str = "",
    object_type: str = "",
    actor_kind: str = "",
    actor_id: str = "",
) -> Response:
    viewer.principal.require("*")
    values = {"action": action.strip(), "object_type": object_type.strip(), "actor_kind": actor_kind.strip()}
    values["actor_id"] = actor_id.strip()
    filters: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in ("action", "object_type"):
        if len(values[name]) > NAME_LIMIT:
            errors[name] = [_("Too long.")]
        elif values[name]:
            filters[name] = values[name]
    if values["actor_kind"]:
        if values["actor_kind"] in ACTOR_KINDS:
            filters["actor_kind"] = values["actor_kind"]
        else:
            errors["actor_kind"] = [_("Choose one of the options.")]
    if values["actor_id"]:
        if values["actor_id"].isdigit() and len(values["actor_id"]) < 19:
            filters["actor_id"] = values["actor_id"]
        else:
            errors["actor_id"] = [_("A number, such as 3.")]
    query = ListQuery(page=max(page, 1), per_page=PER_PAGE, filters=filters)
    async with get_runtime(request).db.reader() as session:
        entries = await audit.list_entries(session, viewer.principal, query)
    for entry in entries.items:
        entry["details"] = _details(entry["changes"])
    return kit.page(
        request,
        ADMIN,
        "admin/audit_list.html",
        viewer=viewer,
        status=422 if errors else 200,
        entries=entries,
        errors=errors,
        values=values,
        here=address("/admin/audit", values),
        actor_kinds=[("", _("Anyone"))] + [(key, _(label)) for key, label in ACTOR_KINDS.items()],
        actor_labels=ACTOR_KINDS,
    )
