"""wbTeamPro's Remote API (``004_…``): one handler behind the document's three URL forms.

* clean URL ``/modules/addons/wbteampro/api.php/v1/projects/100/json``,
* rewritten URL ``/modules/addons/wbteampro/api/v1/projects/100/json``,
* direct URL ``/modules/addons/wbteampro/api.php?action=v1.projects.100.json``.

The first key of the chain is the version (``v1``), the last the format (``json`` or ``xml``); the keys between
name the resource. The operation is the HTTP verb, or ``method=get|put|post|delete``. ``params`` is a JSON
string or a PHP array, in the query or the body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import BadRequest, HostlaneError, NotFound, ValidationFailed
from hostlane.core.formats import MULTIPART, FormatRoute, decode_request, media_type
from hostlane.core.forms import UploadedFile, multipart_files
from hostlane.faces.common import ClientIp, RuntimeDep
from hostlane.faces.face import error_responses
from hostlane.faces.teampro import auth, inputs, sandbox, wire
from hostlane.identity.principal import Principal
from hostlane.models import ActionStatus, ProjectStatus
from hostlane.projects import schemas
from hostlane.projects import service as projects

PREFIX = "/modules/addons/wbteampro"
VERSION = "v1"
FORMATS = ("json", "xml")
METHODS = ("GET", "PUT", "POST", "DELETE")
DEFAULT_LIMIT = 50
MAX_LIMIT = 250

# A download is the file's bytes, never a page: no browser may render it as one of ours.
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}

router = APIRouter(prefix=PREFIX, tags=["teampro"], route_class=FormatRoute)

Row = dict[str, Any]
Lister = Callable[..., Awaitable[tuple[list[Row], int]]]


class MethodNotAllowed(HostlaneError):
    status = 405
    code = "method_not_allowed"


async def _tickets(
    session: AsyncSession, principal: Principal, *, filters: dict[str, Any], limit: int, offset: int
) -> tuple[list[Row], int]:
    rest = dict(filters)
    return await projects.list_tickets(
        session,
        principal,
        project_id=rest.pop("project_id", None),
        action_id=rest.pop("action_id", None),
        filters=rest,
        limit=limit,
        offset=offset,
    )


@dataclass(frozen=True)
class Kind:
    """One resource of the document: its names, its wire, its list filters and its operations."""

    plural: str
    singular: str
    to_wire: Callable[[Row], Row]
    filters: tuple[str, ...]
    find: Lister
    get: Callable[..., Awaitable[Row]]
    create: Callable[..., Awaitable[Row]] | None = None
    update: Callable[..., Awaitable[Row]] | None = None
    delete: Callable[..., Awaitable[Row]] | None = None
    create_schema: type[BaseModel] | None = None
    update_schema: type[BaseModel] | None = None
    children: tuple[str, ...] = ()
    label: str = ""

    @property
    def id_key(self) -> str:
        return wire.FIELDS[self.plural]["id"]


KINDS: dict[str, Kind] = {
    "projects": Kind(
        "projects",
        "project",
        wire.project,
        projects.PROJECT_FILTERS,
        projects.list_projects,
        projects.get_project,
        projects.create_project,
        projects.update_project,
        projects.delete_project,
        schemas.ProjectCreate,
        schemas.ProjectUpdate,
        children=("actions", "topics", "files", "whmcstickets", "timelogs"),
        label="Project",
    ),
    "actions": Kind(
        "actions",
        "action",
        wire.action,
        projects.ACTION_FILTERS,
        projects.list_actions,
        projects.get_action,
        projects.create_action,
        projects.update_action,
        projects.delete_action,
        schemas.ActionCreate,
        schemas.ActionUpdate,
        children=("topics", "files", "whmcstickets", "timelogs"),
        label="Action",
    ),
    "topics": Kind(
        "topics",
        "topic",
        wire.topic,
        projects.TOPIC_FILTERS,
        projects.list_topics,
        projects.get_topic,
        projects.create_topic,
        projects.update_topic,
        projects.delete_topic,
        schemas.TopicCreate,
        schemas.TopicUpdate,
        label="Topic",
    ),
    "timelogs": Kind(
        "timelogs",
        "timelog",
        wire.timelog,
        projects.TIME_LOG_FILTERS,
        projects.list_time_logs,
        projects.get_time_log,
        projects.create_time_log,
        projects.update_time_log,
        projects.delete_time_log,
        schemas.TimeLogCreate,
        schemas.TimeLogUpdate,
        label="Timelog",
    ),
    "files": Kind(
        "files",
        "file",
        wire.file,
        projects.FILE_FILTERS,
        projects.list_files,
        projects.get_file,
        projects.create_file,
        projects.update_file,
        projects.delete_file,
        schemas.FileCreate,
        schemas.FileUpdate,
        label="File",
    ),
    "ticketxrefs": Kind(
        "ticketxrefs",
        "ticketxref",
        wire.ticketxref,
        projects.TICKET_LINK_FILTERS,
        projects.list_ticket_links,
        projects.get_ticket_link,
        projects.create_ticket_link,
        projects.update_ticket_link,
        projects.delete_ticket_link,
        schemas.TicketLinkCreate,
        schemas.TicketLinkUpdate,
        label="TicketXref",
    ),
    "whmcstickets": Kind(
        "whmcstickets",
        "whmcsticket",
        wire.whmcsticket,
        ("status", "customer_id", "department_id", "priority"),
        _tickets,
        projects.get_ticket,
        label="WHMCSTicket",
    ),
}
# The filter a parent's sub-list is read with.
PARENT_KEY = {"projects": "project_id", "actions": "action_id"}


def _resources() -> list[Row]:
    """The document's resource reference, as ``api.resources`` answers it."""
    rows: list[Row] = [
        {
            "resource": "api",
            "name": "findResources",
            "method": "GET",
            "action": "api.resources",
            "description": "Return the API Resource List",
        },
        {
            "resource": "config",
            "name": "getConfig",
            "method": "GET",
            "action": "config",
            "description": "Return a Config Option",
        },
    ]
    for kind in KINDS.values():
        label, key = kind.label, "{" + kind.id_key + "}"
        name = kind.label + ("s" if not kind.label.endswith("s") else "")
        rows.append(
            {
                "resource": kind.plural,
                "name": f"find{name}",
                "method": "GET",
                "action": kind.plural,
                "description": f"Return a {label} List",
            }
        )
        if kind.plural == "topics":
            rows.append(
                {
                    "resource": "topics",
                    "name": "findTopicThreads",
                    "method": "GET",
                    "action": "topics.bythread",
                    "description": "Return a Topic Thread List",
                }
            )
        if kind.create is not None:
            rows.append(
                {
                    "resource": kind.plural,
                    "name": f"create{label}",
                    "method": "POST",
                    "action": kind.plural,
                    "description": f"Create a {label}",
                }
            )
        rows.append(
            {
                "resource": kind.plural,
                "name": f"get{label}",
                "method": "GET",
                "action": f"{kind.plural}.{key}",
                "description": f"Return a {label}",
            }
        )
        for child in kind.children:
            child_label = "Tickets" if child == "whmcstickets" else KINDS[child].label + "s"
            rows.append(
                {
                    "resource": kind.plural,
                    "name": f"get{label}{child_label}",
                    "method": "GET",
                    "action": f"{kind.plural}.{key}.{child}",
                    "description": f"Return a {label} {KINDS[child].label} List",
                }
            )
        if kind.plural == "files":
            rows.append(
                {
                    "resource": "files",
                    "name": "downloadFile",
                    "method": "GET",
                    "action": "files.{file_id}.download",
                    "description": "Download a File",
                }
            )
        if kind.update is not None:
            rows.append(
                {
                    "resource": kind.plural,
                    "name": f"update{label}",
                    "method": "PUT",
                    "action": f"{kind.plural}.{key}",
                    "description": f"Update a {label}",
                }
            )
        if kind.delete is not None:
            rows.append(
                {
                    "resource": kind.plural,
                    "name": f"delete{label}",
                    "method": "DELETE",
                    "action": f"{kind.plural}.{key}",
                    "description": f"Delete a {label}",
                }
            )
    rows.append(
        {
            "resource": "projects",
            "name": "invoiceProjectTime",
            "method": "POST",
            "action": "projects.{project_id}.invoice",
            "description": "Invoice a Project's billable time to its client (beyond the document)",
        }
    )
    for row in rows:
        kind_name = row["resource"]
        if kind_name in KINDS:
            row["fields"] = wire.fields_of(kind_name)
    return rows


