"""List queries: page, per_page, ``filter[field]``, ``sort`` and ``include``, checked against what a
resource allows, and applied to a SELECT in one place.

Text filters match a part of the value, case-insensitively (as Spatie's query builder, which the
CLIENTXCMS API uses); ids, numbers, booleans and enums match exactly; a time matches the period a leading part
of ``YYYY-MM-DD HH:MM:SS`` names (``2026``, ``2026-12``, ``2026-12-11``, ``2026-12-11 10:30`` …), in UTC;
an amount of money in major units (``3.99``) the rows holding it in their own currency.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import BadRequest, ValidationFailed
from hostlane.core.money import currencies_by_exponent

DEFAULT_PER_PAGE = 25
# The largest page number or page size a request may name: the offset it makes, (page - 1) x per_page, stays far
# inside a 64-bit integer whatever HOSTLANE_MAX_PAGE_SIZE is. Past it, a 422 naming the parameter.
MAX_PAGE = 2**31 - 1
# A table's ``.c`` or a plain mapping of names to columns.
Columns = Mapping[str, Any] | sa.ColumnCollection[str, Any]


class Match(StrEnum):
    EXACT = "exact"
    PARTIAL = "partial"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TIME = "time"
    AMOUNT = "amount"  # minor units of the row's ``currency`` column, matched by an amount in major units


@dataclass(frozen=True)
class ListSpec:
    """What one resource's list accepts: ``filters`` maps a name to how it matches."""

    filters: Mapping[str, Match]
    sorts: frozenset[str]
    includes: frozenset[str] = frozenset()
    default_sort: str = "id"


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    filters: dict[str, str] = field(default_factory=dict)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (name, descending)
    includes: frozenset[str] = frozenset()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*")


def _positive_int(name: str, raw: str | None, default: int, maximum: int = MAX_PAGE) -> int:
    if raw is None or raw == "":
        return default
    try:
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise ValueError(raw)
        text = raw.strip()
        if len(text.lstrip("+-").lstrip("0")) > 10:  # past MAX_PAGE (and no 4,300-digit int() for a long one)
            text = "-1" if text.startswith("-") else str(MAX_PAGE + 1)
        value = int(text)
    except ValueError:
        raise BadRequest(
            f"The {name} parameter must be a whole number.", fields={name: ["Must be an integer."]}
        ) from None
    if value < 1:
        raise BadRequest(f"The {name} parameter must be at least 1.", fields={name: ["Must be at least 1."]})
    if value > maximum:
        raise ValidationFailed(
            f"The {name} parameter may not be greater than {maximum}.", fields={name: [f"Must be at most {maximum}."]}
        )
    return value


def parse_list_query(params: Mapping[str, str], spec: ListSpec, *, max_per_page: int) -> ListQuery:
    """Read a list's query parameters; an unknown filter, sort or include is a 400 naming it, a ``per_page`` above
    ``max_per_page`` a 422 naming the maximum (``per_page`` left out is 25, or ``max_per_page`` if smaller)."""
    page = _positive_int("page", params.get("page"), 1)
    # Above the maximum is refused, not capped: a client must never take a shorter page for the one it asked for.
    maximum = min(max_per_page, MAX_PAGE)
    per_page = _positive_int("per_page", params.get("per_page"), min(DEFAULT_PER_PAGE, maximum), maximum)
    filters: dict[str, str] = {}
    for key, value in params.items():
        if key.startswith("filter[") and key.endswith("]"):
            name = key[7:-1]
            if name not in spec.filters:
                allowed = ", ".join(spec.filters)
                raise BadRequest(
                    f"Requested filter(s) `{name}` are not allowed. Allowed filter(s) are `{allowed}`.",
                    fields={key: [f"Unknown filter: {name}"]},
                )
            filters[name] = value
    sort: list[tuple[str, bool]] = []
    for part in (params.get("sort") or "").split(","):
        part = part.strip()
        if not part:
            continue
        name = part.lstrip("-")
        if name not in spec.sorts:
            allowed = ", ".join(sorted(spec.sorts))
            raise BadRequest(
                f"Requested sort(s) `{name}` is not allowed. Allowed sort(s) are `{allowed}`.",
                fields={"sort": [f"Unknown sort: {name}"]},
            )
        sort.append((name, part.startswith("-")))
    includes = frozenset(part.strip() for part in (params.get("include") or "").split(",") if part.strip())
    unknown = includes - spec.includes
    if unknown:
        allowed = ", ".join(sorted(spec.includes)) or "none"
        names = ", ".join(sorted(unknown))
        raise BadRequest(
            f"Requested include(s) `{names}` are not allowed. Allowed include(s) are `{allowed}`.",
            fields={"include": [f"Unknown include: {name}" for name in sorted(unknown)]},
        )
    return ListQuery(page, per_page, filters, sort, includes)


_PERIOD = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[ T](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?)?)?)?"
)


