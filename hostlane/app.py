"""create_app(): mounts the faces, turns every failure into its face's error shape, serves the docs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

import hostlane
import hostlane.tasks  # registers every job handler (the runtime and the runner import no domain)
from hostlane.config import Settings, get_settings
from hostlane.core.errors import HostlaneError
from hostlane.core.formats import FormatRoute
from hostlane.faces import application, client, clientarea, partner, teampro, web, webhooks, xci
from hostlane.faces.common import ErrorInfo, ErrorRenderer, laravel_error
from hostlane.faces.face import ERROR_STATUSES, Face, document_requests, face_for, longest_prefix_first
from hostlane.faces.idempotency import IdempotencyMiddleware
from hostlane.faces.security import SecurityHeadersMiddleware
from hostlane.jobs.runner import schedule_forever, work_forever
from hostlane.runtime import Runtime

log = logging.getLogger("hostlane")


# Every face, in the order of the OpenAPI document's tags.
LISTED: list[Face] = [
    application.FACE,
    clientarea.FACE,
    client.FACE,
    xci.FACE,
    teampro.FACE,
    partner.FACE,
    webhooks.FACE,
    web.PORTAL,
    web.ADMIN,
]
# Mounted and matched longest prefix first.
FACES: list[Face] = longest_prefix_first(LISTED)


def error_renderer(path: str, faces: list[Face]) -> ErrorRenderer:
    """The renderer of the face that owns ``path``; paths outside every face (docs, unknown) answer
    ``{"message": …}`` like Laravel."""
    face = face_for(path, faces)
    return face.error if face is not None else laravel_error


def _field_name(loc: tuple[object, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_info(exc: RequestValidationError) -> ErrorInfo:
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        name = _field_name(tuple(error.get("loc", ())))
        if error.get("type") == "missing":
            message = f"The {name} field is required."
        else:
            message = f"The {name} field is invalid: {str(error.get('msg', 'invalid value')).rstrip('.')}."
        fields.setdefault(name, []).append(message)
    first = next(iter(fields.values()))[0] if fields else "The given data was invalid."
    count = sum(len(messages) for messages in fields.values())
    message = first if count <= 1 else f"{first} (and {count - 1} more error{'s' if count > 2 else ''})"
    return ErrorInfo(422, message, "validation_failed", fields)


def install_error_handlers(app: FastAPI, faces: list[Face]) -> None:
    def respond(request: Request, info: ErrorInfo) -> Response:
        return error_renderer(request.url.path, faces)(request, info)

    @app.exception_handler(HostlaneError)
    async def hostlane_error(request: Request, exc: HostlaneError) -> Response:
        return respond(request, ErrorInfo(exc.status, exc.message, exc.code, exc.fields, exc.headers, exc.context))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, _validation_info(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, str(exc.detail))
        return respond(request, ErrorInfo(exc.status_code, message, headers=dict(exc.headers or {})))

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # A constraint caught what the service did not; say so without leaking SQL.
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        return respond(request, ErrorInfo(409, "The request conflicts with existing data.", "conflict"))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, ErrorInfo(500, "Server Error", "server_error"))


class HostlaneApp(FastAPI):
    """FastAPI, with the security headers outside everything else: Starlette answers an unexpected error from its
    outermost middleware, which ``add_middleware`` cannot wrap, so the headers wrap the whole stack here."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack(), settings=get_settings)