def _config() -> Row:
    """The projects system's options (getConfig)."""
    return {
        "version": VERSION,
        "formats": list(FORMATS),
        "methods": list(METHODS),
        "default_limit": DEFAULT_LIMIT,
        "max_limit": MAX_LIMIT,
        "project_statuses": [wire.PROJECT_STATUS[status] for status in ProjectStatus],
        "action_statuses": [wire.ACTION_STATUS[status] for status in ActionStatus],
        "ticket_statuses": list(wire.TICKET_STATUS.values()),
        "rate_unit": "hour",
        "duration_unit": "second",
        "ban_after_failed_logins": 3,
    }


def _chain(request: Request, path_chain: str | None, fields: dict[str, Any]) -> list[str]:
    if path_chain is not None:
        return [key for key in path_chain.split("/") if key]
    action = fields.get("action")
    if not isinstance(action, str) or not action:
        raise BadRequest(
            "action: the resource action is required (v1.projects.json).", fields={"action": ["Required."]}
        )
    return [key for key in action.split(".") if key]


def _params(fields: dict[str, Any]) -> dict[str, Any]:
    raw = fields.get("params")
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise BadRequest("params: not a JSON object.", fields={"params": ["Must be a JSON object."]}) from None
    if isinstance(raw, list) and not raw:
        return {}
    if not isinstance(raw, dict):
        raise BadRequest("params: must be a JSON object or an array.", fields={"params": ["Must be an object."]})
    return raw


