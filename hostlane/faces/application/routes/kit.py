"""The application face's toolkit: its prefix, list parsing, and the builders of the CRUD endpoint quintet.

A CLIENTXCMS resource is a path, a permission prefix, its schemas, its domain functions and its wire
shape. ``Resource`` turns those into endpoints (list / create / show / update under POST, PUT and PATCH /
delete) with the paths, summaries, operation ids, permissions and status codes hand-written ones had;
``Holding`` does the same for the rows an item holds under a path of its own (a service's IP addresses).
What really differs per resource stays hand-written next to it.

No ``from __future__ import annotations`` here: the endpoints are closures whose annotations name the
resource's permission and path parameter, so they must be objects FastAPI can read, not strings.
"""

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any, Protocol, TypeVar, get_args

from fastapi import APIRouter, Path, Request, Response
from fastapi.params import Path as PathParam
from pydantic import BaseModel, RootModel, create_model
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.fields import MAX_ID
from hostlane.core.formats import FormatRoute, render
from hostlane.core.pagination import ListQuery, ListSpec, Page, parse_list_query
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.includes import INCLUDE_PERMISSIONS, require_includes
from hostlane.faces.common import ReadSession, RuntimeDep, WriteSession, list_parameters
from hostlane.faces.face import success_responses
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal

PREFIX = "/api/application"
UPDATE_METHODS = ("POST", "PUT", "PATCH")  # CLIENTXCMS updates with POST; PUT and PATCH mean the same here

Endpoint = Callable[..., Awaitable[Response]]
Row = Mapping[str, Any]
Wire = Callable[[Row], dict[str, Any]]
# Widens the includes a request asked for, e.g. products' ``?pricing=1`` (as the document says) is ``include=pricing``.
IncludeRule = Callable[[Request, frozenset[str]], frozenset[str]]
Fetch = Callable[[AsyncSession, Principal, ListQuery], Awaitable[Page]]

# The default list envelope (the ``wire`` field of a Resource hides the module inside its class body).
COLLECTION = wire.paginated

Body = TypeVar("Body", bound=BaseModel)
Answers = dict[int | str, dict[str, Any]]  # a route's documented ``responses=``

# The documented shape of each list envelope of ``wire``, wrapping the documented shape of a row: paged by number,
# and by cursor.
ENVELOPE_SHAPES: dict[Callable[..., dict[str, Any]], type[Any]] = {
    wire.paginated: schemas.Paginated,
    wire.flat_paginated: schemas.FlatPaginated,
}
CURSOR_SHAPES: dict[Callable[..., dict[str, Any]], type[Any]] = {
    wire.paginated: schemas.CursorPaginated,
    wire.flat_paginated: schemas.FlatCursorPaginated,
}


class ItemCall(Protocol):
    """A domain function on one row by id (get, delete, cancel …) returning the row's read shape."""

    def __call__(self, session: AsyncSession, principal: Principal, item_id: int, /) -> Awaitable[Row]: ...


class ItemGet(Protocol):
    """A domain getter that also loads what the request's ``include=`` asks for."""

    def __call__(
        self, session: AsyncSession, principal: Principal, item_id: int, /, *, includes: frozenset[str]
    ) -> Awaitable[Row]: ...


def wrapped(envelope: Callable[..., dict[str, Any]], shape: type[BaseModel]) -> type[BaseModel]:
    """The documented shape of ``envelope`` (a list envelope of ``wire``) holding rows of ``shape``."""
    generic: Any = ENVELOPE_SHAPES[envelope]
    model: type[BaseModel] = generic[shape]
    return model


def listed(envelope: Callable[..., dict[str, Any]], shape: type[BaseModel]) -> type[BaseModel]:
    """The documented answer of a list: ``envelope`` holding rows of ``shape``, paged by number or by cursor."""
    by_number: Any = ENVELOPE_SHAPES[envelope]
    by_cursor: Any = CURSOR_SHAPES[envelope]
    name = f"{by_number[shape].__name__}Or{by_cursor[shape].__name__}".replace("[", "_").replace("]", "")
    model: type[BaseModel] = create_model(name, __base__=RootModel[by_number[shape] | by_cursor[shape]])
    return model


def face_router(tag: str = "application") -> APIRouter:
    """A router of the face: its prefix, its docs tag, and request bodies in JSON or XML."""
    return APIRouter(prefix=PREFIX, tags=[tag], route_class=FormatRoute)


