"""Reading the audit log: newest first, filtered, in the caller's mode, for a super-administrator only, in a fixed
number of queries whatever the page size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from hostlane.core.pagination import ListQuery
from hostlane.identity import audit
from hostlane.identity.errors import MissingPermission
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin

SYSTEM = Principal.system()


@contextmanager
def counting_statements(runtime: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append(statement)

    engine = runtime.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


async def test_entries_are_newest_first_with_their_actor_and_filtered(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    staff = Principal(PrincipalKind.ADMIN, admin.id, frozenset({"*"}), True, None, "10.0.0.1")
    async with runtime.db.transaction() as session:
        audit.record(session, staff, "invoice.paid", "invoice", 7, {"number": "2026-0001"})
        audit.record(session, SYSTEM, "service.suspend", "service", 3, {"password": "secret"})
        audit.record(session, Principal.system(livemode=False), "invoice.paid", "invoice", 8)
    async with runtime.db.reader() as session:
        page = await audit.list_entries(session, SYSTEM, ListQuery())
        paid = await audit.list_entries(session, SYSTEM, ListQuery(filters={"action": "invoice.paid"}))
        by_admin = await audit.list_entries(session, SYSTEM, ListQuery(filters={"actor_id": str(admin.id)}))
    assert [row["action"] for row in page.items if row["object_type"] != "administrator"][:2] == [
        "service.suspend", "invoice.paid",
    ]  # fmt: skip
    suspended = page.items[0]
    assert (suspended["actor_kind"], suspended["actor_name"], suspended["changes"]) == (
        "system",
        None,
        {"password": "***"},
    )
    assert [(row["object_id"], row["actor_name"], row["ip"]) for row in paid.items] == [(7, admin.name, "10.0.0.1")]
    assert [row["action"] for row in by_admin.items] == ["invoice.paid"]


async def test_only_a_super_administrator_reads_the_log(runtime: Runtime) -> None:
    staff = Principal(PrincipalKind.ADMIN, 1, frozenset({"invoices:index"}), True)
    async with runtime.db.reader() as session:
        with pytest.raises(MissingPermission):
            await audit.list_entries(session, staff, ListQuery())


async def test_a_page_takes_the_same_queries_whatever_its_size(runtime: Runtime) -> None:
    admins = [await make_admin(runtime) for _ in range(3)]
    async with runtime.db.transaction() as session:
        for n in range(60):
            actor = admins[n % 3]
            audit.record(session, Principal(PrincipalKind.ADMIN, actor.id, frozenset({"*"})), "x.y", "x", n)
    counts = {}
    for per_page in (5, 50):
        with counting_statements(runtime) as statements:
            async with runtime.db.reader() as session:
                page = await audit.list_entries(session, SYSTEM, ListQuery(per_page=per_page))
        assert len(page.items) == per_page
        assert all(row["actor_name"] for row in page.items if row["action"] == "x.y")
        counts[per_page] = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
    assert counts[5] == counts[50] == 3  # the page, its count, the administrators' names
