"""Billing cycles: how far one period of each cycle reaches, without proration."""

from __future__ import annotations

import calendar
import datetime as dt

from hostlane.models import BillingCycle

MONTHS = {
    BillingCycle.MONTHLY: 1,
    BillingCycle.QUARTERLY: 3,
    BillingCycle.SEMIANNUALLY: 6,
    BillingCycle.ANNUALLY: 12,
    BillingCycle.BIENNIALLY: 24,
    BillingCycle.TRIENNIALLY: 36,
}


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """``day`` moved by ``months``, on ``anchor_day`` (default: its own day) or the month's last day.

    Keeping the anchor stops the drift of Jan 31 → Feb 28 → Mar 28: it goes Jan 31 → Feb 28 → Mar 31.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    wanted = anchor_day or day.day
    return dt.date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def next_due(day: dt.date, cycle: BillingCycle, anchor_day: int | None = None) -> dt.date | None:
    """The start of the period after the one starting on ``day``; ``None`` for a one-time purchase."""
    if cycle is BillingCycle.ONETIME:
        return None
    return add_months(day, MONTHS[cycle], anchor_day)