def _period(name: str, raw: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC period ``[start, end)`` a leading part of ``YYYY-MM-DD HH:MM:SS`` names; a 400 otherwise."""
    found = _PERIOD.fullmatch(raw.strip())
    try:
        if found is None:
            raise ValueError(raw)
        parts = {key: int(value) for key, value in found.groupdict().items() if value is not None}
        start = dt.datetime(
            parts["year"],
            parts.get("month", 1),
            parts.get("day", 1),
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
            tzinfo=dt.UTC,
        )
        if "month" not in parts:
            end = start.replace(year=start.year + 1)
        elif "day" not in parts:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            unit = next(key for key in ("second", "minute", "hour", "day") if key in parts)
            end = start + dt.timedelta(**{f"{unit}s": 1})
    except (ValueError, OverflowError):
        raise BadRequest(
            f"The filter `{name}` takes a date or a time, such as 2026-12-11 or 2026-12-11 10:30.",
            fields={f"filter[{name}]": ["Must be a date or a time (YYYY-MM-DD HH:MM:SS, or a leading part)."]},
        ) from None
    return start, end


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _amount_matches(name: str, raw: str, column: Any, currency: Any) -> sa.ColumnElement[bool]:
    """Rows whose amount is one of the comma-separated amounts ``raw`` (major units) in the row's currency."""
    conditions: list[sa.ColumnElement[bool]] = []
    groups = currencies_by_exponent()
    for part in raw.split(","):
        try:
            amount = Decimal(part.strip())
            if not amount.is_finite() or abs(amount) > 10**12:
                raise InvalidOperation(part)
        except InvalidOperation:
            raise BadRequest(
                f"The filter `{name}` takes amounts such as 4.99.", fields={f"filter[{name}]": ["Must be an amount."]}
            ) from None
        for exponent, codes in groups.items():
            scaled = amount.scaleb(exponent)
            if scaled != scaled.to_integral_value():
                continue  # 4.999 is no amount of a two-decimal currency
            in_group = currency.not_in(codes[1]) if codes[0] else currency.in_(codes[1])
            conditions.append(sa.and_(column == int(scaled), in_group))
    return sa.or_(*conditions) if conditions else sa.false()


def apply_filters(statement: sa.Select[Any], columns: Columns, spec: ListSpec, query: ListQuery) -> sa.Select[Any]:
    for name, raw in query.filters.items():
        column = columns[name]
        match = spec.filters[name]
        if match is Match.PARTIAL:
            escaped = raw.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(sa.func.lower(column).like(f"%{escaped}%", escape="\\"))
        elif match is Match.INTEGER:
            try:
                values = [int(part) for part in raw.split(",")]
                if any(not -(2**63) <= value < 2**63 for value in values):
                    raise ValueError(raw)
            except ValueError:
                raise BadRequest(
                    f"The filter `{name}` takes whole numbers.",
                    fields={f"filter[{name}]": ["Must be an integer."]},
                ) from None
            statement = statement.where(column.in_(values))
        elif match is Match.BOOLEAN:
            lowered = raw.lower()
            if lowered not in _TRUE | _FALSE:
                raise BadRequest(
                    f"The filter `{name}` takes true or false.",
                    fields={f"filter[{name}]": ["Must be true or false."]},
                )
            statement = statement.where(column.is_(lowered in _TRUE))
        elif match is Match.TIME:
            start, end = _period(name, raw)
            statement = statement.where(column >= start, column < end)
        elif match is Match.AMOUNT:
            statement = statement.where(_amount_matches(name, raw, column, columns["currency"]))
        else:
            statement = statement.where(column.in_(raw.split(",")))
    return statement


def apply_sort(statement: sa.Select[Any], columns: Columns, spec: ListSpec, query: ListQuery) -> sa.Select[Any]:
    order = [columns[name].desc() if descending else columns[name].asc() for name, descending in query.sort]
    if not any(name == "id" for name, _ in query.sort):
        order.append(columns["id"].asc())  # a stable order, so pages neither repeat nor skip rows
    if not query.sort and spec.default_sort != "id":
        order.insert(0, columns[spec.default_sort].asc())
    return statement.order_by(*order)


def rows_as_dicts(result: sa.Result[Any]) -> list[dict[str, Any]]:
    """Every row of ``result`` as a dict of its columns: all rows fetched at once, each zipped with the one list
    of keys (no mapping view, no key lookup per row)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    query: ListQuery

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


async def fetch_page(
    session: AsyncSession,
    readable: sa.Select[Any],
    columns: Columns,
    spec: ListSpec,
    query: ListQuery,
) -> Page:
    """One page of ``readable`` with the query's filters and sort: one query, plus a count when the
    page does not already show the whole list."""
    filtered = apply_filters(readable, columns, spec, query)
    rows = await session.execute(apply_sort(filtered, columns, spec, query).limit(query.per_page).offset(query.offset))
    items = rows_as_dicts(rows)
    if query.page == 1 and len(items) < query.per_page:
        total = len(items)
    else:
        counted = filtered.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)
        total = int(await session.scalar(counted) or 0)
    return Page(items, total, query)


async def fetch_grouped(session: AsyncSession, statement: sa.Select[Any], key: str) -> dict[Any, list[dict[str, Any]]]:
    """Rows of one query grouped by the value of ``key``: how a page loads a relation in one query."""
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for row in (await session.execute(statement)).mappings():
        grouped.setdefault(row[key], []).append(dict(row))
    return grouped