def update_route(
    path: str, summary: str, *, on: APIRouter, name: str, responses: Answers
) -> Callable[[Endpoint], Endpoint]:
    """Register an update endpoint under each of the three methods (one OpenAPI operation each), its success
    documented by ``responses``."""

    def register(endpoint: Endpoint) -> Endpoint:
        for method in UPDATE_METHODS:
            on.add_api_route(
                path,
                endpoint,
                methods=[method],
                summary=summary,
                name=name,
                operation_id=f"{name}_{method.lower()}",
                responses=responses,
            )
        return endpoint

    return register


def list_query(request: Request, runtime: RuntimeDep, spec: ListSpec) -> ListQuery:
    return parse_list_query(request.query_params, spec, max_per_page=runtime.settings.max_page_size)


def includes_of(request: Request, spec: ListSpec) -> frozenset[str]:
    return parse_list_query({"include": request.query_params.get("include", "")}, spec, max_per_page=1).includes


def path_id(name: str) -> PathParam:
    """The path id ``name`` (``customer_id``): a positive 64-bit integer, else 422."""
    info: PathParam = Path(alias=name, ge=1, le=MAX_ID)
    return info


def _session_for(method: str) -> Any:
    """The session dependency: a reader for ``GET``, else the request's one transaction."""
    return get_args(ReadSession if method == "GET" else WriteSession)[1]


def _named(endpoint: Endpoint, name: str, model: type[BaseModel] | None = None) -> Endpoint:
    """Name a built endpoint as its hand-written twin was named (tracebacks, logs), and give its ``body`` the
    request model: inside a builder the body's type is only the TypeVar, and FastAPI reads the annotation."""
    endpoint.__name__ = endpoint.__qualname__ = name
    if model is not None:
        endpoint.__annotations__["body"] = model
    return endpoint


def _add(
    router: APIRouter,
    path: str,
    method: str,
    endpoint: Endpoint,
    *,
    name: str,
    summary: str,
    model: type[BaseModel] | None = None,
    status_code: int | None = None,
    openapi_extra: dict[str, Any] | None = None,
    responses: Answers | None = None,
) -> None:
    """Register a built endpoint under one method: one OpenAPI operation, named ``name``."""
    router.add_api_route(
        path,
        _named(endpoint, name, model),
        methods=[method],
        status_code=status_code,
        summary=summary,
        name=name,
        openapi_extra=openapi_extra,
        responses=responses,
    )