def _window(params: dict[str, Any]) -> tuple[int, int]:
    limit = inputs.whole_number(params, "limit", DEFAULT_LIMIT, least=1, most=MAX_LIMIT)
    page = inputs.whole_number(params, "page", 1, least=1, most=1_000_000)
    offset = inputs.whole_number(params, "offset", (page - 1) * limit, least=0, most=10**9)
    return limit, offset


async def _list(
    session: AsyncSession, principal: Principal, kind: Kind, params: dict[str, Any], extra: dict[str, Any]
) -> tuple[list[Row], wire.Window]:
    params = dict(params)
    parents: dict[str, Any] = (
        {name: params.pop(name) for name in ("project_id", "action_id") if name in params}
        if (kind.plural == "whmcstickets")
        else {}
    )
    filters, echoed = inputs.filters(kind.plural, params, kind.filters + tuple(extra))
    for name, value in parents.items():
        filters[name] = int(inputs.whole_number(parents, name, 0, least=1, most=2**63 - 1))
        echoed[name] = value
    for name, value in extra.items():
        filters[name] = value
        echoed[name] = value
    limit, offset = _window(params)
    rows, total = await kind.find(session, principal, filters=filters, limit=limit, offset=offset)
    return [kind.to_wire(row) for row in rows], wire.Window(total, limit, offset, echoed)


def _id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(f"Unknown resource id: {raw}.")
    return int(raw)