_OPERATIONS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def document_errors(document: dict[str, Any], faces: list[Face]) -> dict[str, Any]:
    """Add to every operation of ``document`` each error status it may answer (``Face.error_statuses``), in its
    face's error shape, as JSON or XML; FastAPI's own 422 (``HTTPValidationError``, a shape no face answers) is
    replaced by the face's."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in document.get("paths", {}).items():
        face = face_for(path, faces)
        if face is None:
            continue
        name = face.error_model.__name__
        schemas.setdefault(name, face.error_model.model_json_schema(ref_template="#/components/schemas/{model}"))
        body = {"schema": {"$ref": f"#/components/schemas/{name}"}}
        for method, operation in operations.items():
            if method not in _OPERATIONS:
                continue
            responses = operation.setdefault("responses", {})
            # The face's usual statuses, and those the route declares itself (``faces.face.error_responses``).
            declared = [int(status) for status in responses if status.isdigit() and int(status) >= 400]
            for status in sorted({*face.error_statuses(method), *declared}):
                known = responses.get(str(status))
                fastapi_own = known is not None and _FASTAPI_422 in str(known)
                if known is None or fastapi_own or "content" not in known:
                    own = None if known is None or fastapi_own else known.get("description")
                    responses[str(status)] = {
                        "description": own or ERROR_STATUSES.get(status, "Error"),
                        "content": {"application/json": body, "application/xml": body},
                    }
    if _FASTAPI_422 not in str(document.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return document


# The docs pages, and the Swagger UI and ReDoc files they load, served from the package ``fastapi-offline`` ships
# them in (current Swagger UI 5 and ReDoc 2 builds): no CDN, so the pages work offline and the CSP names no
# other origin (``faces.security``).
OPENAPI_URL = "/api/openapi.json"
SWAGGER_UI_URL = "/api/documentation"
REDOC_URL = "/api/redoc"
DOCS_ASSETS_URL = "/api/documentation/assets"
_ASSETS_DIRECTORY = Path(str(files("fastapi_offline") / "static"))
DOCS_ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
_ASSETS_CACHE = {"Cache-Control": "public, max-age=86400"}


def install_docs(app: FastAPI) -> None:
    """Swagger UI at ``/api/documentation`` and ReDoc at ``/api/redoc``, their files under
    ``/api/documentation/assets/`` (plain routes, outside the OpenAPI document and every face's route table)."""

    def here(request: Request, path: str) -> str:  # behind a proxy that mounts the app under a root path too
        return f"{request.scope.get('root_path', '').rstrip('/')}{path}"

    def asset(request: Request, name: str) -> str:
        return here(request, f"{DOCS_ASSETS_URL}/{name}")

    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=here(request, OPENAPI_URL),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
        )

    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=here(request, OPENAPI_URL),
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            with_google_fonts=False,
        )

    async def docs_asset(request: Request) -> FileResponse:
        name = request.path_params["name"]
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404)
        return FileResponse(_ASSETS_DIRECTORY / name, media_type=DOCS_ASSETS[name], headers=_ASSETS_CACHE)

    app.add_route(SWAGGER_UI_URL, swagger_ui, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    app.add_route(DOCS_ASSETS_URL + "/{name}", docs_asset, include_in_schema=False)


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, faces: list[Face] | None = None
) -> FastAPI:
    """The Hostlane ASGI app. ``runtime`` is built from ``settings`` unless given (tests give one); ``faces``
    are ``LISTED`` unless given (tests add one)."""
    settings = settings or get_settings()
    owns_runtime = runtime is None
    runtime = runtime or Runtime.build(settings)
    listed = LISTED if faces is None else faces
    mounted = longest_prefix_first(listed)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if settings.inprocess_jobs:
            tasks.append(asyncio.create_task(work_forever(runtime)))
            tasks.append(
                asyncio.create_task(
                    schedule_forever(
                        runtime, hostlane.tasks.DAILY_JOB, every_seconds=settings.billing_run_every_seconds
                    )
                )
            )
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if owns_runtime:
            await runtime.close()

    FormatRoute.max_body_bytes = settings.max_request_bytes
    app = HostlaneApp(
        title="Hostlane",
        version=hostlane.__version__,
        description="One platform, five wire-compatible APIs. Each tag is one face.",
        openapi_url=OPENAPI_URL,
        docs_url=None,  # served by install_docs, from the package's files
        redoc_url=None,
        openapi_tags=[face.openapi_tag for face in listed if face.documented],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app, mounted)
    install_docs(app)

    def idempotency_error(request: Request, status: int, message: str, fields: dict[str, list[str]]) -> Response:
        return error_renderer(request.url.path, mounted)(request, ErrorInfo(status, message, fields=fields))

    app.add_middleware(
        IdempotencyMiddleware,
        db=lambda: app.state.runtime.db,  # the app's runtime (tests give a shared app a new one)
        error=idempotency_error,
        max_body_bytes=settings.max_request_bytes,
    )
    for face in mounted:
        for router in face.routers:
            app.include_router(router)
    build_document = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(document_requests(build_document(), mounted), mounted)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