@dataclasses.dataclass(frozen=True)
class Resource:
    """One resource of the face: where it lives, what it may do, how it reads on the wire.

    ``one`` names its endpoints (``show_customer``, ``list_customers``), hence their operation ids,
    and its path id (``customer_id``); ``permissions`` is the prefix of its permissions (``customers:index`` …),
    the path's name unless it says otherwise.
    """

    router: APIRouter
    path: str
    _: dataclasses.KW_ONLY
    one: str
    spec: ListSpec
    wire: Wire
    # The documented shape of ``wire``'s row (``schemas``): every answer of the resource documents it, as the row
    # itself, in its list envelope or as a page of one.
    shape: type[BaseModel]
    widen_includes: IncludeRule | None = None
    # The face's words in ``filter[…]`` turned into the domain's (``filter[status]=Paid`` is ``paid``).
    filter_words: Callable[[ListQuery], ListQuery] | None = None
    permissions: str | None = None
    # Whether ``X:index`` also reads one row (the document's resources); a row whose show route reveals its parts
    # (an invoice's items and payments, a ticket's replies) needs ``X:show``, as in the real CLIENTXCMS.
    index_shows: bool = True
    # How a page of the list is wrapped: Laravel's resource collection, or its plain paginator (``flat_paginated``).
    envelope: Callable[[Request, Page, Wire], dict[str, Any]] = COLLECTION

    def __post_init__(self) -> None:
        unguarded = self.spec.includes - INCLUDE_PERMISSIONS.get(self.path, {}).keys()
        if unguarded:
            raise LookupError(f"{self.path}: no permission for include {', '.join(sorted(unguarded))} (includes.py)")

    @property
    def id(self) -> str:
        return f"{self.one}_id"

    @property
    def many(self) -> str:
        return f"{self.one}s"

    @property
    def item_path(self) -> str:
        return f"{self.path}/{{{self.id}}}"

    def answers(self, *, status: int = 200, as_page: bool = False) -> Answers:
        """The documented success of an answer of one row: the row, or (``as_page``) a page of one."""
        return success_responses(wrapped(wire.flat_paginated, self.shape) if as_page else self.shape, status)

    def _needs(self, action: str) -> Any:
        """The permission ``<resource>:<action>``; reading one row is allowed by ``:show`` (the real CLIENTXCMS's
        word) or, where ``index_shows``, by ``:index`` (the document's, which lists no ``show``)."""
        prefix = self.permissions or self.path.lstrip("/")
        if action == "show" and self.index_shows:
            return needs(f"{prefix}:show", f"{prefix}:index")
        return needs(f"{prefix}:{action}")

    def _includes(self, request: Request, principal: Principal, includes: frozenset[str]) -> frozenset[str]:
        """What the request includes (widened by the resource's rule), each include's permission checked."""
        if self.widen_includes is not None:
            includes = self.widen_includes(request, includes)
        require_includes(principal, self.path, includes)
        return includes

    def index(self, fetch: Fetch, *, summary: str) -> None:
        """``GET /things``: one page, with ``filter[…]``, ``sort``, ``include``, ``page`` and ``per_page``."""

        async def endpoint(
            request: Request,
            runtime: RuntimeDep,
            session: ReadSession,
            principal: Annotated[Principal, self._needs("index")],
        ) -> Response:
            query = list_query(request, runtime, self.spec)
            query = dataclasses.replace(query, includes=self._includes(request, principal, query.includes))
            if self.filter_words is not None:
                query = self.filter_words(query)
            page = await fetch(session, principal, query)
            return render(request, self.envelope(request, page, self.wire))

        _add(
            self.router,
            self.path,
            "GET",
            endpoint,
            name=f"list_{self.many}",
            summary=summary,
            openapi_extra={"parameters": list_parameters(self.spec)},
            responses=success_responses(listed(self.envelope, self.shape)),
        )

    def create(
        self,
        model: type[Body],
        make: Callable[[AsyncSession, Principal, Body], Awaitable[Row]],
        *,
        summary: str,
        idempotent: bool = False,
    ) -> None:
        """``POST /things`` answers 201; ``idempotent`` stores the answer under the request's Idempotency-Key."""

        async def endpoint(
            request: Request,
            body: Body,
            session: WriteSession,
            principal: Annotated[Principal, self._needs("create")],
        ) -> Response:
            response = render(request, self.wire(await make(session, principal, body)), 201)
            return await remember(session, request, response) if idempotent else response

        _add(
            self.router,
            self.path,
            "POST",
            endpoint,
            name=f"create_{self.one}",
            summary=summary,
            model=model,
            status_code=201,
            responses=self.answers(status=201),
        )

    def show(self, get: ItemCall, *, summary: str) -> None:
        """``GET /things/{id}``, allowed by ``things:show`` or ``things:index``."""
        self.on_item("GET", "", get, action="show", summary=summary, name=f"show_{self.one}")

    def one_row_page(self, request: Request, runtime: RuntimeDep, row: Row, item: Wire | None = None) -> Response:
        """``row`` as the only item of a page of the resource's list, in Laravel's plain paginator: what CLIENTXCMS
        answers where its show runs ``queryShow`` (the list filtered by id, paginated: products, invoices, tickets,
        departments; not groups or pricings). A page past the first is empty."""
        query = dataclasses.replace(list_query(request, runtime, self.spec), filters={}, sort=[], cursor=None)
        page = Page([dict(row)] if query.page == 1 else [], 1, query)
        return render(request, wire.flat_paginated(request, page, item or self.wire))

    def show_including(self, get: ItemGet, *, summary: str, as_page: bool = False) -> None:
        """``GET /things/{id}?include=…`` with the includes of the resource's list; ``as_page`` answers the row as a
        page of one (``one_row_page``), else the row itself."""

        async def endpoint(
            request: Request,
            runtime: RuntimeDep,
            item_id: Annotated[int, path_id(self.id)],
            session: ReadSession,
            principal: Annotated[Principal, self._needs("show")],
        ) -> Response:
            includes = self._includes(request, principal, includes_of(request, self.spec))
            row = await get(session, principal, item_id, includes=includes)
            return self.one_row_page(request, runtime, row) if as_page else render(request, self.wire(row))

        _add(
            self.router,
            self.item_path,
            "GET",
            endpoint,
            name=f"show_{self.one}",
            summary=summary,
            responses=self.answers(as_page=as_page),
        )

    def update(
        self,
        model: type[Body],
        change: Callable[[AsyncSession, Principal, int, Body], Awaitable[Row]],
        *,
        summary: str,
    ) -> None:
        """``POST``, ``PUT`` or ``PATCH /things/{id}``: a partial update."""

        async def endpoint(
            request: Request,
            item_id: Annotated[int, path_id(self.id)],
            body: Body,
            session: WriteSession,
            principal: Annotated[Principal, self._needs("update")],
        ) -> Response:
            return render(request, self.wire(await change(session, principal, item_id, body)))

        name = f"update_{self.one}"
        update_route(self.item_path, summary, on=self.router, name=name, responses=self.answers())(
            _named(endpoint, name, model)
        )

    def delete(self, remove: ItemCall, *, summary: str, name: str | None = None) -> None:
        """``DELETE /things/{id}``: answers the row as it was."""
        self.on_item("DELETE", "", remove, action="delete", summary=summary, name=name or f"delete_{self.one}")

    def on_item(self, method: str, suffix: str, call: ItemCall, *, action: str, summary: str, name: str) -> None:
        """``METHOD /things/{id}{suffix}`` without a body: calls ``call`` on the row and renders what it returns."""

        async def endpoint(
            request: Request,
            item_id: Annotated[int, path_id(self.id)],
            session: Annotated[AsyncSession, _session_for(method)],
            principal: Annotated[Principal, self._needs(action)],
        ) -> Response:
            return render(request, self.wire(await call(session, principal, item_id)))

        _add(
            self.router, self.item_path + suffix, method, endpoint, name=name, summary=summary, responses=self.answers()
        )