async def _dispatch(
    session: AsyncSession,
    principal: Principal,
    method: str,
    keys: list[str],
    params: dict[str, Any],
    upload: UploadedFile | None = None,
) -> tuple[int, Row, wire.Window | None]:
    """The answer's status, resources and window for the resource keys (the chain between version and format)."""
    if keys == ["api", "resources"]:
        _allow(method, "GET", keys)
        rows = _resources()
        return 200, {"resources": rows}, wire.Window(len(rows), len(rows), 0, {})
    if keys == ["config"]:
        _allow(method, "GET", keys)
        return 200, {"config": _config()}, None
    if not keys or keys[0] not in KINDS:
        raise NotFound(f"Unknown resource: {'.'.join(keys) or '(none)'}.")
    kind = KINDS[keys[0]]
    if keys == ["files", "bythread"]:
        _allow(method, "GET", keys)
        filters, echoed = inputs.filters("files", params, kind.filters)
        limit, offset = _window(params)
        rows, total = await projects.list_file_threads(session, principal, filters=filters, limit=limit, offset=offset)
        return 200, {"files": [wire.file(row) for row in rows]}, wire.Window(total, limit, offset, echoed)
    if keys == ["topics", "bythread"]:
        _allow(method, "GET", keys)
        filters, echoed = inputs.filters("topics", params, kind.filters)
        limit, offset = _window(params)
        rows, total = await projects.list_threads(session, principal, filters=filters, limit=limit, offset=offset)
        return 200, {"topics": [wire.topic(row) for row in rows]}, wire.Window(total, limit, offset, echoed)
    if len(keys) == 1:
        if method == "GET":
            rows, window = await _list(session, principal, kind, params, {})
            return 200, {kind.plural: rows}, window
        _allow(method, "POST" if kind.create else "GET", keys)
        assert kind.create is not None and kind.create_schema is not None
        given = inputs.upload(params, upload) if kind.plural == "files" else inputs.fields(kind.plural, params)
        data = inputs.validated(kind.plural, kind.create_schema, given)
        return 201, {kind.singular: kind.to_wire(await kind.create(session, principal, data))}, None
    row_id = _id(keys[1])
    single = wire.Window(1, 1, 0, {kind.id_key: row_id})
    if len(keys) == 2:
        if method == "GET":
            return 200, {kind.singular: kind.to_wire(await kind.get(session, principal, row_id))}, single
        if method == "PUT" and kind.update is not None and kind.update_schema is not None:
            changes = inputs.fields(kind.plural, params, ignore=(kind.id_key,))
            data = inputs.validated(kind.plural, kind.update_schema, changes)
            return 200, {kind.singular: kind.to_wire(await kind.update(session, principal, row_id, data))}, single
        if method == "DELETE" and kind.delete is not None:
            return 200, {kind.singular: kind.to_wire(await kind.delete(session, principal, row_id))}, single
        _allow(method, "GET", keys)
    if len(keys) == 3 and keys[0] == "projects" and keys[2] == "invoice":
        _allow(method, "POST", keys)
        per = str(params.get("per") or "log")
        if per not in ("log", "action"):
            raise ValidationFailed("per: Must be log or action.", fields={"per": ["Must be log or action."]})
        done = await projects.invoice_time(session, principal, row_id, per_action=per == "action")
        project = kind.to_wire(await kind.get(session, principal, row_id))
        return 201, {"project": project, "invoice": wire.time_invoice(done)}, single
    if len(keys) == 3 and keys[2] in kind.children:
        _allow(method, "GET", keys)
        parent = kind.to_wire(await kind.get(session, principal, row_id))
        child = KINDS[keys[2]]
        rows, window = await _list(session, principal, child, params, {PARENT_KEY[kind.plural]: row_id})
        return 200, {kind.singular: parent, child.plural: rows}, window
    raise NotFound(f"Unknown resource: {'.'.join(keys)}.")


def _allow(method: str, allowed: str, keys: list[str]) -> None:
    if method != allowed:
        raise MethodNotAllowed(f"The {method} method is not allowed for {'.'.join(keys)}.")


