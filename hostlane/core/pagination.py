"""List queries: page, per_page, ``filter[field]``, ``sort`` and ``include``, checked against what a
resource allows, and applied to a SELECT in one place.

Text filters match a part of the value, case-insensitively (as Spatie's query builder, which the
CLIENTXCMS API uses); ids, numbers, booleans and enums match exactly; a time matches the period a leading part
of ``YYYY-MM-DD HH:MM:SS`` names (``2026``, ``2026-12``, ``2026-12-11``, ``2026-12-11 10:30`` …), in UTC;
an amount of money in major units (``3.99``) the rows holding it in their own currency.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable
from sqlalchemy.types import TypeDecorator

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
    # Keyset paging: the ``cursor`` parameter as sent ("" for the first page), None for paging by number.
    cursor: str | None = None

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
    cursor = params.get("cursor")
    return ListQuery(page, per_page, filters, sort, includes, cursor)


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


@dataclass(frozen=True)
class SortKey:
    """One term of a list's order: the name a request uses, the column and its direction."""

    name: str
    column: Any
    descending: bool


def sort_keys(columns: Columns, spec: ListSpec, query: ListQuery) -> list[SortKey]:
    """The query's sort, then the resource's default sort when it asks for none, then ``id``: a total order, so pages
    neither repeat nor skip rows, and a cursor names one position."""
    keys = [SortKey(name, columns[name], descending) for name, descending in query.sort]
    if not query.sort and spec.default_sort != "id":
        keys.append(SortKey(spec.default_sort, columns[spec.default_sort], False))
    if not any(key.name == "id" for key in keys):
        keys.append(SortKey("id", columns["id"], False))
    return keys


def _order(keys: list[SortKey], *, reverse: bool = False) -> list[sa.ColumnElement[Any]]:
    return [key.column.desc() if key.descending != reverse else key.column.asc() for key in keys]


def apply_sort(statement: sa.Select[Any], columns: Columns, spec: ListSpec, query: ListQuery) -> sa.Select[Any]:
    return statement.order_by(*_order(sort_keys(columns, spec, query)))


