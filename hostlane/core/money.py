"""Money: integer minor units plus an ISO 4217 currency.

This module is the only place that converts between minor units and the documents' decimal
strings (``"19.65"``) and the only place that rounds (half-up, to the currency's minor unit).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from hostlane.config import get_settings
from hostlane.core.errors import ValidationFailed

# Currencies whose minor unit is not 1/100 (ISO 4217). Everything else has two decimals.
_EXPONENTS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "HUF": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
    "LYD": 3,
    "IQD": 3,
}


# The largest amount a request may name, in major units (``fields.Amount``), and the largest any amount may be in
# minor units (MAX_AMOUNT in a three-decimal currency). With at most 200 lines x 10,000 of them on an invoice and
# two taxes of at most 100 %, an invoice's total stays under 6 x 10^18, inside a 64-bit integer; sums over
# several invoices are made in Python or as SQL numeric, not in a 64-bit column.
MAX_AMOUNT: Final = Decimal("999999999.99")
MAX_MINOR: Final = 10**12


class MoneyError(ValueError):
    """A value that is not an amount of money."""


class AmountTooLarge(ValidationFailed, MoneyError):
    """An amount past ``MAX_MINOR``: a 422 where it reaches a face (a schema's ``Amount`` refuses it first)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"amount": [message]})


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def currencies_by_exponent() -> dict[int, tuple[bool, list[str]]]:
    """Each minor-unit exponent with the currencies that have it, as ``(others, codes)``: for the default
    exponent (2) ``others`` is True and ``codes`` are the currencies NOT of it; for any other, the codes of it
    (for SQL that matches an amount in each row's own currency)."""
    exceptions = sorted(code for code, places in _EXPONENTS.items() if places != 2)
    groups: dict[int, tuple[bool, list[str]]] = {2: (True, exceptions)}
    for code in exceptions:
        groups.setdefault(_EXPONENTS[code], (False, []))[1].append(code)
    return groups


def to_minor(value: Decimal | str | int | float, currency: str) -> int:
    """Parse an amount in major units ("19.65", 19.65, 19) into minor units, rounding half-up."""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise MoneyError(f"{value!r} is not an amount") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not an amount")
    if abs(amount) > MAX_MINOR:  # refused before scaling: a 10^100000 would take long to quantize
        raise AmountTooLarge(f"{value!r} is more than an amount may be")
    scaled = amount.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if abs(scaled) > MAX_MINOR:
        raise AmountTooLarge(f"{value!r} is more than an amount may be")
    return int(scaled)


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    places = exponent(currency)
    return Decimal(amount_minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def format_amount(amount_minor: int, currency: str) -> str:
    """Minor units as the documents print them: ``1965`` EUR → ``"19.65"``."""
    return str(to_decimal(amount_minor, currency))


def to_number(amount_minor: int, currency: str) -> float:
    """Minor units as a JSON number, for documents that print amounts as numbers (``16.24``).

    For an int, one division: Python divides two ints correctly rounded, as ``float()`` of the exact decimal
    rounds, so ``1965 / 100`` is the very float ``float(Decimal("19.65"))`` is, without building the Decimal."""
    if type(amount_minor) is int:
        divisor: int = 10 ** exponent(currency)
        return amount_minor / divisor
    return float(to_decimal(amount_minor, currency))


def percent_of(amount_minor: int, rate: Decimal) -> int:
    """``rate`` percent of an amount, rounded half-up to a whole minor unit."""
    return int((Decimal(amount_minor) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def require_offered_currency(currency: str) -> str:
    """``currency`` if the provider bills in it (``HOSTLANE_CURRENCIES``); a 422 on ``currency`` otherwise."""
    allowed = get_settings().currencies
    if currency not in allowed:
        raise ValidationFailed.field("currency", f"The currency must be one of: {', '.join(allowed)}.")
    return currency
