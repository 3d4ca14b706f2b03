"""The admin panel's customers page (``GET /admin/customers``) at 100k customers, against a floor: the same
SQL statements sent through the bare driver (asyncpg, prepared, one connection), with no HTTP, no session
machinery and no template.

Run: ``.venv/bin/python -m bench.admin_customers [--customers N] [--requests N]``. It

1. drops and re-creates the PostgreSQL schema ``hostlane_bench_admin`` of database ``test`` on 127.0.0.1
   (``BENCH_DATABASE_URL`` to change), migrates it, COPYs N live customers in (``bench.api_list``'s data),
   ANALYZEs, and makes a super-administrator through the domain;
2. logs that administrator in to the real app in-process (httpx's ASGI transport: no network, one process);
3. for each scenario (the first page, a deep page, a search by name, by e-mail fragment, by company), records
   the statements one page sends (the login's session and administrator, the page, the count), then times
   ``--requests`` pages through the app and the same statements through asyncpg;
4. prints each scenario's statements per page, mean / p50 / p99 in milliseconds of both, and the ratio of the
   means. No verdict: the page renders 25 rows of HTML, which the floor does not, so the ratio says what the
   web layer costs over the SQL it cannot avoid.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import time
from typing import Any

from bench import api_list

SCHEMA = "hostlane_bench_admin"
api_list.SCHEMA = SCHEMA  # bench.api_list's schema helpers read the module's global
PASSWORD = secrets.token_urlsafe(16)  # this run only
SCENARIOS = {
    "first page": "/admin/customers",
    "page 2000": "/admin/customers?page=2000",
    "search a name": "/admin/customers?q=camille+martin",
    "search an e-mail": "/admin/customers?q=orange.fr",
    "search a company": "/admin/customers?q=gmbh",
    "search, no match": "/admin/customers?q=zzzz",
}
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def _make_admin() -> None:
    from hostlane.config import get_settings
    from hostlane.identity import service as identity
    from hostlane.identity.principal import Principal
    from hostlane.runtime import Runtime

    runtime = Runtime.build(get_settings())
    try:
        async with runtime.db.transaction() as session:
            await identity.create_administrator(
                session,
                Principal.system(),
                login="bench",
                email="bench@hostlane.example",
                password=PASSWORD,
                name="Bench",
                super_admin=True,
            )
    finally:
        await runtime.close()


def prepare(count: int) -> None:
    import os

    os.environ.update(api_list.hostlane_env())
    from hostlane.config import Settings, use_settings
    from hostlane.core.migrate import upgrade

    use_settings(Settings(_env_file=None))  # type: ignore[call-arg]  # the environment only, not ./.env
    dsn = api_list.plain_dsn(api_list.DATABASE_URL)
    asyncio.run(api_list._reset_schema(dsn))
    upgrade(api_list.DATABASE_URL)
    asyncio.run(_make_admin())
    asyncio.run(api_list._load_customers(dsn, count))


def _summary(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.fmean(ordered) * 1000, statistics.median(ordered) * 1000, p99 * 1000


async def measure(requests: int) -> list[tuple[str, int, tuple[float, float, float], tuple[float, float, float]]]:
    import asyncpg
    import httpx
    from sqlalchemy import event

    from hostlane.app import create_app
    from hostlane.config import get_settings
    from hostlane.runtime import Runtime

    runtime = Runtime.build(get_settings())
    app = create_app(runtime.settings, runtime)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    bare = await asyncpg.connect(
        api_list.plain_dsn(api_list.DATABASE_URL), server_settings={"search_path": SCHEMA}, statement_cache_size=100
    )
    seen: list[tuple[str, tuple[object, ...]]] = []
    recording = False

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if recording:
            seen.append((statement, tuple(parameters or ())))

    results = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/admin/login")
            token = CSRF.search(form.text)
            assert token is not None
            login = await client.post(
                "/admin/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
            )
            if login.status_code != 303:
                raise SystemExit(f"the administrator could not log in ({login.status_code})")
            event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", record)
            for name, path in SCENARIOS.items():
                for _ in range(3):  # warm-up: connections, prepared statements, template cache
                    assert (await client.get(path)).status_code == 200
                seen.clear()
                recording = True
                await client.get(path)
                recording = False
                statements = list(seen)
                page_times = []
                for _ in range(requests):
                    start = time.perf_counter()
                    response = await client.get(path)
                    page_times.append(time.perf_counter() - start)
                    assert response.status_code == 200
                for statement, parameters in statements:  # warm the floor's prepared statements too
                    await bare.fetch(statement, *parameters)
                floor_times = []
                for _ in range(requests):
                    start = time.perf_counter()
                    for statement, parameters in statements:
                        await bare.fetch(statement, *parameters)
                    floor_times.append(time.perf_counter() - start)
                results.append((name, len(statements), _summary(page_times), _summary(floor_times)))
    finally:
        await bare.close()
        await runtime.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="pages timed per scenario and target")
    options = parser.parse_args()
    started = time.perf_counter()
    prepare(options.customers)
    print(f"{options.customers} customers loaded in {time.perf_counter() - started:.1f} s (schema {SCHEMA})")
    rows = asyncio.run(measure(options.requests))
    print(f"\n{'scenario':<18} {'SQL':>3}  {'page mean/p50/p99 ms':>22}  {'floor mean/p50/p99 ms':>22}  ratio")
    for name, count, page, floor in rows:
        shown_page = "/".join(f"{value:.1f}" for value in page)
        shown_floor = "/".join(f"{value:.2f}" for value in floor)
        print(f"{name:<18} {count:>3}  {shown_page:>22}  {shown_floor:>22}  {page[0] / floor[0]:.1f}x")


if __name__ == "__main__":
    main()