def rows_as_dicts(result: sa.Result[Any]) -> list[dict[str, Any]]:
    """Every row of ``result`` as a dict of its columns: all rows fetched at once, each zipped with the one list
    of keys (no mapping view, no key lookup per row)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


@dataclass(frozen=True)
class Page:
    """One page of a list. In page mode ``total`` is the number of rows the list holds (see ``count_bounded`` for
    where it is an estimate); in cursor mode (``query.cursor`` set) there is no total, and ``next_cursor`` and
    ``prev_cursor`` name the neighbouring pages."""

    items: list[dict[str, Any]]
    total: int
    query: ListQuery
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def by_cursor(self) -> bool:
        return self.query.cursor is not None


# A maintained count of the list, when one serves this query (``core.counts``), else None.
MaintainedTotal = Callable[[AsyncSession], Awaitable[int | None]]


async def fetch_page(
    session: AsyncSession,
    readable: sa.Select[Any],
    columns: Columns,
    spec: ListSpec,
    query: ListQuery,
    *,
    narrow: sa.Select[Any] | None = None,
    maintained: MaintainedTotal | None = None,
) -> Page:
    """One page of ``readable`` with the query's filters and sort.

    By cursor (``query.cursor`` set): one keyset query, no count. By number: the page's ids from ``narrow`` (the
    ids of ``readable``, from the table alone, so a deep page reads index entries, not rows), the rows joined on
    them, and a total that does not scan (``_total``)."""
    keys = sort_keys(columns, spec, query)
    if query.cursor is not None:
        return await _cursor_page(session, apply_filters(readable, columns, spec, query), keys, query)
    ids = apply_filters(
        narrow if narrow is not None else readable.with_only_columns(columns["id"]), columns, spec, query
    )
    rows = await session.execute(
        _numbered_page(readable, apply_filters(readable, columns, spec, query), ids, columns["id"], keys, query)
    )
    items = rows_as_dicts(rows)
    more = len(items) > query.per_page
    del items[query.per_page :]
    total = await _total(session, ids, query, len(items), more, maintained)
    return Page(items, total, query)


def _numbered_page(
    readable: sa.Select[Any],
    filtered: sa.Select[Any],
    ids: sa.Select[Any],
    id_column: Any,
    keys: list[SortKey],
    query: ListQuery,
) -> sa.Select[Any]:
    """Page ``query.page`` and one row more (whether a next page exists). Past the first page, a deferred join: the
    offset walks ``ids`` (an index-only scan where an index serves the filters and sort), and only the page's rows
    are read whole."""
    order = _order(keys)
    if query.offset == 0:
        return filtered.order_by(*order).limit(query.per_page + 1)
    window = ids.order_by(*order).limit(query.per_page + 1).offset(query.offset)
    return readable.where(id_column.in_(window)).order_by(*order)


# Page mode's totals.

# Up to this many rows a filtered list's total is counted exactly (a bounded count reads at most this many index
# entries: about 1-3 ms on PostgreSQL); past it, PostgreSQL's planner estimates it (SQLite counts).
COUNT_CAP = 10_000


async def _total(
    session: AsyncSession,
    ids: sa.Select[Any],
    query: ListQuery,
    shown: int,
    more: bool,
    maintained: MaintainedTotal | None,
) -> int:
    """The list's total: exact from the page itself when it is the last one, else the maintained count when one
    serves the query, else ``count_bounded``."""
    if not more and (shown or query.page == 1):
        return query.offset + shown
    # The rows this page shows to exist (none past the end: an empty page proves no row before it).
    known = query.offset + shown + int(more) if shown else 0
    if maintained is not None:
        counted = await maintained(session)
        if counted is not None:
            return max(counted, known)
    return await count_bounded(session, ids, at_least=known)


async def count_bounded(session: AsyncSession, statement: sa.Select[Any], *, at_least: int = 0) -> int:
    """How many rows ``statement`` selects: exact up to ``COUNT_CAP`` (a count over ``LIMIT COUNT_CAP + 1``); past
    it, on PostgreSQL the planner's estimate (never below ``COUNT_CAP + 1`` nor ``at_least``, the rows known to
    exist), elsewhere an exact count."""
    statement = statement.order_by(None)
    capped = sa.select(sa.func.count()).select_from(statement.limit(COUNT_CAP + 1).subquery())
    found = int(await session.scalar(capped) or 0)
    if found <= COUNT_CAP:
        return max(found, at_least)
    if session.get_bind().dialect.name == "postgresql":
        estimate = await _planned_rows(session, statement)
    else:
        everything = sa.select(sa.func.count()).select_from(statement.subquery())
        estimate = int(await session.scalar(everything) or 0)
    return max(estimate, COUNT_CAP + 1, at_least)


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement (PostgreSQL): its plan, estimates included, without running it."""

    inherit_cache = False

    def __init__(self, statement: sa.Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


async def _planned_rows(session: AsyncSession, statement: sa.Select[Any]) -> int:
    plan = await session.scalar(_Explain(statement))
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# Cursor mode: keyset paging in Laravel's cursor format.

POINTS_TO_NEXT = "_pointsToNextItems"
MAX_CURSOR = 4096  # characters: a cursor holds a few sort values


@dataclass(frozen=True)
class Cursor:
    """A decoded cursor: the sort values of the row it was made from, and whether it points to the rows after it
    (``next_cursor``) or before it (``prev_cursor``)."""

    values: tuple[Any, ...]
    forward: bool


def _bad_cursor(problem: str) -> BadRequest:
    return BadRequest(f"The cursor parameter is invalid: {problem}", fields={"cursor": [problem]})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def encode_cursor(keys: list[SortKey], values: tuple[Any, ...], *, forward: bool) -> str:
    """As Laravel's ``Cursor::encode``: base64url (no padding) of a JSON object of the sort values by name and
    ``_pointsToNextItems``."""
    payload: dict[str, Any] = {key.name: _plain(value) for key, value in zip(keys, values, strict=True)}
    payload[POINTS_TO_NEXT] = forward
    text = json.dumps(payload, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def _typed(key: SortKey, raw: Any) -> Any:
    """A cursor's value for ``key``, checked against the column's type (a value of another type is refused, so a
    tampered cursor never reaches the database as a wrong type)."""
    column_type = key.column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance  # UTCDateTime: its python_type says only ``object``
    try:
        kind = column_type.python_type
    except NotImplementedError:
        kind = None
    problem = f"The value for `{key.name}` is not valid."
    if kind is bool:
        if not isinstance(raw, bool):
            raise _bad_cursor(problem)
        return raw
    if kind is int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not -(2**63) <= raw < 2**63:
            raise _bad_cursor(problem)
        return raw
    if kind is dt.datetime or kind is dt.date:
        if not isinstance(raw, str) or len(raw) > 40:
            raise _bad_cursor(problem)
        try:
            if kind is dt.date:
                return dt.date.fromisoformat(raw)
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise _bad_cursor(problem) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    if kind is not None and issubclass(kind, str):
        if not isinstance(raw, str):
            raise _bad_cursor(problem)
        return raw
    raise _bad_cursor(f"Cursor paging cannot sort by `{key.name}`.")


def decode_cursor(raw: str, keys: list[SortKey]) -> Cursor | None:
    """The cursor a request sent (None for ``cursor=`` empty: the first page); a garbled or tampered one, or one
    made for another sort, is a 400 naming ``cursor``."""
    for key in keys:
        if getattr(key.column, "nullable", False):
            raise BadRequest(
                f"Cursor paging cannot sort by `{key.name}`, which may be empty: sort by another field, or page by "
                "number.",
                fields={"cursor": [f"Not available with sort={key.name}."]},
            )
    if not raw:
        return None
    if len(raw) > MAX_CURSOR:
        raise _bad_cursor("It is too long.")
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
    except (ValueError, UnicodeError):  # binascii.Error and json.JSONDecodeError are ValueErrors
        raise _bad_cursor("It is not a cursor this list gave.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get(POINTS_TO_NEXT), bool):
        raise _bad_cursor("It is not a cursor this list gave.")
    forward = payload.pop(POINTS_TO_NEXT)
    if set(payload) != {key.name for key in keys}:
        raise _bad_cursor("It was made for another sort.")
    return Cursor(tuple(_typed(key, payload[key.name]) for key in keys), forward)


def _beyond(keys: list[SortKey], values: tuple[Any, ...], *, forward: bool) -> sa.ColumnElement[bool]:
    """The rows after (``forward``) or before the position ``values`` in the order of ``keys``."""
    bound = [sa.literal(value, key.column.type) for key, value in zip(keys, values, strict=True)]

    def past(index: int) -> sa.ColumnElement[bool]:
        column: sa.ColumnElement[Any] = keys[index].column
        return column > bound[index] if keys[index].descending != forward else column < bound[index]

    if len(keys) > 1 and len({key.descending for key in keys}) == 1:
        # One direction: a row-value comparison, which an index on the sort columns serves as a range.
        row, at = sa.tuple_(*(key.column for key in keys)), sa.tuple_(*bound)
        beyond: sa.ColumnElement[bool] = row > at if keys[0].descending != forward else row < at
        return beyond
    terms = [sa.and_(*(keys[j].column == bound[j] for j in range(index)), past(index)) for index in range(len(keys))]
    if len(keys) == 1:
        return terms[0]
    # Mixed directions: the OR of the terms, behind a range on the first key that an index can serve.
    first: sa.ColumnElement[Any] = keys[0].column
    within = first >= bound[0] if keys[0].descending != forward else first <= bound[0]
    return sa.and_(within, sa.or_(*terms))


async def _cursor_page(session: AsyncSession, filtered: sa.Select[Any], keys: list[SortKey], query: ListQuery) -> Page:
    """One page by keyset: the rows after (or before) the cursor's position, and one more to know whether the list
    goes on, each carrying its sort values (``_cursor_N``) for the cursors of the page's ends."""
    assert query.cursor is not None
    cursor = decode_cursor(query.cursor, keys)
    forward = cursor is None or cursor.forward
    statement = filtered if cursor is None else filtered.where(_beyond(keys, cursor.values, forward=forward))
    marks = [f"_cursor_{index}" for index in range(len(keys))]
    statement = statement.add_columns(*(key.column.label(mark) for key, mark in zip(keys, marks, strict=True)))
    statement = statement.order_by(*_order(keys, reverse=not forward)).limit(query.per_page + 1)
    rows = list((await session.execute(statement)).mappings())
    more = len(rows) > query.per_page
    del rows[query.per_page :]
    if not forward:
        rows.reverse()
    positions = [tuple(row[mark] for mark in marks) for row in rows]
    items = [{name: value for name, value in row.items() if name not in marks} for row in rows]
    following = rows and (more if forward else True)
    preceding = rows and (cursor is not None if forward else more)
    return Page(
        items,
        0,
        query,
        next_cursor=encode_cursor(keys, positions[-1], forward=True) if following else None,
        prev_cursor=encode_cursor(keys, positions[0], forward=False) if preceding else None,
    )


async def fetch_grouped(session: AsyncSession, statement: sa.Select[Any], key: str) -> dict[Any, list[dict[str, Any]]]:
    """Rows of one query grouped by the value of ``key``: how a page loads a relation in one query."""
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for row in (await session.execute(statement)).mappings():
        grouped.setdefault(row[key], []).append(dict(row))
    return grouped
