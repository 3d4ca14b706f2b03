"""Wire formats: JSON by default (orjson), XML when the client asks for it.

The one JSON <-> XML mapping used by every face:

* the document element of a response is ``<response>`` (any name is accepted in a request);
* an object becomes one child element per key, in order; a key that is not an XML name
  (``filter[name]``, ``0``) becomes ``<entry key="...">``;
* an array becomes an element with ``type="array"`` whose children are ``<item>`` elements, and an
  empty object an element with ``type="object"``;
* a string or number becomes text, ``true``/``false`` become ``true``/``false``, and ``null``
  becomes an empty element with ``nil="true"``.

Parsing reverses it; scalar text stays a string and the schema that validates the body converts
it (``"5"`` → ``5``). Request XML is parsed with defusedxml, so entity expansion, external
entities and DTDs are refused.

Every body, whatever its format, may nest ``HOSTLANE_MAX_BODY_DEPTH`` levels deep (32) and hold
``HOSTLANE_MAX_BODY_ELEMENTS`` values (10,000) at most: deeper or larger is a 400 in the face's error shape,
refused by ``FormatRoute`` before the route's dependencies (authentication, the database) run.

Text that XML 1.0 cannot carry (C0 control characters but tab, line feed and carriage return; lone
surrogates; U+FFFE and U+FFFF) is written as U+FFFD REPLACEMENT CHARACTER in an XML answer, so the document
stays well-formed; JSON carries every character, escaped.

Every face reads a request's fields with ``decode_request``: JSON, XML, form fields and multipart text fields
(bracketed names nest as in PHP, see ``hostlane.core.forms``), and the query string where the face's clients
send parameters there. Every face answers with ``render``: JSON or XML as ``Accept`` asks, or as the face says
(wbTeamPro names the format in the URL).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from itertools import accumulate
from typing import Any, Literal
from xml.etree.ElementTree import Element, SubElement, tostring

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from fastapi import Request, Response, params
from fastapi.routing import APIRoute

from hostlane.config import get_settings
from hostlane.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from hostlane.core.forms import (
    UploadedFile,
    body_limits,
    multipart_fields,
    multipart_files,
    too_deep,
    too_many,
    urlencoded_fields,
)

JSON = "application/json"
XML = "application/xml"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
Format = Literal["json", "xml"]
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dump_json(data: Any) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


# What XML 1.0 cannot carry (its Char production): C0 controls but \t \n \r, surrogates (a lone one can be in a
# Python str), U+FFFE and U+FFFF.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML_CHAR.sub(REPLACEMENT, text)


def _scalar_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return xml_text(str(value.value))
    return xml_text(str(value))


def _fill(element: Element, value: Any) -> None:
    if value is None:
        element.set("nil", "true")
    elif isinstance(value, dict):
        if not value:
            element.set("type", "object")
        for key, item in value.items():
            key = str(key)
            if _XML_NAME.match(key) and not key.lower().startswith("xml"):
                child = SubElement(element, key)
            else:
                child = SubElement(element, "entry", key=xml_text(key))
            _fill(child, item)
    elif isinstance(value, list | tuple):
        element.set("type", "array")
        for item in value:
            _fill(SubElement(element, "item"), item)
    else:
        element.text = _scalar_text(value)


def dump_xml(data: Any, root: str = "response") -> bytes:
    element = Element(root)
    _fill(element, data)
    body: bytes = tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _read(element: Element) -> Any:
    if element.get("nil") == "true":
        return None
    children = list(element)
    if element.get("type") == "array":
        return [_read(child) for child in children]
    if element.get("type") == "object" and not children:
        return {}
    if not children:
        return element.text or ""
    result: dict[str, Any] = {}
    for child in children:
        key = child.get("key", child.tag) if child.tag == "entry" else child.tag
        result[key] = _read(child)
    return result


def _parse_xml(body: bytes) -> Element:
    """The document element, parsed as a stream so that a body nested too deep or holding too many elements is
    refused as soon as the parser reaches the element past the cap (``_read`` then recurses at most that deep)."""
    max_depth, max_elements = body_limits()
    depth = elements = 0
    root: Element | None = None
    for event, element in iterparse(io.BytesIO(body), events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth, elements = depth + 1, elements + 1
        if depth > max_depth:
            raise too_deep(max_depth)
        if elements > max_elements:
            raise too_many(max_elements)
        if root is None:
            root = element
    if root is None:
        raise ValueError("no document element")
    return root


def load_xml(body: bytes) -> Any:
    try:
        return _read(_parse_xml(body))
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadRequest("The request body is not well-formed XML.") from exc


# Everything but brackets and commas, dropped (with the strings) to leave the document's skeleton.
_NOT_SKELETON = bytes(byte for byte in range(256) if byte not in b"[]{},")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def check_json_shape(body: bytes) -> None:
    """Refuse a JSON body that nests deeper or holds more values than the caps, without parsing it: a scan of
    its brackets and commas outside strings (cheap, C-speed), so it costs little even before authentication."""
    max_depth, max_elements = body_limits()
    # Escapes read left to right: an escaped backslash goes first, then no quote is escaped but a \" (also
    # dropped), so every quote left opens or closes a string and the even pieces between quotes are outside them.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = b"".join(unescaped.split(b'"')[0::2]).translate(None, _NOT_SKELETON)
    # Each comma separates one more value; each container is one (an empty container counts one too many), and
    # closes once: a skeleton longer than twice the cap is too many values, or not JSON (closing brackets alone).
    values = skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{") + 1
    if values > max_elements or len(skeleton) > 2 * max_elements:
        raise too_many(max_elements)
    if max(accumulate(map(_STEP.__getitem__, skeleton)), default=0) > max_depth:
        raise too_deep(max_depth)


def load_json(body: bytes) -> Any:
    check_json_shape(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("The request body is not valid JSON.") from exc


def media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def is_xml(media: str) -> bool:
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


def wants_xml(request: Request) -> bool:
    """True when the Accept header prefers XML to JSON (first of the two named wins)."""
    for part in request.headers.get("accept", "").split(","):
        media = media_type(part)
        if is_xml(media):
            return True
        if media == JSON or media.endswith("+json"):
            return False
    return False


def render(
    request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None, *, fmt: Format | None = None
) -> Response:
    """Render ``data`` as JSON, or as XML when the client asked for it; ``fmt``, when given, wins over ``Accept``."""
    if fmt == "xml" or (fmt is None and wants_xml(request)):
        return Response(dump_xml(data), status_code=status, media_type=XML, headers=headers)
    return Response(dump_json(data), status_code=status, media_type=JSON, headers=headers)


def decode_body(body: bytes, content_type: str | None) -> Any:
    """The data of a JSON or XML request body (``None`` when empty)."""
    if not body.strip():
        return None
    media = media_type(content_type)
    if is_xml(media):
        return load_xml(body)
    if _is_json(media):
        return load_json(body)
    raise UnsupportedMediaType()


def decode_fields(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The fields of a JSON, XML, form or multipart body (``{}`` when empty or not an object)."""
    media = media_type(content_type)
    if media == MULTIPART and body.strip():
        return multipart_fields(body, content_type or "")
    if media == FORM and not body.lstrip().startswith(b"{"):
        return urlencoded_fields(body.decode("utf-8", "replace"))
    # A JSON object sent with curl's default type (``curl -d '{…}'``) is JSON.
    data = decode_body(body, JSON if media == FORM else content_type)
    return data if isinstance(data, dict) else {}


