"""The wbTeamPro face's inputs: a request's ``params`` in the document's names and words, turned into the
projects domain's schemas; a refusal is a 422 naming the document's param."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hostlane.core import money
from hostlane.core.errors import ValidationFailed
from hostlane.core.forms import UploadedFile
from hostlane.faces.teampro import wire

Schema = TypeVar("Schema", bound=BaseModel)

# The document's words of each enumerated field, as they print (the domain's value each means).
_SHOWN: dict[tuple[str, str], dict[Any, str]] = {
    ("projects", "status"): dict(wire.PROJECT_STATUS),
    ("actions", "status"): dict(wire.ACTION_STATUS),
    ("whmcstickets", "status"): dict(wire.TICKET_STATUS),
    ("whmcstickets", "urgency"): dict(wire.TICKET_URGENCY),
}
_WORDS = {key: {word.lower(): value for value, word in shown.items()} for key, shown in _SHOWN.items()}
# Params no resource reads as a field: the list window.
WINDOW = ("limit", "page", "offset")
# Fields the document prints but a caller does not set.
_READ_ONLY = {
    "id",
    "created_at",
    "updated_at",
    "completed_at",
    "invoice_id",
    "author_id",
    "number",
    "size",
    "uploader_id",
}


def _refuse(name: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {problem}", fields={name: [problem]})


def _word(resource: str, name: str, value: Any) -> Any:
    words = _WORDS.get((resource, name))
    if words is None or value is None:
        return value
    found = words.get(str(value).strip().lower())
    if found is None:
        allowed = ", ".join(_SHOWN[resource, name].values())
        raise _refuse(name, f"Must be one of: {allowed}.")
    return found


def _value(resource: str, domain_name: str, wire_name: str, value: Any) -> Any:
    if value == "" and domain_name not in ("title", "description", "body"):
        return None
    if domain_name == "rate_minor" and value is not None:
        try:
            return money.to_minor(value, wire.RATE_CURRENCY)
        except money.MoneyError:
            raise _refuse(wire_name, "Must be an amount such as 60.00.") from None
    if domain_name.endswith("_at") and value is not None:
        return _moment(wire_name, value)
    if domain_name == "administrator_ids" and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return _word(resource, wire_name, value)


def _moment(name: str, value: Any) -> datetime:
    """WHMCS's ``2026-12-01 09:30:00`` (or ISO 8601); a moment without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise _refuse(name, "Must be a date and time such as 2026-12-01 09:30:00.") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# Every domain name a refusal may carry, as the document names it (tickets are read-only: none of theirs).
_WIRE_NAMES = {
    name: wire_name
    for resource, table in wire.FIELDS.items()
    if resource != "whmcstickets"
    for name, wire_name in table.items()
} | {"data": "content"}


def in_document_words(exc: ValidationFailed) -> ValidationFailed:
    """A refusal of the domain with each field under the document's name, the message naming the first."""
    if not exc.fields:
        return exc
    renamed: dict[str, list[str]] = {}
    for name, problems in exc.fields.items():
        wire_name = _WIRE_NAMES.get(name, name)
        renamed.setdefault(wire_name, []).extend(problem.replace(name, wire_name) for problem in problems)
    first = next(iter(renamed))
    return ValidationFailed(f"{first}: {renamed[first][0]}", fields=renamed)


def upload(params: dict[str, Any], uploaded: UploadedFile | None) -> dict[str, Any]:
    """A new file's fields: the multipart ``file`` (its name and type unless ``params`` give them), or
    ``params[content]`` in base64 with ``params[name]``."""
    rest = dict(params)
    content = rest.pop("content", None)
    data = fields("files", rest)
    if uploaded is not None:
        data.setdefault("name", uploaded.filename)
        data.setdefault("content_type", uploaded.content_type)
        data["data"] = uploaded.data
    elif isinstance(content, str) and content:
        try:
            data["data"] = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise _refuse("content", "Must be the file's bytes in base64.") from None
    else:
        raise _refuse("content", "Send the file as multipart (file) or in base64 (params[content]).")
    return data


def fields(resource: str, params: dict[str, Any], *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """``params`` in the domain's names; a param the resource does not take is refused, naming it."""
    names = {wire_name: name for name, wire_name in wire.FIELDS[resource].items() if name not in _READ_ONLY}
    data: dict[str, Any] = {}
    for key, value in params.items():
        if key in ignore or key in WINDOW:
            continue
        if key not in names:
            raise _refuse(key, f"Unknown param for {resource}: {key}.")
        data[names[key]] = _value(resource, names[key], key, value)
    return data


def validated(resource: str, schema: type[Schema], data: dict[str, Any]) -> Schema:
    """``data`` (domain names) checked by ``schema``; each refused field is reported under the document's name."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        refused: dict[str, list[str]] = {}
        for problem in exc.errors(include_url=False, include_context=False):
            name = str(problem["loc"][0]) if problem["loc"] else "params"
            refused.setdefault(wire.FIELDS[resource].get(name, name), []).append(problem["msg"])
        first = next(iter(refused))
        raise ValidationFailed(f"{first}: {refused[first][0]}", fields=refused) from None


def filters(resource: str, params: dict[str, Any], allowed: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A list's filters: (the domain's column = value, the params echoed as the document names them)."""
    data = fields(resource, params)
    domain: dict[str, Any] = {}
    echoed: dict[str, Any] = {}
    for name, value in data.items():
        wire_name = wire.FIELDS[resource][name]
        if name not in allowed:
            raise _refuse(wire_name, f"{resource} cannot be filtered by {wire_name}.")
        if name.endswith("_id") and value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise _refuse(wire_name, "Must be an integer.") from None
        if name == "billable" and value is not None:
            value = str(value).lower() in ("1", "true", "yes", "on")
        domain[name] = value
        echoed[wire_name] = params[wire_name]
    return domain, echoed


def whole_number(params: dict[str, Any], name: str, default: int, *, least: int, most: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise _refuse(name, "Must be a whole number.") from None
    if not least <= value <= most:
        raise _refuse(name, f"Must be between {least} and {most}.")
    return value
