"""What the admin panel's pages share: a list's page number and filters from the address, a status's choices, and
a domain schema's refusal of a form shown next to its fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from pydantic import BaseModel, ValidationError

from hostlane.core.errors import ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.faces.web.kit import FormError, _

PER_PAGE = 25
Model = TypeVar("Model", bound=BaseModel)
Status = TypeVar("Status", bound=Enum)


def page_number(request: Request) -> int:
    """The ``page`` of the address; anything but a whole number from 1 is the first page."""
    raw = request.query_params.get("page", "")
    return int(raw) if raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


def list_query(
    request: Request,
    filters: Mapping[str, str],
    *,
    sort: str = "-id",
    per_page: int = PER_PAGE,
    includes: frozenset[str] = frozenset(),
) -> ListQuery:
    """A domain list's query: this page, the filters given a value, newest first by default."""
    order = [(sort.lstrip("-"), sort.startswith("-"))]
    chosen = {name: value for name, value in filters.items() if value}
    return ListQuery(page_number(request), per_page, chosen, order, includes)


def address(path: str, params: Mapping[str, str]) -> str:
    """``path`` with the parameters that have a value (a list's filters, for its pager's links)."""
    given = {name: value for name, value in params.items() if value}
    return f"{path}?{urlencode(given)}" if given else path


def list_filters(status: str, customer: str, statuses: Iterable[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A list's status and customer filters from its form, and a problem for each one that cannot be a filter."""
    filters: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if status:
        if status in set(statuses):
            filters["status"] = status
        else:
            errors["status"] = [_("Choose one of the options.")]
    if customer:
        if customer.isdigit() and len(customer) < 19:
            filters["customer_id"] = customer
        else:
            errors["customer"] = [_("A customer number, such as 42.")]
    return filters, errors


def by_value(labels: Mapping[Status, str]) -> dict[str, str]:
    """A status's labels by the status's value, as a template looks them up."""
    return {key.value: label for key, label in labels.items()}


def status_choices(labels: Mapping[Status, str]) -> list[tuple[str, str]]:
    """A list's status filter: any status, then each one, in the reader's language."""
    return [("", _("Any status"))] + [(key.value, _(label)) for key, label in labels.items()]


def field_errors(failure: ValidationError) -> dict[str, list[str]]:
    """A schema's refusal as the messages of each field, in the reader's language."""
    errors: dict[str, list[str]] = {}
    for error in failure.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        kind = error["type"]
        if kind == "missing":
            text = _("This field is required.")
        elif name == "email":
            text = _("Enter a valid e-mail address.")
        elif kind in ("string_too_long",):
            text = _("This value is too long.")
        else:
            text = _("This value is not valid.")
        errors.setdefault(name, []).append(text)
    return errors


def validated(model: type[Model], data: Mapping[str, Any]) -> Model:
    """``data`` as ``model``, or a ``FormError`` naming each refused field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as failure:
        raise FormError(field_errors(failure), _("Some fields need your attention.")) from None


def errors_of(failure: FormError | ValidationFailed, words: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """The messages of each field of a refused form: a domain's own message translated where known, after taking
    the page's own ``words`` for it where it has some."""
    if isinstance(failure, FormError):
        return failure.errors
    words = words or {}
    fields = dict(failure.fields or {}) or {"form": [failure.message]}
    return {name: [_(words.get(text, text)) for text in texts] for name, texts in fields.items()}
