"""What every face needs from HTTP: the runtime, the caller's IP, request sessions, error rendering, the
request's fields (``parse_model``, ``required_text``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.config import Settings
from hostlane.core.errors import ValidationFailed
from hostlane.core.fields import MAX_ID
from hostlane.core.formats import JSON, decode_request, render
from hostlane.core.pagination import COUNT_CAP, MAX_CURSOR, MAX_PAGE, ListSpec
from hostlane.runtime import Runtime

Input = TypeVar("Input", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A failure, before a face puts it in its document's error shape."""

    status: int
    message: str
    code: str = "error"
    fields: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # The error's neutral data (the missing permission, the invoice's status), for a face that words it itself.
    context: dict[str, Any] = field(default_factory=dict)


ErrorRenderer = Callable[[Request, ErrorInfo], Response]


def laravel_error(request: Request, info: ErrorInfo) -> Response:
    """Laravel's error shape, ``{"message": …}`` plus ``"errors": {field: [messages]}``: the shape of every path
    that belongs to no document (docs, webhooks, unknown paths), as it is the application face's."""
    body: dict[str, object] = {"message": info.message}
    if info.fields:
        body["errors"] = info.fields
    return render(request, body, info.status, headers=info.headers or None)


# The headers of an answer that carries a credential (a token pair) or ends one: no cache, shared or private,
# may keep it. Such a route also has no principal, so it never claims an Idempotency-Key: its answer is never
# stored (``faces.idempotency``), and a retried login simply logs in again.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# The dependencies are ``async def`` though they never wait: FastAPI runs a plain ``def`` dependency in a worker
# thread, a hand-off that costs more CPU than the dependency itself, on every request.
async def runtime_dependency(request: Request) -> Runtime:
    return get_runtime(request)


RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]


def _is_trusted(address: str, settings: Settings) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.trusted_proxies)


def client_ip(request: Request, settings: Settings) -> str:
    """The caller's address. ``X-Forwarded-For`` counts only when the peer is a trusted proxy;
    then the right-most address that is not itself a trusted proxy is the client."""
    peer = request.client.host if request.client else "0.0.0.0"  # noqa: S104 - unknown peer, not a bind
    if not settings.trusted_proxies or not _is_trusted(peer, settings):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address, settings):
            return address
    return forwarded[0] if forwarded else peer


def livemode_of(request: Request, test_hosts: list[str]) -> bool:
    """Whether the request is for the live environment: the test one is served on ``HOSTLANE_TEST_HOSTS``."""
    return (request.url.hostname or "") not in test_hosts


async def get_client_ip(request: Request, runtime: RuntimeDep) -> str:
    return client_ip(request, runtime.settings)


ClientIp = Annotated[str, Depends(get_client_ip)]


async def write_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed after the endpoint returns, rolled back if it raises."""
    async with runtime.db.transaction() as session:
        yield session


async def read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.db.reader() as session:
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit is the answer.
WriteSession = Annotated[AsyncSession, Depends(write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(read_session)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# A path id: a positive 64-bit integer, else 422 (it could never name a row).
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


# Where an operation carries the schemas its ``documented_body`` names, until ``faces.face.document_requests`` moves
# them into the document's components.
DOCUMENTED_SCHEMAS = "x-hostlane-schemas"


def documented_body(source: type[BaseModel] | Sequence[str], *, required: bool = True) -> dict[str, Any]:
    """The ``openapi_extra`` of a route that reads its body itself (``parse_model``, ``required_text``): the body
    documented as FastAPI documents a body parameter, from the input model or the names of the required text fields.
    The document lists it in every media type the face reads (``Face.body_media_types``)."""
    if isinstance(source, type):
        schema = source.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = {**schema.pop("$defs", {}), source.__name__: schema}
        body: dict[str, Any] = {"$ref": f"#/components/schemas/{source.__name__}"}
    else:
        schemas = {}
        body = {
            "type": "object",
            "required": list(source),
            "properties": {name: {"type": "string", "minLength": 1} for name in source},
        }
    return {
        "requestBody": {"required": required, "content": {JSON: {"schema": body}}},
        DOCUMENTED_SCHEMAS: schemas,
    }


PAGE_HELP = (
    "Page by number. The answer's `total` (and `last_page`) is exact when the list is unfiltered (kept as rows are "
    f"written), when the page is the last one, and when the filters match at most {COUNT_CAP:,} rows; past that, "
    "on PostgreSQL, it is the query planner's estimate, never below the rows known to exist. A deep page costs more "
    "than a near one: new clients should page by `cursor`."
)
CURSOR_HELP = (
    "Page by cursor, the fast path for new clients: send `cursor=` (empty) for the first page, then follow "
    "`links.next` (or send `meta.next_cursor`, `next_cursor` in a flat list); `prev` leads back. Every page costs the "
    "same however far in, and rows written between pages are neither repeated nor skipped. The answer is Laravel's "
    "cursor paginator: no page numbers and no `total`. Keep the same `sort` and filters while following a cursor; a "
    "garbled cursor, one made for another sort, or a sort by a field that may be empty is a 400 naming `cursor`."
)


def list_parameters(spec: ListSpec) -> list[dict[str, Any]]:
    """The query parameters of a list read by ``core.pagination.parse_list_query``, as OpenAPI parameters: ``page``,
    ``per_page`` (capped at HOSTLANE_MAX_PAGE_SIZE), ``sort`` and ``include`` (comma-separated names the resource
    allows, ``-`` before a sort for descending), and ``filter[name]`` for each filter it allows."""

    def names(allowed: Iterable[str], *, descending: bool = False) -> dict[str, Any]:
        one = ("-?" if descending else "") + "(?:" + "|".join(re.escape(name) for name in sorted(allowed)) + ")"
        return {"type": "string", "pattern": f"^{one}(?:,{one})*$"}

    page = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
    parameters: list[dict[str, Any]] = [
        {"name": "page", "in": "query", "required": False, "schema": page, "description": PAGE_HELP},
        {"name": "per_page", "in": "query", "required": False, "schema": page},
        {
            "name": "cursor",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_CURSOR},
            "description": CURSOR_HELP,
        },
    ]
    if spec.sorts:
        parameters.append(
            {"name": "sort", "in": "query", "required": False, "schema": names(spec.sorts, descending=True)}
        )
    if spec.includes:
        parameters.append({"name": "include", "in": "query", "required": False, "schema": names(spec.includes)})
    if spec.filters:
        filters = {name: {"type": "string"} for name in spec.filters}
        parameters.append(
            {
                "name": "filter",
                "in": "query",
                "required": False,
                "style": "deepObject",
                "explode": True,
                "schema": {"type": "object", "properties": filters, "additionalProperties": False},
            }
        )
    return parameters


async def parse_model(request: Request, model: type[Input], *, query: bool = False) -> Input:
    """The request's fields (see ``decode_request``) validated by ``model``; a refusal is the face's 422 naming
    the fields, the same as FastAPI's own for a body parameter."""
    data = await decode_request(request, query=query)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None


async def required_text(request: Request, *names: str, query: bool = False) -> dict[str, str]:
    """The named fields, each a non-empty text, else 422 naming every one that is missing."""
    data = await decode_request(request, query=query)
    missing = [name for name in names if not isinstance(data.get(name), str) or not data.get(name)]
    if missing:
        raise ValidationFailed(
            f"The {missing[0]} field is required.",
            fields={name: [f"The {name} field is required."] for name in missing},
        )
    return {name: str(data[name]) for name in names}
