"""What the client area's pages share: the page number of a list's address and a tax rate as a reader reads it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from babel.numbers import format_decimal
from fastapi import Request
from pydantic import BaseModel, ValidationError

from hostlane.faces.web.kit import N_, FormError, _

M = TypeVar("M", bound=BaseModel)

MAX_PAGE = 10_000
CYCLE_WORDS = {
    "onetime": N_("One time"),
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "semiannually": N_("Semiannually"),
    "annually": N_("Annually"),
    "biennially": N_("Biennially"),
    "triennially": N_("Triennially"),
}
# Words shown through ``_()`` from data, marked here so the catalogues hold them.
WORDS = [
    N_("Succeeded"), N_("Unknown"), N_("Low"), N_("Medium"), N_("High"),
]  # fmt: skip


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, min(int(raw), MAX_PAGE)) if raw.isdigit() and len(raw) < 8 else 1


def rate_of(rate_milli: int, language: str) -> str:
    """A tax rate in thousandths of a percent (``20000`` milli = 20) as the reader writes it: ``5.5`` / ``5,5``."""
    return format_decimal(Decimal(rate_milli) / 1000, format="#,##0.###", locale=language)


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``, or a ``FormError`` naming each refused field in the reader's language."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for problem in exc.errors(include_url=False):
            name = str(problem["loc"][0]) if problem["loc"] else "form"
            given = problem.get("input", "")
            blank = given is None or (isinstance(given, str) and not given.strip())
            kind = "missing" if blank else str(problem["type"])
            errors.setdefault(name, []).append(_problem_text(kind))
        raise FormError(errors, _("Some fields need your attention.")) from None


def _problem_text(kind: str) -> str:
    if kind in ("missing", "string_too_short"):
        return _("This field is required.")
    if kind == "string_too_long":
        return _("This is too long.")
    return _("This value is not valid.")
