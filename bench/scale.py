"""The application face's customers, services and invoices lists at 10k and at 1M rows: each case's latency at
the large size against the same case at the small size, in the same run.

Run: ``.venv/bin/python -m bench.scale [--small N] [--large N] [--samples N]``. It

1. makes two PostgreSQL schemas, ``<schema>_small`` and ``<schema>_large`` (``BENCH_DATABASE_SCHEMA``, default
   ``hostlane_bench_scale``; database ``BENCH_DATABASE_URL``, default ``test`` on 127.0.0.1), migrates both, and
   loads N customers, N services and N invoices into each inside the database (``bench._seed``: indexes built
   after the rows, ANALYZE), and an API key holding the three lists' permissions;
2. serves both through the real app in-process (httpx's ASGI transport: no network, one process), and for each
   list and case asks its pages one at a time, alternating small and large, ``--samples`` times each (fewer if
   a case has taken ``--case-seconds``), after a warm-up;
3. prints p50 and p99 in milliseconds at both sizes and their ratios (large / small), and a verdict: PASS if every
   ratio is at most 1.2, else FAIL and exit code 2. Both schemas are dropped at the end.

The cases of each list: page 1; a deep page (page 10000 of 25 rows, or, when the small size has fewer pages, the
page before its last, and the same page number at the large size: the deep page the small size has); the last page;
``sort=-id``; each filter the face offers (a realistic value, substrings of at least 3 characters); cursor paging
(``cursor``, following ``meta.next_cursor`` or ``links.next`` as Laravel's CursorPaginator answers; "n/a" where
the face refuses ``cursor`` or answers no next cursor).
``--no-list-indexes`` drops the indexes of the ``list_indexes`` migration first, to see what they change.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import os
import secrets
import sys
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import _seed
from bench.api_list import DATABASE_URL, plain_dsn

SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "hostlane_bench_scale")
TARGET = 1.2
PER_PAGE = 25
DEEP_PAGE = 10_000
LISTS = ("customers", "services", "invoices")
PERMISSIONS = ["customers:index", "services:index", "invoices:index"]
MIGRATION = Path(__file__).resolve().parent.parent / "hostlane/migrations/versions/2026-12-27-1000_list_indexes.py"
TODAY = dt.date.today()
# A realistic value of each filter the face offers (substrings: 3 characters or more, of names the seed uses).
VALUES: dict[str, dict[str, str]] = {
    "customers": {
        "id": "{middle}",
        "email": "smith",
        "firstname": "chlo",
        "lastname": "fisch",
        "phone": "3361",
        "created_at": (TODAY - dt.timedelta(days=100)).isoformat(),
        "updated_at": (TODAY - dt.timedelta(days=200)).isoformat(),
        "country": "DE",
        "status": "suspended",
        "currency": "EUR",
    },
    "services": {
        "id": "{middle}",
        "customer_id": "{middle}",
        "product_id": "3",
        "status": "suspended",
        "billing": "quarterly",
        "currency": "EUR",
        "name": "host12",
        "delivery_status": "failed",
    },
    "invoices": {
        "id": "{middle}",
        "customer_id": "{middle}",
        "status": "pending",
        "invoice_number": "INV-{middle}",
        "currency": "EUR",
        "order_id": "{middle}",
    },
}


def face_filters() -> dict[str, list[str]]:
    """The filters each list of the application face offers (from its own specs, so a new one is not missed)."""
    from hostlane.faces.application import wire
    from hostlane.faces.application.routes import customers
    from hostlane.services import service as services

    # The face's own specs where it has one (customers, invoices), else the domain's it serves as they are.
    specs = {"customers": customers.LIST_SPEC, "services": services.LIST_SPEC, "invoices": wire.INVOICE_LIST}
    offered = {name: list(spec.filters) for name, spec in specs.items()}
    for name, filters in offered.items():
        missing = set(filters) - set(VALUES[name])
        if missing:
            raise SystemExit(f"bench.scale: no value for the {name} filter(s) {sorted(missing)}: add them to VALUES")
    return offered


@dataclass
class Size:
    label: str
    rows: int
    schema: str
    key: str = ""
    client: Any = None
    runtime: Any = None
    built: list[_seed.Built] = field(default_factory=list)

    @property
    def last_page(self) -> int:
        return max(1, -(-self.rows // PER_PAGE))


@dataclass
class Case:
    list: str
    name: str
    query: str  # the query string; "" for cursor paging


@dataclass
class Timing:
    small: list[float] = field(default_factory=list)
    large: list[float] = field(default_factory=list)
    note: str = ""


def cases(small: Size) -> list[Case]:
    deep = min(DEEP_PAGE, max(1, small.last_page - 1))
    found = []
    for name, filters in face_filters().items():
        found.append(Case(name, "page 1", f"per_page={PER_PAGE}&page=1"))
        found.append(Case(name, f"page {deep}", f"per_page={PER_PAGE}&page={deep}"))
        found.append(Case(name, "last page", f"per_page={PER_PAGE}&page={{last}}"))
        found.append(Case(name, "sort=-id", f"per_page={PER_PAGE}&sort=-id"))
        for filter_name in filters:
            value = urllib.parse.quote(VALUES[name][filter_name], safe="{}")
            found.append(Case(name, f"filter[{filter_name}]", f"per_page={PER_PAGE}&filter[{filter_name}]={value}"))
        found.append(Case(name, "cursor", ""))
    return found


async def _prepare(size: Size, *, list_indexes: bool) -> None:
    import asyncpg

    from hostlane.config import Settings
    from hostlane.core.migrate import upgrade_connection
    from hostlane.identity import service as identity
    from hostlane.identity.principal import Principal
    from hostlane.runtime import Runtime

    dsn = plain_dsn(DATABASE_URL)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{size.schema}" CASCADE')
        await connection.execute(f'CREATE SCHEMA "{size.schema}"')
    finally:
        await connection.close()
    settings = Settings(
        database_url=DATABASE_URL,
        database_schema=size.schema,
        secret_key=secrets.token_urlsafe(32),
        redis_url=None,
        inprocess_jobs=False,
        _env_file=None,
    )
    size.runtime = Runtime.build(settings)
    async with size.runtime.db.engine.begin() as migrating:
        await upgrade_connection(migrating)
    connection = await asyncpg.connect(dsn, server_settings={"search_path": size.schema})
    try:
        size.built = await _seed.load(connection, size.rows)
        if not list_indexes:
            for name in list_index_names():
                await connection.execute(f'DROP INDEX IF EXISTS "{name}"')
    finally:
        await connection.close()
    async with size.runtime.db.transaction() as session:
        admin = await identity.create_administrator(
            session,
            Principal.system(),
            login="bench",
            email="bench@hostlane.example",
            password=secrets.token_urlsafe(16),
            name="Bench",
        )
        issued = await identity.create_api_key(
            session, Principal.system(), name="bench", admin_email=admin.email, permission_names=PERMISSIONS
        )
    size.key = issued.plaintext


def list_index_names() -> list[str]:
    """The indexes the ``list_indexes`` migration adds on the bench's tables."""
    spec = importlib.util.spec_from_file_location("list_indexes_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = [module._btree_name(table, columns) for table, (_, groups) in module.BTREE.items() for columns in groups]
    names += [f"ix_{table}_{column}_trgm" for table, (_, columns) in module.TRIGRAM.items() for column in columns]
    return [name for name in names if name.split("_")[1] in _seed.TABLES]


async def _drop(size: Size) -> None:
    import asyncpg

    connection = await asyncpg.connect(plain_dsn(DATABASE_URL))
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{size.schema}" CASCADE')
    finally:
        await connection.close()


def _path(case: Case, size: Size, small: Size) -> str:
    middle = str(small.rows // 2)  # a value both sizes hold
    query = case.query.replace("{last}", str(size.last_page)).replace("{middle}", middle)
    query = query.replace("%7Bmiddle%7D", middle)
    return f"/api/application/{case.list}?{query}"


def _next_cursor(body: Any) -> str | None:
    """The next page's cursor, as Laravel's CursorPaginator answers it (``meta.next_cursor``, ``links.next``)."""
    if not isinstance(body, dict):
        return None
    meta, links = body.get("meta") or {}, body.get("links") or {}
    if meta.get("next_cursor"):
        return str(meta["next_cursor"])
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(links.get("next") or "")).query)
    return query.get("cursor", [None])[0]


