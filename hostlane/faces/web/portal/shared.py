"""What the client area's pages share: the page number of a list's address and a tax rate as a reader reads it."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from fastapi import Request

from hostlane.faces.web.kit import N_

MAX_PAGE = 10_000
# Words shown through ``_()`` from data, marked here so the catalogues hold them.
WORDS = [
    N_("Succeeded"), N_("Unknown"), N_("Customer_reply"), N_("Low"), N_("Medium"), N_("High"),
]  # fmt: skip


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, min(int(raw), MAX_PAGE)) if raw.isdigit() and len(raw) < 8 else 1


def rate_of(rate_milli: int, language: str) -> str:
    """A tax rate in thousandths of a percent (``20000`` milli = 20) as the reader writes it: ``5.5`` / ``5,5``."""
    return format_decimal(Decimal(rate_milli) / 1000, format="#,##0.###", locale=language)
