"""The seam between the app and a face: one ``Face`` value per document, exported by the face's package.

``app.py`` mounts the faces' routers, words every failure under a face's prefix with that face's error
renderer, and lists each face as one tag of the OpenAPI document. A new face is one more ``FACE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hostlane.config import Settings
from hostlane.core.formats import JSON, XML
from hostlane.faces.common import DOCUMENTED_SCHEMAS, ErrorRenderer, _is_trusted
from hostlane.faces.idempotency import MAX_KEY_LENGTH


class LaravelError(BaseModel):
    """Laravel's error: a message, and each refused field's messages on 422."""

    message: str
    errors: dict[str, list[str]] | None = None


# What each status a face may answer means, as the OpenAPI document describes it.
ERROR_STATUSES: dict[int, str] = {
    400: "Bad request: a malformed body (not JSON or XML, nested too deep, too many values) or query parameter.",
    401: "Unauthenticated: no credentials, or wrong ones.",
    402: "Payment required: the account credit does not cover the amount due, or the payment gateway declined.",
    403: "Forbidden: the credentials lack the permission the route needs.",
    404: "Not found (or not the caller's).",
    405: "Method not allowed: the resource does not take this HTTP method.",
    409: "Conflict: the change conflicts with the resource's state or with existing data, or the same "
    "Idempotency-Key is in flight.",
    413: "The request body is larger than HOSTLANE_MAX_REQUEST_BYTES.",
    415: "The request body's media type is neither JSON, XML nor form fields.",
    422: "Validation failed: the fields refused, each with its messages.",
    429: "Too many failed attempts from this address: banned for a while (see Retry-After).",
    502: "The outside system the change goes to (a DNS server, a PDU) refused it.",
    503: "The outside system the request needs (a DNS server, a PDU) is not answering: nothing changed; try again "
    "after Retry-After.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that may answer ``statuses`` besides its face's usual ones
    (``Face.error_statuses``): the document describes each, in the face's error body (``app.document_errors``)."""
    return {status: {"description": ERROR_STATUSES[status]} for status in statuses}