class CursorWalk:
    """Follows one list's next cursors, one page per request; starts again at the first page at the end."""

    def __init__(self, case: Case, size: Size) -> None:
        self.case, self.size, self.cursor = case, size, ""

    async def start(self) -> str | None:
        """The first cursor, or why cursor paging is not measured."""
        answer = await self.size.client.get(f"/api/application/{self.case.list}?per_page={PER_PAGE}&cursor=")
        if answer.status_code != 200:
            return f"n/a ({answer.status_code} for cursor)"
        cursor = _next_cursor(answer.json())
        if cursor is None:
            return "n/a (no next cursor)"
        self.cursor = cursor
        return None

    def path(self) -> str:
        return f"/api/application/{self.case.list}?per_page={PER_PAGE}&cursor={urllib.parse.quote(self.cursor)}"

    def advance(self, body: Any) -> None:
        self.cursor = _next_cursor(body) or self.cursor


async def _timed(size: Size, path: str) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = await size.client.get(path)
    elapsed = (time.perf_counter() - start) * 1e3
    if answer.status_code != 200:
        raise SystemExit(f"bench.scale: {path} answered {answer.status_code} at {size.label}: {answer.text[:300]}")
    return elapsed, answer


async def measure(case: Case, small: Size, large: Size, samples: int, budget: float, warmup: int) -> Timing:
    timing = Timing()
    walks: dict[str, CursorWalk] = {}
    if case.name == "cursor":
        for size in (small, large):
            walks[size.label] = walk = CursorWalk(case, size)
            why = await walk.start()
            if why is not None:
                timing.note = why
                return timing
    started = time.perf_counter()
    for n in range(warmup + samples):
        if n >= warmup + 10 and time.perf_counter() - started > budget:
            break
        for size in (small, large) if n % 2 == 0 else (large, small):
            walking = walks.get(size.label)
            elapsed, answer = await _timed(size, walking.path() if walking else _path(case, size, small))
            if walking:
                walking.advance(answer.json())
            if n >= warmup:
                (timing.small if size is small else timing.large).append(elapsed)
    return timing


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def header(small: Size, large: Size) -> None:
    head = f"{'list':<10}{'case':<26}{'n':>4}{small.label + ' p50':>12}{'p99':>8}{large.label + ' p50':>12}{'p99':>8}"
    print(head + f"{'ratio p50':>11}{'ratio p99':>11}", flush=True)