@dataclasses.dataclass(frozen=True)
class Holding:
    """The rows an item holds under a path of its own, one at a time (a service's IP addresses, its PDU outlets):
    listed as ``{"data": [...]}``, given (201, under the request's Idempotency-Key), taken back by id.

    ``path`` names the owner's id (``/services/{service_id}/ips``); a held row's id is ``<one>_id``. Listing asks
    ``<permissions>:index``; giving and taking back ask ``<permissions>:update``.
    """

    router: APIRouter
    path: str
    _: dataclasses.KW_ONLY
    one: str
    permissions: str
    wire: Wire
    shape: type[BaseModel]  # the documented shape of ``wire``'s row (``schemas``)

    @property
    def owner(self) -> str:
        """The owner's path id, as the path names it (``service_id``)."""
        return self.path.partition("{")[2].partition("}")[0]

    def index(
        self, rows: Callable[[AsyncSession, Principal, int], Awaitable[Sequence[Row]]], *, summary: str, name: str
    ) -> None:
        async def endpoint(
            request: Request,
            owner_id: Annotated[int, path_id(self.owner)],
            session: ReadSession,
            principal: Annotated[Principal, needs(f"{self.permissions}:index")],
        ) -> Response:
            found = await rows(session, principal, owner_id)
            return render(request, {"data": [self.wire(row) for row in found]})

        held: Any = schemas.Held
        _add(
            self.router,
            self.path,
            "GET",
            endpoint,
            name=name,
            summary=summary,
            responses=success_responses(held[self.shape]),
        )

    def give(
        self,
        model: type[Body],
        call: Callable[[AsyncSession, Principal, int, Body], Awaitable[Row]],
        *,
        summary: str,
        name: str,
    ) -> None:
        async def endpoint(
            request: Request,
            owner_id: Annotated[int, path_id(self.owner)],
            body: Body,
            session: WriteSession,
            principal: Annotated[Principal, needs(f"{self.permissions}:update")],
        ) -> Response:
            row = await call(session, principal, owner_id, body)
            return await remember(session, request, render(request, self.wire(row), 201))

        _add(
            self.router,
            self.path,
            "POST",
            endpoint,
            name=name,
            summary=summary,
            model=model,
            status_code=201,
            responses=success_responses(self.shape, 201),
        )

    def take_back(
        self, call: Callable[[AsyncSession, Principal, int, int], Awaitable[Row]], *, summary: str, name: str
    ) -> None:
        held = f"{self.one}_id"

        async def endpoint(
            request: Request,
            owner_id: Annotated[int, path_id(self.owner)],
            held_id: Annotated[int, path_id(held)],
            session: WriteSession,
            principal: Annotated[Principal, needs(f"{self.permissions}:update")],
        ) -> Response:
            return render(request, self.wire(await call(session, principal, owner_id, held_id)))

        _add(
            self.router,
            f"{self.path}/{{{held}}}",
            "DELETE",
            endpoint,
            name=name,
            summary=summary,
            responses=success_responses(self.shape),
        )
