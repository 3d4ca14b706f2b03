"""An invoice's lines and totals: subtotal, each tax level on the taxed lines, and the total."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hostlane.core import money
from hostlane.models import ItemType


@dataclass(frozen=True)
class NewItem:
    description: str
    amount_minor: int
    type: ItemType = ItemType.OTHER
    qty: int = 1
    taxed: bool = True
    service_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    @property
    def linetotal_minor(self) -> int:
        return self.amount_minor * self.qty


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax: int
    tax2: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax + self.tax2


def compute_totals(items: list[NewItem], rate_milli: int, rate2_milli: int, *, exempt: bool) -> Totals:
    """Subtotal, and each tax level on the taxed lines, rounded once per level (half-up)."""
    subtotal = sum(item.linetotal_minor for item in items)
    taxable = sum(item.linetotal_minor for item in items if item.taxed)
    if exempt:
        return Totals(subtotal, 0, 0)
    return Totals(
        subtotal,
        money.percent_of(taxable, Decimal(rate_milli) / 1000),
        money.percent_of(taxable, Decimal(rate2_milli) / 1000),
    )


def with_tax(amount_minor: int, rate_milli: int, rate2_milli: int, *, taxed: bool) -> int:
    """An amount with both taxes at an invoice's rates added (a line's price "all taxes included"), each level
    rounded as ``compute_totals`` rounds it; an untaxed line, or an exempt invoice (rates 0), adds nothing."""
    if not taxed:
        return amount_minor
    return (
        amount_minor
        + money.percent_of(amount_minor, Decimal(rate_milli) / 1000)
        + money.percent_of(amount_minor, Decimal(rate2_milli) / 1000)
    )