async def decode_request(request: Request, *, query: bool = False) -> dict[str, Any]:
    """The request's fields, from its body and, with ``query``, its query string (a body field wins)."""
    fields = decode_fields(await request.body(), request.headers.get("content-type"))
    return {**urlencoded_fields(request.url.query), **fields} if query else fields


Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# A NUL character, raw or as a JSON escape (not an escaped backslash before "u0000"): no database stores it.
_NUL = re.compile(rb"\x00|(?<!\\)(?:\\\\)*\\u0000|&#0+;|&#x0+;", re.IGNORECASE)
NUL_REFUSED = "Text may not contain NUL characters."


def _is_json(media: str) -> bool:
    return media in ("", JSON, "text/plain") or media.endswith("+json")


def check_body(body: bytes, content_type: str | None) -> None:
    """Refuse a body too deep or too large for its format (400) before anything reads it for a route: a JSON body
    is scanned (FastAPI parses it afterwards), form fields parsed and thrown away. (An XML body is parsed, capped,
    by ``load_xml``.) Any other media type is the route's to read."""
    media = media_type(content_type)
    if _is_json(media) or (media == FORM and body.lstrip().startswith(b"{")):
        check_json_shape(body)
    elif media in (FORM, MULTIPART):
        decode_fields(body, content_type)