def row(case: Case, timing: Timing) -> bool:
    """Prints the case's line (as soon as it is measured); False if a ratio misses the target."""
    if not timing.small:
        print(f"{case.list:<10}{case.name:<26}{timing.note}", flush=True)
        return True
    s50, s99, l50, l99 = (_p(t, q) for t in (timing.small, timing.large) for q in (0.5, 0.99))
    r50, r99 = l50 / s50, l99 / s99
    met = max(r50, r99) <= TARGET
    print(
        f"{case.list:<10}{case.name:<26}{len(timing.small):>4}{s50:>12.1f}{s99:>8.1f}{l50:>12.1f}{l99:>8.1f}"
        f"{r50:>10.2f}x{r99:>10.2f}x{'' if met else '  <-'}",
        flush=True,
    )
    return met


def verdict(misses: list[Case]) -> bool:
    print()
    print(f"target: every ratio (large/small, p50 and p99) <= {TARGET}x; cases measured 'n/a' are not judged")
    over = ", ".join(f"{case.list} {case.name}" for case in misses)
    print(f"verdict: {'PASS' if not misses else f'FAIL ({len(misses)} case(s) over: {over})'}")
    return not misses


def print_builds(size: Size) -> None:
    """How long the indexes took to build after the load, and their size: the list_indexes migration's by table."""
    names = set(list_index_names())
    mine = [b for b in size.built if b.name in names]
    other = [b for b in size.built if b.name not in names]
    for label, group in (("list_indexes migration", mine), ("other indexes", other)):
        if group:
            seconds = sum(b.seconds for b in group)
            megabytes = sum(b.size for b in group) / 2**20
            print(f"  {size.label}: {len(group)} {label}: built in {seconds:.1f} s, {megabytes:.0f} MB")
    for table in _seed.TABLES:
        for kind, group in (
            ("B-tree", [b for b in mine if b.table == table and not b.name.endswith("_trgm")]),
            ("trigram", [b for b in mine if b.table == table and b.name.endswith("_trgm")]),
        ):
            if group:
                megabytes = sum(b.size for b in group) / 2**20
                seconds = sum(b.seconds for b in group)
                print(f"    {table} {kind}: {len(group)}, {megabytes:.0f} MB, {seconds:.1f} s")


