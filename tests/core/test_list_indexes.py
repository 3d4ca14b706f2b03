"""Every filter and sort a list offers is served by an index (PostgreSQL; issue 16).

The cases come from the lists themselves: every module-level ``Scoped`` table of ``hostlane`` that has a ``ListSpec``
(which every face's lists go through), each of its filters with a value taken from the seeded rows, each of its
sorts both ways, its page as a customer sees it, and the staff customer search. Each case runs the real ``page``
call, the SQL SQLAlchemy sends is captured with an engine event (whatever statements a page takes: a page, a count,
a deferred join), and each statement is EXPLAINed on seeded, ANALYZEd tables with the planner told to avoid what an
index would spare it, so that even a small seed shows whether an index path exists at all:

- a filter: ``enable_seqscan`` and ``enable_indexscan`` off (bitmap and index-only scans remain), and some scan of
  the listed table must carry an index condition naming the filtered column; no ``Seq Scan`` of it;
- a sort: ``enable_seqscan`` and ``enable_sort`` off, and no ``Sort`` may take rows of the listed table (an
  index gives the order; an ``Incremental Sort`` of ties is fine); no ``Seq Scan`` of it.

Tables staff fill by hand (the catalogue, departments, address pools, PDUs) hold tens of rows: reading them whole is
their fastest plan, and they are named in ``SMALL`` with that reason. Any other table with a list, and any filter or
sort added to one, needs its index (``hostlane/migrations/versions/*_list_indexes.py`` and the model).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

import hostlane
from hostlane.core.db import Base, Database
from hostlane.core.pagination import ListQuery, Match
from hostlane.core.repository import Scoped
from hostlane.customers import repository as customers
from tests.fixtures.database import empty_all_tables

ROWS = 30000
# Lists of tables that staff fill by hand, and that stay small whatever the size of the business.
SMALL = {
    "product_groups": "catalogue groups: staff-made, tens of rows",
    "products": "catalogue products: staff-made, tens to hundreds of rows",
    "pricings": "one pricing per product and currency",
    "support_departments": "support departments: a handful",
    "ip_pools": "address pools: staff-made, tens of rows",
    "pdu_devices": "power distribution units: one per rack",
    "coupons": "coupons: staff-made, tens to hundreds of rows",
    "provisioning_servers": "provisioning servers: one per host a module runs services on",
    "cancellation_reasons": "cancellation reasons: a handful",
    "subdomain_hosts": "subdomain hosts: a few domains",
}
BIG = {"customers", "services", "invoices", "orders", "support_tickets"}
SEED_TABLES = [
    "administrators",
    "product_groups",
    "products",
    "customers",
    "services",
    "invoices",
    "orders",
    "support_departments",
    "support_tickets",
    "audit_log",
]


@dataclass(frozen=True)
class Caller:
    livemode: bool
    scope: int | None


STAFF = Caller(livemode=True, scope=None)


def listed_tables() -> dict[str, Scoped[Any]]:
    """Every module-level ``Scoped`` with a list spec in ``hostlane``, by table name."""
    found: dict[str, Scoped[Any]] = {}
    for module_info in pkgutil.walk_packages(hostlane.__path__, "hostlane."):
        if ".migrations" in module_info.name or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, Scoped) and value.spec is not None:
                found[value.table.name] = value
    return found


LISTED = listed_tables()


@dataclass(frozen=True)
class Case:
    table: str
    kind: str  # "filter", "sort", "tenant", "search"
    name: str
    descending: bool = False

    @property
    def id(self) -> str:
        return f"{self.table}-{self.kind}-{'-' if self.descending else ''}{self.name}"


def cases() -> Iterator[Case]:
    for table, scoped in sorted(LISTED.items()):
        if table in SMALL:
            continue
        assert scoped.spec is not None
        for name in scoped.spec.filters:
            yield Case(table, "filter", name)
        for name in sorted(scoped.spec.sorts):
            yield Case(table, "sort", name)
            yield Case(table, "sort", name, descending=True)
        if scoped.tenant is not None:
            yield Case(table, "tenant", scoped.tenant)
    for column in ("firstname", "lastname", "email", "companyname"):
        yield Case("customers", "search", column)


CASES = list(cases())
# Lists no index serves yet, each with the reason: expected to fail (strictly: an index that comes makes them pass,
# and the mark must go). The action logs' actor columns are CASE expressions over ``actor_kind``/``actor_id`` (and
# the API key's owner), which no plain index orders or filters; the filters want rewriting into conditions on
# ``(actor_kind, actor_id)``, the sorts a stored column.
_ACTOR = "the action logs' staff_id/customer_id are CASE expressions over the actor (issue 16's note: left)"
_MODEL_ID = "model_id alone: the index is (object_type, object_id), which a sort by object_id alone cannot use"
UNSERVED = {
    "audit_log-filter-staff_id": _ACTOR,
    "audit_log-filter-customer_id": _ACTOR,
    "audit_log-sort-staff_id": _ACTOR,
    "audit_log-sort--staff_id": _ACTOR,
    "audit_log-sort-customer_id": _ACTOR,
    "audit_log-sort--customer_id": _ACTOR,
    "audit_log-sort-model_id": _MODEL_ID,
    "audit_log-sort--model_id": _MODEL_ID,
}
PARAMS = [
    pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=UNSERVED[case.id])])
    if case.id in UNSERVED
    else pytest.param(case, id=case.id)
    for case in CASES
]


def test_the_small_tables_have_lists() -> None:
    """The exemptions name lists that exist (a renamed table must not keep an exemption it no longer needs)."""
    assert set(SMALL) <= set(LISTED)
    assert {"customers", "services", "invoices"} <= set(LISTED) - set(SMALL)


def _value_sql(column: sa.Column[Any], table: str) -> str:
    """A seed value for ``column`` from the series number ``g`` (something of its type, spread out)."""
    kind = column.type.impl_instance if isinstance(column.type, sa.TypeDecorator) else column.type
    name = column.name
    if name == "deleted_at":
        return "NULL"
    if isinstance(kind, sa.Enum):
        values = ", ".join(f"'{value}'" for value in kind.enums)
        return f"(ARRAY[{values}])[1 + g % {len(kind.enums)}]"
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        if target not in SEED_TABLES and column.nullable:
            return "NULL"  # a reference to a table the seed leaves empty (a server, a cancellation reason)
        return f"1 + g % {5000 if target in BIG else 20}"  # ids the referenced table has
    if isinstance(kind, sa.Boolean):
        return "(g % 10 <> 0)" if name == "livemode" else "(g % 3 = 0)"
    if isinstance(kind, sa.JSON):
        return "'{}'"
    if isinstance(kind, sa.Integer | sa.Numeric):
        return "g"
    if isinstance(kind, sa.Date):
        return "DATE '2026-01-01' + g % 700"
    if isinstance(kind, sa.DateTime):
        return "TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL '37 minutes'"
    length = getattr(kind, "length", None) or 64
    text = f"'{name[:3]}' || md5(g::text || '{table}.{name}')"
    return f"left({text}, {min(length, 40)})" if length > 3 else "chr(65 + g % 26) || chr(65 + g / 26 % 26)"


async def _seed(database: Database) -> None:
    async with database.engine.begin() as connection:
        for name in SEED_TABLES:
            table = Base.metadata.tables[name]
            columns = [column for column in table.c if column.name != "id"]
            values = ", ".join(_value_sql(column, name) for column in columns)
            names = ", ".join(f'"{column.name}"' for column in columns)
            count = ROWS if name in BIG or name == "audit_log" else 20
            await connection.execute(
                sa.text(f"INSERT INTO {name} ({names}) SELECT {values} FROM generate_series(1, {count}) AS g")  # noqa: S608
            )
        for name in SEED_TABLES:
            await connection.execute(sa.text(f"ANALYZE {name}"))


@pytest.fixture(scope="module")
async def seeded(database: Database) -> Database:
    if database.dialect_name != "postgresql":
        pytest.skip("PostgreSQL only: the indexes and plans checked are PostgreSQL's (SQLite has no trigram index)")
    await empty_all_tables(database)  # ids from 1, as the seed's references expect
    await _seed(database)
    return database


@pytest.fixture(scope="module", autouse=True)
async def emptied(database: Database) -> Any:
    yield
    await empty_all_tables(database)


async def _realistic(database: Database, scoped: Scoped[Any], name: str, match: Match) -> str:
    """A value of filter ``name`` that some seeded row matches."""
    column = scoped.list_columns[name]
    async with database.engine.connect() as connection:
        value = await connection.scalar(
            sa.select(column).select_from(scoped.table).where(column.is_not(None)).order_by(scoped.table.c.id).limit(1)
        )
    if match is Match.PARTIAL:
        return str(value)[3:8]  # five characters inside the value: a realistic substring
    if match is Match.TIME:
        return str(value.strftime("%Y-%m-%d"))
    if match is Match.BOOLEAN:
        return "true"
    if match is Match.AMOUNT:
        return "1.00"
    return str(value)


def _captured(database: Database) -> tuple[list[tuple[str, Any]], Any]:
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, parameters))

    return statements, capture


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans(plan: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return [node for node in _nodes(plan) if node.get("Relation Name") == table]


def _conditions(plan: dict[str, Any], table: str) -> list[str]:
    """The index conditions under which ``table`` is read: of its index scans, and of the bitmap index scans
    feeding its bitmap heap scans (whose ``Recheck Cond`` repeats them)."""
    found = []
    for node in _scans(plan, table):
        found += [node.get("Index Cond", ""), node.get("Recheck Cond", "")]
    return [text for text in found if text]


async def _plans(database: Database, statements: list[tuple[str, Any]], settings: list[str]) -> list[dict[str, Any]]:
    plans = []
    async with database.engine.connect() as connection:
        for setting in settings:
            await connection.exec_driver_sql(f"SET {setting} = off")
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # an EXPLAIN of the code's own (an estimate), a SET, a write
            result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            document = result.scalar_one()
            plans.append((json.loads(document) if isinstance(document, str) else document)[0]["Plan"])
        await connection.rollback()
    return plans


async def _run(database: Database, case: Case) -> list[tuple[str, Any]]:
    scoped = LISTED[case.table]
    assert scoped.spec is not None
    statements, capture = _captured(database)
    caller = STAFF
    query = ListQuery()
    if case.kind == "filter":
        value = await _realistic(database, scoped, case.name, scoped.spec.filters[case.name])
        query = ListQuery(filters={case.name: value})
    elif case.kind == "sort":
        query = ListQuery(sort=[(case.name, case.descending)])
    elif case.kind == "tenant":
        caller = Caller(livemode=True, scope=1)
    search_value = await _realistic(database, scoped, case.name, Match.PARTIAL) if case.kind == "search" else ""
    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with database.reader() as session:
            if case.kind == "search":
                await customers.search(session, caller, query, search_value)  # type: ignore[arg-type]
            else:
                await scoped.page(session, caller, query)
    finally:
        sa.event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    return statements


@pytest.mark.parametrize("case", PARAMS)
async def test_an_index_serves_the_list(seeded: Database, case: Case) -> None:
    statements = await _run(seeded, case)
    table = case.table
    if case.kind == "sort":
        plans = await _plans(seeded, statements, ["enable_seqscan", "enable_sort"])
    else:
        plans = await _plans(seeded, statements, ["enable_seqscan", "enable_indexscan"])
    reading = [plan for plan in plans if _scans(plan, table)]
    assert reading, f"no statement read {table}: {[s for s, _ in statements]}"
    for plan in reading:
        scans = [node["Node Type"] for node in _scans(plan, table)]
        assert "Seq Scan" not in scans, f"{case.id}: a sequential scan of {table}\n{json.dumps(plan, indent=1)}"
    if case.kind == "sort":
        for plan in reading:
            for node in _nodes(plan):
                if node["Node Type"] == "Sort" and any(_scans(child, table) for child in node.get("Plans", [])):
                    pytest.fail(f"{case.id}: no index gives the order, {table} is sorted\n{json.dumps(plan, indent=1)}")
    else:
        column = scoped_column(case)
        named = re.compile(rf"\b{re.escape(column)}\b")
        assert any(named.search(text) for plan in reading for text in _conditions(plan, table)), (
            f"{case.id}: no index condition on {column}\n" + "\n".join(json.dumps(plan, indent=1) for plan in reading)
        )


def scoped_column(case: Case) -> str:
    """The name the filtered column has in the plan (``total`` is ``total_minor``)."""
    column = (
        LISTED[case.table].list_columns[case.name] if case.kind == "filter" else LISTED[case.table].table.c[case.name]
    )
    return str(getattr(column, "name", case.name))