# Where a converted multipart request keeps its files (``uploaded_files``).
_UPLOADS = "hostlane.uploads"


def uploaded_files(request: Request) -> dict[str, UploadedFile]:
    """The files of the request's ``multipart/form-data`` body, by field name (none for any other body)."""
    files: dict[str, UploadedFile] = request.scope.get(_UPLOADS, {})
    return files


class FormatRoute(APIRoute):
    """A route that also accepts XML, form and multipart request bodies, and caps the size, depth and number of
    values of every body.

    FastAPI parses JSON bodies itself; an XML body, and for a route that reads its body as one model, form fields
    (PHP's array syntax) and the text fields of a multipart body, are converted to the same data (see the mapping
    above and ``hostlane.core.forms``) before FastAPI sees it, so one Pydantic schema validates them all; a
    multipart body's files are kept aside for the route (``uploaded_files``), and such a body may exceed the size
    cap by ``HOSTLANE_MAX_UPLOAD_BYTES``. The caps
    are checked here, before FastAPI resolves the route's dependencies: a hostile body is a 400 even without
    credentials.
    """

    max_body_bytes = 2 * 1024 * 1024
    # Whether an XML body is converted for the route; one that reads its raw body itself takes JSON only.
    reads_xml = True

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        limit = self.max_body_bytes
        reads_xml = self.reads_xml

        async def route_handler(request: Request) -> Response:
            if "\x00" in request.url.query or "%00" in request.url.query:
                raise ValidationFailed(NUL_REFUSED)
            if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                body = await request.body()
                content_type = request.headers.get("content-type")
                media = media_type(content_type)
                if len(body) > limit + (get_settings().max_upload_bytes if media == MULTIPART else 0):
                    raise PayloadTooLarge()
                # A multipart body's files are bytes (an image holds NULs): there only its text fields are checked.
                if (media != MULTIPART and _NUL.search(body)) or (media == FORM and b"%00" in body):
                    raise ValidationFailed(NUL_REFUSED)
                if body.strip() and is_xml(media):
                    if not reads_xml:
                        raise UnsupportedMediaType("The request body must be JSON.")
                    request = _as_json_request(request, load_xml(body))
                elif body.strip() and media in (FORM, MULTIPART):
                    fields = decode_fields(body, content_type)
                    if media == MULTIPART and _NUL.search(dump_json(fields)):
                        raise ValidationFailed(NUL_REFUSED)
                    if self._model_body():
                        files = multipart_files(body, content_type or "") if media == MULTIPART else {}
                        request = _as_json_request(request, _blanks_as_null(fields), files)
                elif body.strip():
                    check_body(body, content_type)
            return await handler(request)

        return route_handler

    def _model_body(self) -> bool:
        """Whether the route reads its body as one model (not as form or file parameters): form fields sent to
        it are read as that model's data, as Laravel reads a form as readily as JSON."""
        return self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)


def _blanks_as_null(data: Any) -> Any:
    """An empty form field is no value (Laravel's ConvertEmptyStringsToNull): ``phone=`` is ``null``."""
    if isinstance(data, dict):
        return {key: _blanks_as_null(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_blanks_as_null(value) for value in data]
    return None if data == "" else data


class RawJsonRoute(FormatRoute):
    """A route that reads its raw body itself (a signed webhook: the signature is over its bytes): the caps of
    ``FormatRoute``, checked before the route's dependencies and its own checks, and JSON only (XML is a 415)."""

    reads_xml = False


def _as_json_request(request: Request, data: Any, files: dict[str, UploadedFile] | None = None) -> Request:
    scope = dict(request.scope)
    if files:
        scope[_UPLOADS] = files
    scope["headers"] = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"] + [
        (b"content-type", JSON.encode())
    ]
    converted = Request(scope, request.receive)
    converted._body = dump_json(data)
    return converted
