"""The preamble every repository shares: one table's reads and locks, each scoped to who is asking.

A ``Scoped`` table knows how a caller's mode (live or test) and tenant (the customer a principal is
confined to) narrow it, so ``readable``, ``get``, ``page`` and ``lock`` can never forget either: object-level
access is part of the query, and another tenant's id reads as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.pagination import Columns, ListQuery, ListSpec, Page, fetch_page


class Caller(Protocol):
    """What scoping needs of a principal: its mode, and the customer it is confined to (None for staff)."""

    @property
    def livemode(self) -> bool: ...

    @property
    def scope(self) -> int | None: ...


Model = TypeVar("Model")
Conditions = Callable[[sa.Table], Sequence[sa.ColumnElement[bool]]]


class Scoped(Generic[Model]):
    """One table seen through a caller's scope.

    ``tenant`` names the column that holds the owning customer (``None``: the table has no tenant, as
    the catalogue); ``always`` adds conditions for every caller (not deleted), ``tenants_only`` for
    callers confined to a customer (customers never see drafts); ``columns`` is what a read returns.
    """

    def __init__(
        self,
        model: type[Model],
        *,
        tenant: str | None = "customer_id",
        columns: Sequence[sa.Column[Any]] | None = None,
        list_columns: Columns | None = None,
        always: Conditions | None = None,
        tenants_only: Conditions | None = None,
    ) -> None:
        self.model = model
        self.table = cast(sa.Table, model.__table__)  # type: ignore[attr-defined]
        self.tenant = tenant
        self.columns = list(columns if columns is not None else self.table.c)
        self.list_columns: Columns = list_columns if list_columns is not None else self.table.c
        self._always = always
        self._tenants_only = tenants_only

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
        return sa.select(*self.columns).where(*self.scope(caller))

    async def page(self, session: AsyncSession, caller: Caller, query: ListQuery, spec: ListSpec) -> Page:
        return await fetch_page(session, self.readable(caller), self.list_columns, spec, query)

    async def get(self, session: AsyncSession, caller: Caller, row_id: int) -> dict[str, Any] | None:
        statement = self.readable(caller).where(self.table.c.id == row_id)
        row = (await session.execute(statement)).mappings().first()
        return dict(row) if row is not None else None

    async def lock(self, session: AsyncSession, caller: Caller, row_id: int) -> Model | None:
        """The row as an object, locked for the rest of the transaction (state changes lock, then check)."""
        statement = sa.select(self.model).where(self.table.c.id == row_id, *self.scope(caller)).with_for_update()
        return cast(Model | None, await session.scalar(statement))
