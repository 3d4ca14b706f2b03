"""The preamble every repository shares: one table's reads and locks, each scoped to who is asking; the
relations a row can include; and the shared body of a partial update.

A ``Scoped`` table knows how a caller's mode (live or test) and tenant (the customer a principal is
confined to) narrow it, so ``readable``, ``get``, ``page`` and ``lock`` can never forget either: object-level
access is part of the query, and another tenant's id reads as absent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.counts import COUNTED, maintained_total
from hostlane.core.errors import HostlaneError, ValidationFailed
from hostlane.core.pagination import Columns, ListQuery, ListSpec, MaintainedTotal, Page, fetch_grouped, fetch_page


class Caller(Protocol):
    """What scoping needs of a principal: its mode, and the customer it is confined to (None for staff)."""

    @property
    def livemode(self) -> bool: ...

    @property
    def scope(self) -> int | None: ...


Model = TypeVar("Model")
CallerT = TypeVar("CallerT", bound=Caller)
Conditions = Callable[[sa.Table], Sequence[sa.ColumnElement[bool]]]
Row = dict[str, Any]
# Reads a relation of many rows in one query: (session, caller, the rows' keys) -> related rows by key.
GroupedLoader = Callable[[AsyncSession, Caller, Collection[Any]], Awaitable[dict[Any, list[Row]]]]


class Scoped(Generic[Model]):
    """One table seen through a caller's scope.

    ``tenant`` names the column that holds the owning customer (``None``: the table has no tenant, as
    the catalogue); ``always`` adds conditions for every caller (not deleted), ``tenants_only`` for
    callers confined to a customer (customers never see drafts); ``columns`` is what a read returns (labelled
    expressions too) and ``joins`` the tables they need; ``list_columns`` is what a list filters and sorts on;
    ``spec`` is what its list accepts, ``includes`` the relations a read can attach, and ``missing`` the error
    ``one`` and ``locked`` raise for an absent row. ``joins`` must keep every row (inner joins on a required
    foreign key): a list's page of ids and its counts read the table alone.

    A table of ``core.counts.COUNTED`` has a maintained count (its triggers count the rows ``always`` admits):
    a staff list of it filtered by nothing but ``status`` takes its total from there.
    """

    def __init__(
        self,
        model: type[Model],
        *,
        tenant: str | None = "customer_id",
        columns: Sequence[sa.ColumnElement[Any]] | None = None,
        joins: Sequence[tuple[sa.FromClause, sa.ColumnElement[bool]]] = (),
        list_columns: Columns | None = None,
        always: Conditions | None = None,
        tenants_only: Conditions | None = None,
        spec: ListSpec | None = None,
        missing: type[HostlaneError] | None = None,
    ) -> None:
        self.model = model
        self.table = cast(sa.Table, model.__table__)  # type: ignore[attr-defined]
        self.tenant = tenant
        self.columns = list(columns if columns is not None else self.table.c)
        self.joins = list(joins)
        self.list_columns: Columns = list_columns if list_columns is not None else self.table.c
        self._always = always
        self._tenants_only = tenants_only
        self.spec = spec
        self.missing = missing
        # Name -> relation, for ``?include=``; tables that include each other fill it once both exist.
        self.includes: IncludeTable = {}
        self.counted = self.table.name in COUNTED

    def scope(self, caller: Caller) -> list[sa.ColumnElement[bool]]:
        """The conditions that confine this table to what ``caller`` may see."""
        table = self.table
        conditions: list[sa.ColumnElement[bool]] = [table.c.livemode.is_(caller.livemode)]
        if self._always is not None:
            conditions.extend(self._always(table))
        if caller.scope is not None:
            if self.tenant is not None:
                conditions.append(table.c[self.tenant] == caller.scope)
            if self._tenants_only is not None:
                conditions.extend(self._tenants_only(table))
        return conditions

    def readable(self, caller: Caller) -> sa.Select[Any]:
        """Every read starts here."""
        statement = sa.select(*self.columns)
        for target, on in self.joins:
            statement = statement.join(target, on)
        return statement.where(*self.scope(caller))

    async def page(
        self, session: AsyncSession, caller: Caller, query: ListQuery, *, includes: IncludeTable | None = None
    ) -> Page:
        """One page of the list, with the includes the query asks for (from ``includes`` when a service passes
        relations of other domains, else the table's own)."""
        assert self.spec is not None, f"{self.table.name}: no list spec"
        page = await fetch_page(
            session,
            self.readable(caller),
            self.list_columns,
            self.spec,
            query,
            narrow=sa.select(self.table.c.id).where(*self.scope(caller)),
            maintained=self._maintained(caller, query),
        )
        await attach(session, caller, page.items, self.includes if includes is None else includes, query.includes)
        return page

    def _maintained(self, caller: Caller, query: ListQuery) -> MaintainedTotal | None:
        """The maintained count that is this list's total: for staff (no tenant, so exactly the rows the triggers
        count) and no filter but ``status``."""
        if not self.counted or caller.scope is not None or set(query.filters) - {"status"}:
            return None
        wanted = query.filters.get("status")
        statuses = wanted.split(",") if wanted is not None else None

        async def total(session: AsyncSession) -> int:
            return await maintained_total(session, self.table.name, livemode=caller.livemode, statuses=statuses)

        return total

    async def get(self, session: AsyncSession, caller: Caller, row_id: int) -> Row | None:
        statement = self.readable(caller).where(self.table.c.id == row_id)
        row = (await session.execute(statement)).mappings().first()
        return dict(row) if row is not None else None

    async def one(
        self,
        session: AsyncSession,
        caller: Caller,
        row_id: int,
        *,
        includes: Collection[str] = frozenset(),
        table: IncludeTable | None = None,
    ) -> Row:
        """The row's read shape with ``includes`` (from ``table``, else the table's own), or the table's
        ``missing`` error (404 for "not yours" and "not there" alike)."""
        row = await self.get(session, caller, row_id)
        if row is None:
            raise self._missing()
        await attach(session, caller, [row], self.includes if table is None else table, includes)
        return row

    async def lock(self, session: AsyncSession, caller: Caller, row_id: int) -> Model | None:
        """The row as an object, locked for the rest of the transaction (state changes lock, then check)."""
        statement = sa.select(self.model).where(self.table.c.id == row_id, *self.scope(caller)).with_for_update()
        return cast(Model | None, await session.scalar(statement))

    async def locked(self, session: AsyncSession, caller: Caller, row_id: int) -> Model:
        """``lock``, or the table's ``missing`` error."""
        found = await self.lock(session, caller, row_id)
        if found is None:
            raise self._missing()
        return found

    async def by_id(self, session: AsyncSession, caller: Caller, ids: Collection[int]) -> dict[int, Row]:
        """The readable rows among ``ids``, by id, in one query (a page's ``?include=`` of a parent)."""
        if not ids:
            return {}
        rows = await session.execute(self.readable(caller).where(self.table.c.id.in_(set(ids))))
        return {row["id"]: dict(row) for row in rows.mappings()}

    def grouped(self, by: str, *order: str) -> GroupedLoader:
        """A loader of the readable rows whose ``by`` is among some keys, grouped by it, in one query (in
        ``order``, then id): a page's ``?include=`` of children."""
        columns = self.table.c

        async def load(session: AsyncSession, caller: Caller, keys: Collection[Any]) -> dict[Any, list[Row]]:
            if not keys:
                return {}
            statement = (
                self.readable(caller)
                .where(columns[by].in_(keys))
                .order_by(*(columns[name] for name in order), columns.id)
            )
            return await fetch_grouped(session, statement, by)

        return load

    async def taken(
        self,
        session: AsyncSession,
        livemode: bool,
        column: str,
        value: Any,
        *,
        except_id: int | None = None,
        any_case: bool = False,
    ) -> bool:
        """Whether another row of the mode (among those every caller sees) holds ``value`` in ``column``,
        compared ignoring case when ``any_case``: the check before a unique name, slug or e-mail."""
        table = self.table
        held = sa.func.lower(table.c[column]) == value.lower() if any_case else table.c[column] == value
        statement = sa.select(sa.literal(1)).where(table.c.livemode.is_(livemode), held)
        if self._always is not None:
            statement = statement.where(*self._always(table))
        if except_id is not None:
            statement = statement.where(table.c.id != except_id)
        return await session.scalar(statement.limit(1)) is not None

    async def delete(self, session: AsyncSession, row_id: int) -> None:
        """Delete the row (the caller locked it through its scope first)."""
        await session.execute(sa.delete(self.table).where(self.table.c.id == row_id))

    async def remove(self, session: AsyncSession, caller: Caller, row_id: int) -> Row:
        """Delete the row (locked and checked by the caller) and return its read shape as it was: what a
        delete answers with."""
        row = await self.one(session, caller, row_id)
        await self.delete(session, row_id)
        return row

    def _missing(self) -> HostlaneError:
        assert self.missing is not None, f"{self.table.name}: no error named for a missing row"
        return self.missing()


def children(table: sa.Table, parent: str) -> GroupedLoader:
    """The rows of a child table (an invoice's items) of many parents, grouped by parent, in one query. The
    parents were read through their own scope, so the children need none."""

    async def load(session: AsyncSession, caller: Caller, parent_ids: Collection[Any]) -> dict[Any, list[Row]]:
        if not parent_ids:
            return {}
        statement = sa.select(*table.c).where(table.c[parent].in_(parent_ids)).order_by(table.c.id)
        return await fetch_grouped(session, statement, parent)

    return load


# Includes: ``?include=`` and the relations a write's answer carries.

Loader = Callable[[AsyncSession, CallerT, list[Any]], Awaitable[Mapping[Any, Any]]]


@dataclass(frozen=True)
class Include(Generic[CallerT]):
    """One relation a row can carry: ``load`` reads it for many rows in one query, given the value of each
    row's ``on`` field; a row without one gets ``[]`` (or ``None`` when ``one``: a single parent row)."""

    load: Loader[CallerT]
    on: str = "id"
    one: bool = False
    aliases: frozenset[str] = frozenset()  # other words that ask for it


IncludeTable = Mapping[str, Include[Any]]


async def attach(
    session: AsyncSession,
    caller: CallerT,
    rows: list[Row],
    table: Mapping[str, Include[CallerT]],
    wanted: Collection[str],
) -> None:
    """Attach to ``rows`` each relation of ``table`` that ``wanted`` names, under its name: one query per
    relation, whatever the number of rows."""
    if not rows:
        return
    for name, include in table.items():
        if name in wanted or include.aliases & set(wanted):
            found = await include.load(session, caller, [row[include.on] for row in rows])
            for row in rows:
                row[name] = found.get(row[include.on], None if include.one else [])


# Partial updates: the fields sent, applied; each service keeps its own checks in between.


def changes_of(data: BaseModel, *required: str) -> dict[str, Any]:
    """The fields a partial update sent (``exclude_unset``); a null for a ``required`` field is a 422."""
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, *required)
    return changes


async def apply_changes(
    session: AsyncSession,
    row: object,
    changes: Mapping[str, Any],
    *,
    setters: Mapping[str, Callable[[Any], None]] | None = None,
    stamp: bool = True,
) -> None:
    """Write ``changes`` on ``row`` in order (a field of ``setters`` through its own function), stamp
    ``updated_at`` (when the table keeps one) and flush."""
    for name, value in changes.items():
        setter = setters.get(name) if setters else None
        if setter is None:
            setattr(row, name, value)
        else:
            setter(value)
    if stamp:
        row.updated_at = clock.now()  # type: ignore[attr-defined]
    await session.flush()