async def run(args: argparse.Namespace) -> int:
    import httpx

    from hostlane.app import create_app

    small = Size(_label(args.small), args.small, f"{SCHEMA}_small")
    large = Size(_label(args.large), args.large, f"{SCHEMA}_large")
    try:
        for size in (small, large):
            start = time.perf_counter()
            await _prepare(size, list_indexes=not args.no_list_indexes)
            print(f"[{time.perf_counter() - start:6.1f} s] {size.schema}: migrated, {size.rows} rows each loaded")
            print_builds(size)
        if args.no_list_indexes:
            print("(the list_indexes migration's indexes are dropped in both schemas: the 'before' figures)")
        found = [case for case in cases(small) if not args.only or any(word in case.name for word in args.only)]
        deep = next((case.name for case in found if case.name.startswith("page ") and case.name != "page 1"), None)
        if deep is not None and deep != f"page {DEEP_PAGE}":
            print(
                f"note: {small.label} has {small.last_page} pages of {PER_PAGE}: the deep page is {deep} at both sizes"
            )
        for size in (small, large):
            app = create_app(size.runtime.settings, size.runtime)
            headers = {"Authorization": f"Bearer {size.key}", "Accept": "application/json"}
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
            size.client = httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers, timeout=120)
        print(f"{len(found)} cases, up to {args.samples} samples each per size, alternating sizes", flush=True)
        header(small, large)
        misses = []
        for case in found:
            timing = await measure(case, small, large, args.samples, args.case_seconds, args.warmup)
            if not row(case, timing):
                misses.append(case)
        return 0 if verdict(misses) else 2
    finally:
        for size in (small, large):
            if size.client is not None:
                await size.client.aclose()
            if size.runtime is not None:
                await size.runtime.close()
            await _drop(size)


def _label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--small", type=int, default=10_000, help="rows per table at the small size (default 10000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="rows per table at the large size (1000000)")
    parser.add_argument("--samples", type=int, default=60, help="timed requests per case and size (default 60)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per case and size first (default 3)")
    parser.add_argument("--case-seconds", type=float, default=20, help="stop a case's samples after this (min. 10)")
    parser.add_argument("--only", action="append", help="only the cases whose name contains this (repeatable)")
    parser.add_argument("--no-list-indexes", action="store_true", help="drop the list_indexes migration's indexes")
    args = parser.parse_args(argv)
    if not 1 <= args.small <= args.large or args.samples < 1:
        parser.error("--small and --large must be positive, --small at most --large; --samples positive")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