def success_responses(shape: type[BaseModel], status: int = 200) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route whose success answers ``shape`` (a face's wire model): the document lists it
    in JSON and in XML (``document_requests``)."""
    return {status: {"model": shape, "description": "Success"}}


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True, eq=False)
class Face:
    """One document's API: where it lives, what it serves, how it words errors and who may call it.
    A face equals only itself."""

    tag: str  # its tag in the OpenAPI document
    description: str  # the tag's description: the document and how a caller authenticates
    prefix: str  # every path of the face starts with it (``/api/application``)
    routers: Sequence[APIRouter]
    error: ErrorRenderer  # a failure anywhere under the prefix, in the document's error shape
    authentication: str  # how a caller authenticates, in a few words
    # The dependency that yields the caller's Principal (or refuses with 401), where the face has one.
    auth: Callable[..., Any] | None = None
    # The body ``error`` answers, for the OpenAPI document (Laravel's unless the face says otherwise).
    error_model: type[BaseModel] = LaravelError
    # The media types its routes read a request body in, as the OpenAPI document lists them: every body documented
    # as JSON is documented in each of these too, with the same schema (``document_requests``).
    body_media_types: tuple[str, ...] = (JSON, XML)
    # False for the web pages: they are not an API, so the OpenAPI document lists neither their tag nor routes.
    documented: bool = True

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    @property
    def openapi_tag(self) -> dict[str, str]:
        return {"name": self.tag, "description": self.description}

    def error_statuses(self, method: str) -> list[int]:
        """Every error status an operation of this face may answer: 400, 404 and 422 (a bad query, path or body;
        a row that is not there), 409, 413 and 415 where it takes a body, and 401, 403 and 429 where the face
        authenticates (its login routes count failures toward the ban too)."""
        statuses = {400, 404, 422}
        if method.upper() in BODY_METHODS:
            statuses |= {409, 413, 415}
        if self.auth is not None:
            statuses |= {401, 403, 429}
        return sorted(statuses)


_OPERATIONS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


# The header a POST of a face that authenticates may carry (``faces.idempotency``).
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retry with the same key replays the first answer; the same key with another request is 422, "
    "and while the first request still runs, 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}


def document_requests(document: dict[str, Any], faces: Sequence[Face]) -> dict[str, Any]:
    """List every request body of ``document`` in each media type its face reads (``Face.body_media_types``), with
    the schema its JSON form has; move the schemas that routes documented themselves (``faces.common.documented_body``)
    into the document's components; list ``Idempotency-Key`` on each POST of a face that authenticates; and list a
    success answer documented in JSON (``success_responses``) in XML too, with the same schema."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in document.get("paths", {}).items():
        face = face_for(path, faces)
        for method, operation in operations.items():
            if method not in _OPERATIONS:
                continue
            schemas.update(operation.pop(DOCUMENTED_SCHEMAS, {}))
            if face is not None and face.auth is not None and method == "post":
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
            if face is not None:
                for status, answer in operation.get("responses", {}).items():
                    answered = answer.get("content", {})
                    if status.startswith("2") and answered.get(JSON, {}).get("schema"):
                        answered.setdefault(XML, {"schema": answered[JSON]["schema"]})
            content = operation.get("requestBody", {}).get("content", {})
            if face is None or JSON not in content:
                continue
            for media_type in face.body_media_types:
                content.setdefault(media_type, {"schema": content[JSON]["schema"]})
            if JSON not in face.body_media_types:
                del content[JSON]
    return document


def longest_prefix_first(faces: Iterable[Face]) -> list[Face]:
    """The faces in the order a path is matched against them, so ``/api/1.0`` is tried before ``/api``."""
    return sorted(faces, key=lambda face: len(face.prefix), reverse=True)


def face_for(path: str, faces: Sequence[Face]) -> Face | None:
    """The face that owns ``path``: the one with the longest prefix that is ``path`` or a segment-whole start of it
    (``/api/1.0x`` is not under ``/api/1.0``). ``None`` for a path outside every face."""
    owners = [face for face in faces if face.owns(path)]
    return max(owners, key=lambda face: len(face.prefix), default=None)


def page_urls(request: Request, base: str) -> Callable[[int], str]:
    """The URL of page ``n`` of the list the request reads: ``base``, then the request's query with ``page=n`` in
    place of its own, last (as Starlette's ``include_query_params(page=n)`` writes it). The query is parsed and
    encoded once for all of a page's links, not once per link."""
    others = urlencode([(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "page"])
    prefix = f"{base}?{others}&page=" if others else f"{base}?page="

    def url(number: int) -> str:
        return f"{prefix}{number}"

    return url


# A Host header's value: a DNS name or an IPv4 address, or a bracketed IPv6 address, and an optional port.
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _first(header: str | None) -> str:
    return (header or "").split(",", 1)[0].strip()


def _from_trusted_proxy(request: Request, settings: Settings) -> bool:
    return request.client is not None and _is_trusted(request.client.host, settings)


def came_over_https(request: Request, settings: Settings) -> bool:
    """True when the client reached us over HTTPS: this connection's scheme, or the ``X-Forwarded-Proto`` of a
    trusted proxy (a header from anyone else is not believed)."""
    if request.url.scheme == "https":
        return True
    return (
        _from_trusted_proxy(request, settings) and _first(request.headers.get("x-forwarded-proto")).lower() == "https"
    )


def public_origin(request: Request, settings: Settings) -> str:
    """``scheme://host`` of the links an answer holds (pagination), or ``""`` for links relative to this server.

    ``HOSTLANE_PUBLIC_URL`` when set. Otherwise the request's own scheme and host only when they can be believed:
    the peer is a trusted proxy (its ``X-Forwarded-Proto`` and ``X-Forwarded-Host``, else the ``Host`` it passed),
    or the ``Host`` is one of ``HOSTLANE_ALLOWED_HOSTS`` or ``HOSTLANE_TEST_HOSTS``. A ``Host`` anyone can forge
    is never echoed into a link another client may follow (a cached page, a log)."""
    if settings.public_url:
        return settings.public_url
    scheme, host = request.url.scheme, request.headers.get("host", "")
    if _from_trusted_proxy(request, settings):
        scheme = _first(request.headers.get("x-forwarded-proto")).lower() or scheme
        host = _first(request.headers.get("x-forwarded-host")) or host
    elif host.rsplit(":", 1)[0].lower() not in {
        name.lower() for name in (*settings.allowed_hosts, *settings.test_hosts)
    }:
        return ""
    if scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return ""
    return f"{scheme}://{host}"
