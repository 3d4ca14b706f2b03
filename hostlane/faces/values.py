"""How values print on the faces' wires, where more than one face prints them alike: times in UTC, tax
rates, an invoice's figures, the sentence of an invoice in the wrong state. Each face still chooses its own
forms and words (Laravel's time or HostBill's, amounts as strings or numbers, its status words); what is here
is only what they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from hostlane.faces.common import ErrorInfo


# The two forms the faces print most, from ``isoformat`` (a third cheaper than ``strftime``, and it is called for
# every time of every row). A year before 1000, which ``strftime`` does not pad, goes the slow way to print the same.
def seconds_text(value: dt.datetime) -> str:
    """``value`` as ``strftime("%Y-%m-%d %H:%M:%S")`` prints it (no change of zone)."""
    if value.year < 1000:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat(" ", "seconds")[:19]


def laravel_time(value: dt.datetime | None) -> str | None:
    """``value`` in UTC as Laravel prints a time: ``2026-11-23T10:30:00.000000Z``; no value prints as ``None``."""
    if value is None:
        return None
    if value.tzinfo is not dt.UTC:  # the database's times are in UTC already (``core.db.UTCDateTime``)
        value = value.astimezone(dt.UTC)
    if value.year < 1000:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.isoformat(timespec="microseconds")[:26] + "Z"


def plain_time(value: dt.datetime | None) -> str | None:
    """``value`` in UTC as ``2026-11-23 10:30:00`` (HostBill's form); no value prints as ``None``."""
    if value is None:
        return None
    return seconds_text(value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC))


def rate(milli: int) -> int | float:
    """A tax rate in percent as HostBill prints it (21, or 8.875)."""
    return milli // 1000 if milli % 1000 == 0 else milli / 1000


def invoice_figures(row: Mapping[str, Any], amount: Callable[[int, str], Any]) -> dict[str, Any]:
    """An invoice's subtotal, credit and two taxes with their rates, in HostBill's names and order; ``amount``
    prints a sum in the face's form (``"19.65"`` or ``19.65``)."""
    currency = row["currency"]
    return {
        "subtotal": amount(row["subtotal_minor"], currency),
        "credit": amount(row["credit_minor"], currency),
        "tax": amount(row["tax_minor"], currency),
        "taxrate": rate(row["taxrate_milli"]),
        "tax2": amount(row["tax2_minor"], currency),
        "taxrate2": rate(row["taxrate2_milli"]),
    }


def invoice_state_message(info: ErrorInfo, status_words: Mapping[str, str]) -> str:
    """The ``invoice_state`` error's sentence with the invoice's status in the face's words
    (``An invoice that is Paid cannot be refunded.``)."""
    status = str(info.context["status"])
    return f"An invoice that is {status_words.get(status, status)} cannot be {info.context['action']}."