async def handle(request: Request, runtime: RuntimeDep, ip: ClientIp, path_chain: str | None) -> Response:
    fields = await decode_request(request, query=True)
    call = wire.Call(method=request.method)
    request.scope[wire.CALL] = call
    chain = _chain(request, path_chain, fields)
    if chain and chain[-1].lower() in FORMATS:
        call.format = chain[-1].lower()
    call.action = "/".join(chain[1:-1])
    raw_method = fields.get("method")
    if raw_method is not None:
        if not isinstance(raw_method, str) or raw_method.upper() not in METHODS:
            raise BadRequest("method: must be get, put, post or delete.", fields={"method": ["Unknown method."]})
        call.method = raw_method.upper()
    if len(chain) < 2 or chain[-1].lower() not in FORMATS:
        raise BadRequest("The last key of the action must be the format: json or xml.", fields={"action": ["Format."]})
    if chain[0].lower() != VERSION:
        raise BadRequest(
            f"Unsupported API version: {chain[0]} (this API is {VERSION}).", fields={"action": ["Version."]}
        )
    params = _params(fields)
    principal = await auth.caller(runtime, fields, ip=ip)
    keys = chain[1:-1]
    if len(keys) == 3 and keys[0] == "files" and keys[2] == "download":
        _allow(call.method, "GET", keys)
        async with runtime.db.reader() as session:
            row, found = await projects.open_file(session, principal, _id(keys[1]))
        return FileResponse(found, media_type=row["content_type"], filename=row["name"], headers=DOWNLOAD_HEADERS)
    upload = None
    if call.method == "POST" and keys == ["files"] and media_type(request.headers.get("content-type")) == MULTIPART:
        upload = multipart_files(await request.body(), request.headers.get("content-type") or "").get("file")
    writes = call.method != "GET"
    try:
        async with runtime.db.transaction() if writes else runtime.db.reader() as session:
            status, body, window = await _dispatch(session, principal, call.method, keys, params, upload)
    except ValidationFailed as exc:
        raise inputs.in_document_words(exc) from None
    return wire.envelope(request, status, body, window)


_DOCUMENTED = error_responses(401, 403, 405, 429)  # 405: a resource that does not take the request's method


async def direct(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    return await handle(request, runtime, ip, None)


async def clean(request: Request, chain: str, runtime: RuntimeDep, ip: ClientIp) -> Response:
    return await handle(request, runtime, ip, chain)


def _description() -> str:
    """The routes' description in the OpenAPI document: every resource action, and every field of each resource."""
    lines = [
        "One handler behind the three URL forms. Params: `username`, `password` (MD5 hex), `action` (direct URL), "
        "`method`, `params` (JSON string or PHP array; lists take `limit`, `page`, `offset` and the filters).",
        "",
        "| Action | Method | Description |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{row['action']}` | {row['method']} | {row['description']} |" for row in _resources()]
    lines += ["", "Fields of each resource:", ""]
    lines += [
        f"* **{plural}**: {', '.join(f'`{name}`' for name in table.values())}" for plural, table in wire.FIELDS.items()
    ]
    return "\n".join(lines)


_DESCRIPTION = _description()

for _method in METHODS:
    router.add_api_route(
        "/api.php",
        direct,
        methods=[_method],
        name=f"direct_{_method.lower()}",
        summary="Direct URL: api.php?action=v1.<resource>.<format>",
        description=_DESCRIPTION,
        responses=_DOCUMENTED,
    )
    router.add_api_route(
        "/api.php/{chain:path}",
        clean,
        methods=[_method],
        name=f"clean_{_method.lower()}",
        summary="Clean URL: api.php/v1/<resource>/<format>",
        description=_DESCRIPTION,
        responses=_DOCUMENTED,
    )
    router.add_api_route(
        "/api/{chain:path}",
        clean,
        methods=[_method],
        name=f"rewritten_{_method.lower()}",
        summary="Rewritten URL: api/v1/<resource>/<format>",
        description=_DESCRIPTION,
        responses=_DOCUMENTED,
    )


# The developers' sandbox: an HTML page, outside the OpenAPI document (``faces.teampro.sandbox``).
router.add_route(PREFIX + "/sandbox", sandbox.sandbox, methods=["GET"], include_in_schema=False)
