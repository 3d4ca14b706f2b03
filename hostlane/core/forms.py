"""Form fields as PHP reads them: ``a[b]=c``, ``a[]=1&a[]=2`` and ``a[0][x]=y`` become nested data.

The documents' clients are PHP programs (HostBill, CLIENTXCMS, wbTeamPro), and PHP builds nested arrays
from bracketed field names in query strings, ``application/x-www-form-urlencoded`` and ``multipart/form-data``
bodies alike. This module builds the same shape: a PHP array whose keys are 0, 1, … in order becomes a list,
any other array a dict with string keys (what ``json_encode`` makes of them). A later field overwrites an
earlier one of the same name, as in PHP. A blank top-level field counts as not sent (as the client area has
always read it, and as Laravel's ``ConvertEmptyStringsToNull`` makes it null), so a required field left empty
is refused as missing; inside an array a blank stays ``""`` (``ipaddress[192.0.2.2]=`` removes that PTR).

A field name may nest ``HOSTLANE_MAX_BODY_DEPTH`` brackets deep (32; PHP's ``max_input_nesting_level`` is 64)
and a body or query string may hold ``HOSTLANE_MAX_BODY_ELEMENTS`` fields (PHP's ``max_input_vars`` is 1,000):
past either, a 400. The same two caps bound JSON and XML bodies (``hostlane.core.formats``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import collapse_rfc2231_value
from typing import Any
from urllib.parse import parse_qsl

from hostlane.config import get_settings
from hostlane.core.errors import BadRequest

_BRACKET = re.compile(r"\[([^\]]*)\]")
_INDEX = re.compile(r"0|[1-9][0-9]*")  # the keys PHP takes for integers


def body_limits() -> tuple[int, int]:
    """How deep a request body may nest, and how many values it may hold (the settings in force)."""
    settings = get_settings()
    return settings.max_body_depth, settings.max_body_elements


def too_deep(depth: int) -> BadRequest:
    return BadRequest(f"The request body nests deeper than {depth} levels.")


def too_many(elements: int) -> BadRequest:
    return BadRequest(f"The request body holds more than {elements} values.")


def _path(name: str, max_depth: int) -> list[str] | None:
    """``a[b][]`` → ``["a", "b", ""]``; a name without well-formed brackets is one plain key."""
    base, bracket, _ = name.partition("[")
    if not bracket or not base:
        return None
    keys = [base]
    position = len(base)
    while (match := _BRACKET.match(name, position)) is not None:
        keys.append(match.group(1))
        position = match.end()
    if len(keys) == 1:
        return None
    if len(keys) > max_depth + 1:
        raise BadRequest(f"The field {base} nests deeper than {max_depth} levels.")
    return keys  # PHP ignores what follows the last closing bracket; so does this


def _as_data(array: dict[str, Any]) -> Any:
    """A PHP array as JSON data: a list when its keys are 0, 1, … in order."""
    values = {key: _as_data(value) if isinstance(value, dict) else value for key, value in array.items()}
    if values and list(values) == [str(index) for index in range(len(values))]:
        return list(values.values())
    return values


def php_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Name/value pairs, in order, as PHP's ``$_POST`` would hold them (but for PHP's renaming of dots and
    spaces in top-level names to underscores: a name here stays as it was sent)."""
    max_depth, max_elements = body_limits()
    root: dict[str, Any] = {}
    next_index: dict[int, int] = {}  # id of an array → the index ``[]`` appends at (its largest integer key + 1)

    def key_in(array: dict[str, Any], key: str) -> str:
        if key == "":
            key = str(next_index.get(id(array), 0))
        if _INDEX.fullmatch(key):
            next_index[id(array)] = max(next_index.get(id(array), 0), int(key) + 1)
        return key

    for count, (name, value) in enumerate(pairs, 1):
        if count > max_elements:
            raise too_many(max_elements)
        keys = _path(name, max_depth)
        if keys is None:
            if value != "":
                root[name] = value
            continue
        array = root
        for key in keys[:-1]:
            slot = key_in(array, key)
            child = array.get(slot)
            if not isinstance(child, dict):
                child = array[slot] = {}
            array = child
        array[key_in(array, keys[-1])] = value
    result: dict[str, Any] = {key: _as_data(value) if isinstance(value, dict) else value for key, value in root.items()}
    return result


def urlencoded_fields(text: str) -> dict[str, Any]:
    """The fields of a query string or an ``application/x-www-form-urlencoded`` body."""
    max_elements = body_limits()[1]
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=max_elements)
    except ValueError:  # more fields than max_num_fields
        raise too_many(max_elements) from None
    return php_fields(pairs)


def _text(payload: bytes, charset: str | None) -> str:
    try:
        return payload.decode(charset or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a ``multipart/form-data`` body: its bytes and what the client said of them (neither the
    name nor the type is to be believed; whoever stores it checks the bytes)."""

    filename: str
    content_type: str
    data: bytes


def _parts(body: bytes, content_type: str) -> Any:
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BadRequest("The request body is not well-formed multipart form data.")
    return message.iter_parts()


def multipart_fields(body: bytes, content_type: str) -> dict[str, Any]:
    """The text fields of a ``multipart/form-data`` body; uploaded files are not fields and are left out."""
    pairs = []
    for part in _parts(body, content_type):
        name = part.get_param("name", header="content-disposition")
        if name is None or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        text = _text(payload, part.get_content_charset()) if isinstance(payload, bytes) else ""
        pairs.append((collapse_rfc2231_value(name), text))
    return php_fields(pairs)


def multipart_files(body: bytes, content_type: str) -> dict[str, UploadedFile]:
    """The files of a ``multipart/form-data`` body by field name (a later file of one name replaces an earlier
    one, as a later field does). A file part sent without a file (an empty file input) is left out."""
    files: dict[str, UploadedFile] = {}
    for part in _parts(body, content_type):
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if name is None or filename is None:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if not data and not filename:
            continue
        files[collapse_rfc2231_value(name)] = UploadedFile(filename, part.get_content_type(), data)
    return files
