"""``GET /api/application/customers`` under load: Hostlane against a bare Starlette + asyncpg app.

Run: ``.venv/bin/python -m bench.api_list`` (``--help`` for the knobs). It

1. drops and re-creates the PostgreSQL schema ``hostlane_bench`` in database ``test``, migrates it,
   makes an administrator and an API key (``customers:index``) through the domain, COPYs 100k live
   customers in and ANALYZEs;
2. runs Hostlane's real list route once in-process and records the SQL it sends, and checks that the
   bare app below sends exactly those statements (same text, same parameters);
3. starts two uvicorn servers, one worker each, log level warning, no access log: Hostlane
   (``hostlane.app:create_app``) and the bare app (``bench.api_list:bare_app``), which answers the same
   route by hand: the API-key query, the page query (a deferred join past page 1) and, when the page is not
   the last, the total's query (the maintained count, a bounded count or the planner's estimate, as
   ``hostlane.core.pagination.fetch_page`` chooses) through asyncpg (prepared statements, a pool of 20), and
   the same JSON document through orjson;
4. checks that both answer the same JSON to a few requests, then loads one at a time with 32
   keep-alive connections asking for random pages of 50 under random filters (none,
   ``filter[country]``, ``filter[status]``, ``filter[email]=<fragment>``): a warm-up each, then
   alternating slices (H B, B H, H B), so that other work on the machine weighs on both alike;
5. prints requests, req/s, p50 and p99 of each, the server's CPU, the two ratios and a verdict
   against the targets: Hostlane >= 0.5x the bare app's throughput, and a p99 <= 2x the bare app's
   (exit code 0 on PASS, 2 on FAIL).

The load comes from ``wrk`` (``apt-get install -y wrk``) when it is installed, else from an httpx
client in this process (which then shares the 2 cores with the servers: the numbers are lower).
Everything runs on 127.0.0.1; each run is bounded in time and the servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "bench_api_list")
SECRET_KEY = secrets.token_urlsafe(32)  # this run's servers only
HOST = "127.0.0.1"
PATH = "/api/application/customers"
PER_PAGE = 50
POOL_SIZE = 20  # the bare app's asyncpg pool; Hostlane's own default (database_pool_size) is 20 too
TARGET_THROUGHPUT = 0.9  # Hostlane req/s >= this times the bare app's
TARGET_CPU = 1.5  # Hostlane's server CPU time per request <= this times the bare app's

# ---------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = words(
    "marie jean pierre sophie thomas camille nicolas julie lucas emma louis chloe hugo lea paul manon "
    "anna james oliver amelia george isla harry ava noah mia liam olivia lukas hannah felix lena max sofia "
    "giulia marco luca chiara pablo lucia javier carmen daan sanne noor bram"
)
LAST_NAMES = words(
    "martin bernard dubois thomas robert richard petit durand leroy moreau simon laurent lefebvre michel "
    "garcia david bertrand roux vincent fournier smith jones taylor brown williams wilson johnson davies "
    "evans walker muller schmidt schneider fischer weber meyer wagner becker rossi russo ferrari esposito "
    "bianchi romano lopez martinez sanchez perez gomez dejong jansen devries bakker visser"
)
DOMAINS = words(
    "gmail.com outlook.com yahoo.fr orange.fr free.fr proton.me icloud.com hotmail.co.uk web.de gmx.de "
    "libero.it telefonica.es ziggo.nl example.com acme.io"
)
COUNTRIES = {"FR": 30, "DE": 12, "GB": 10, "US": 9, "BE": 7, "ES": 6, "IT": 6, "NL": 5, "CH": 4, "CA": 3, "PT": 8}
STATUSES = {"active": 85, "suspended": 7, "closed": 5, "banned": 3}
CITIES = words("Paris Lyon Berlin London Madrid Rome Amsterdam Brussels Geneva Toronto Lisbon Warsaw")
STREETS = ("rue de la Paix", "High Street", "Hauptstrasse", "Via Roma", "Calle Mayor", "Kerkstraat")
CUSTOMER_COLUMNS = words(
    "livemode email firstname lastname companyname address1 city postcode country phone locale currency "
    "credit_minor status taxexempt email_verified_at last_login_at created_at updated_at"
)

# What the load asks for: each kind of filter a quarter of the time, then a value, then a random page.
FILTERS: dict[str | None, tuple[str, ...]] = {
    None: ("",),
    "country": ("FR", "DE", "GB", "US", "BE"),
    "status": ("active", "suspended"),
    # A first name, a last name, a domain, digits of the running number, a part across the dot.
    "email": ("marie", "dubois", "smith", "orange.fr", "gmail", "proton", "4711", "99", "an.m", "lucas.r"),
}
MIX_SIZE = 20_000  # requests drawn in advance (the same mix for both targets)


def customer_records(count: int, seed: int = 1) -> list[tuple[object, ...]]:
    """``count`` live customers, reproducible from ``seed``; each e-mail ends in its number, so is unique."""
    rng = random.Random(seed)
    countries = [code for code, weight in COUNTRIES.items() for _ in range(weight)]
    statuses = [status for status, weight in STATUSES.items() for _ in range(weight)]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    records: list[tuple[object, ...]] = []
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = now - dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        updated = created + dt.timedelta(seconds=rng.randrange(int((now - created).total_seconds()) + 1))
        verified = created + dt.timedelta(minutes=rng.randrange(1, 600)) if rng.random() < 0.8 else None
        company = f"{last.title()} {rng.choice(['SARL', 'GmbH', 'Ltd', 'SAS', 'BV'])}" if rng.random() < 0.3 else None
        records.append(
            (
                True,
                f"{first}.{last}{n}@{rng.choice(DOMAINS)}",
                first.title(),
                last.title(),
                company,
                f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
                rng.choice(CITIES),
                str(rng.randrange(10000, 99999)),
                rng.choice(countries),
                f"+33{rng.randrange(100000000, 999999999)}" if rng.random() < 0.7 else None,
                "en_GB",
                "EUR",
                0,
                rng.choice(statuses),
                False,
                verified,
                updated if rng.random() < 0.6 else None,
                created,
                updated,
            )
        )
    return records


def plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def hostlane_env() -> dict[str, str]:
    return {
        "HOSTLANE_DATABASE_URL": DATABASE_URL,
        "HOSTLANE_DATABASE_SCHEMA": SCHEMA,
        "HOSTLANE_SECRET_KEY": SECRET_KEY,
        # Links hold the request's own scheme and host only for a host the server knows (else they are relative).
        "HOSTLANE_ALLOWED_HOSTS": HOST,
        "HOSTLANE_INPROCESS_JOBS": "false",
    }


async def _reset_schema(dsn: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        await connection.execute(f'CREATE SCHEMA "{SCHEMA}"')
    finally:
        await connection.close()


async def _drop_schema(dsn: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    finally:
        await connection.close()


async def _load_customers(dsn: str, count: int) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        await connection.copy_records_to_table("customers", records=customer_records(count), columns=CUSTOMER_COLUMNS)
        tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", SCHEMA)
        for table in tables:
            await connection.execute(f'ANALYZE "{SCHEMA}"."{table["tablename"]}"')
    finally:
        await connection.close()


async def _make_api_key() -> str:
    """An administrator and a live API key holding ``customers:index``, made through the domain."""
    from hostlane.config import get_settings
    from hostlane.identity import service as identity
    from hostlane.identity.principal import Principal
    from hostlane.runtime import Runtime

    runtime = Runtime.build(get_settings())
    try:
        async with runtime.db.transaction() as session:
            admin = await identity.create_administrator(
                session,
                Principal.system(),
                login="bench",
                email="bench@hostlane.example",
                password=secrets.token_urlsafe(16),
                name="Bench",
            )
            issued = await identity.create_api_key(
                session,
                Principal.system(),
                name="bench",
                admin_email=admin.email,
                permission_names=["customers:index"],
            )
        return issued.plaintext
    finally:
        await runtime.close()


def prepare(count: int) -> str:
    """A fresh schema with ``count`` customers; returns the API key."""
    os.environ.update(hostlane_env())
    from hostlane.config import Settings, use_settings
    from hostlane.core.migrate import upgrade

    use_settings(Settings(_env_file=None))  # type: ignore[call-arg]  # the environment only, not ./.env
    dsn = plain_dsn(DATABASE_URL)
    asyncio.run(_reset_schema(dsn))
    upgrade(DATABASE_URL)
    key = asyncio.run(_make_api_key())
    asyncio.run(_load_customers(dsn, count))
    return key


def query_string(name: str | None, value: str, page: int) -> str:
    filters = f"&filter[{name}]={urllib.parse.quote(value, safe='')}" if name else ""
    return f"per_page={PER_PAGE}&page={page}{filters}"


async def _last_pages() -> dict[tuple[str | None, str], int]:
    """The last page of each filter of the mix (an exact count: the bench's own query, not one the apps send)."""
    import asyncpg

    connection = await asyncpg.connect(plain_dsn(DATABASE_URL), server_settings={"search_path": SCHEMA})
    try:
        pages = {}
        for name, values in FILTERS.items():
            for value in values:
                total = await connection.fetchval(COUNT_SQL[name], *bare_filter_args(name, value))
                pages[(name, value)] = max(1, -(-total // PER_PAGE))
        return pages
    finally:
        await connection.close()


def request_mix(max_page: int, seed: int = 7) -> list[str]:
    """``MIX_SIZE`` paths with query strings: a filter kind, a value, a page in the result's range."""
    last_pages = asyncio.run(_last_pages())
    rng = random.Random(seed)
    kinds = list(FILTERS)
    paths = []
    for _ in range(MIX_SIZE):
        name = rng.choice(kinds)
        value = rng.choice(FILTERS[name])
        last = last_pages[(name, value)]
        page = rng.randint(1, min(last, max_page) if max_page else last)
        paths.append(f"{PATH}?{query_string(name, value, page)}")
    return paths


# ---------------------------------------------------------------------------------------------------
# The bare app: the same SQL (as Hostlane's SQLAlchemy renders it) and the same JSON, by hand.
# ---------------------------------------------------------------------------------------------------

API_KEY_SQL = (
    "SELECT api_keys.id, api_keys.name, api_keys.administrator_id, api_keys.prefix, api_keys.secret_hash, "
    "api_keys.permissions, api_keys.livemode, api_keys.created_at, api_keys.last_used_at, api_keys.revoked_at \n"
    "FROM api_keys JOIN administrators ON administrators.id = api_keys.administrator_id \n"
    "WHERE api_keys.prefix = $1::VARCHAR AND api_keys.revoked_at IS NULL AND administrators.is_active IS true"
)
TOUCH_SQL = "UPDATE api_keys SET last_used_at=$1::TIMESTAMP WITH TIME ZONE WHERE api_keys.id = $2::BIGINT"
_SELECT = (
    "SELECT customers.id, customers.livemode, customers.email, customers.firstname, customers.lastname, "
    "customers.companyname, customers.billing_details, customers.address1, customers.address2, customers.city, "
    "customers.state, customers.postcode, customers.country, customers.phone, customers.locale, customers.currency, "
    "customers.credit_minor, customers.status, customers.status_reason, customers.taxexempt, customers.partner, "
    "customers.email_verified_at, customers.notes, customers.last_login_at, customers.last_login_ip, "
    "customers.last_login_host, customers.created_at, customers.updated_at, customers.deleted_at \nFROM customers \n"
)
_SCOPE = "WHERE customers.livemode IS true AND customers.deleted_at IS NULL"
_ORDER = " ORDER BY customers.id ASC \n"
_IDS = "SELECT customers.id \nFROM customers \n"
# Each filter's condition, with the parameter numbers each statement gives it: SQLAlchemy numbers an expanding IN's
# parameters after LIMIT/OFFSET's, a LIKE's before them.
_COUNTRY = " AND customers.country IN (${n}::VARCHAR)"
_STATUS = " AND customers.status IN (${n})"
_EMAIL = " AND lower(customers.email) LIKE ${n}::VARCHAR ESCAPE '\\'"
_FILTER: dict[str | None, str] = {None: "", "country": _COUNTRY, "status": _STATUS, "email": _EMAIL}


def _where(name: str | None, number: int) -> str:
    return _SCOPE + _FILTER[name].replace("{n}", str(number))


# Hostlane's ``core.pagination.fetch_page`` by number: one row more than the page (whether a next one exists); the
# first page plainly, a later one as a deferred join (the offset walks ids, only the page's rows are read whole).
FIRST_PAGE_SQL: dict[str | None, str] = {
    name: f"{_SELECT}{_where(name, 1 if name == 'email' else 2)}{_ORDER} LIMIT ${2 if name == 'email' else 1}::INTEGER"
    for name in _FILTER
}
PAGE_SQL: dict[str | None, str] = {
    name: f"{_SELECT}{_SCOPE} AND customers.id IN ({_IDS}{_where(name, 1 if name == 'email' else 3)}{_ORDER}"
    f" LIMIT ${2 if name == 'email' else 1}::INTEGER OFFSET ${3 if name == 'email' else 2}::INTEGER){_ORDER.rstrip()}"
    for name in _FILTER
}
# The total, when the page is not the last: the maintained count (``core.counts``) for no filter or status only,
# else a count bounded at COUNT_CAP + 1 rows, and past COUNT_CAP the planner's estimate (EXPLAIN).
_MAINTAINED = (
    "SELECT coalesce(sum(list_counts.n), $1::INTEGER) AS coalesce_1 \nFROM list_counts \n"
    "WHERE list_counts.resource = $2::VARCHAR AND list_counts.livemode IS true"
)
MAINTAINED_SQL: dict[str | None, str] = {
    None: _MAINTAINED,
    "status": f"{_MAINTAINED} AND list_counts.status IN ($3::VARCHAR)",
}
COUNT_CAP = 10_000
BOUNDED_SQL: dict[str | None, str] = {
    name: "SELECT count(*) AS count_1 \nFROM (SELECT customers.id AS id \nFROM customers \n"
    f"{_where(name, 1 if name == 'email' else 2)} \n LIMIT ${2 if name == 'email' else 1}::INTEGER) AS anon_1"
    for name in ("country", "email")
}
EXPLAIN_SQL: dict[str | None, str] = {
    name: f"EXPLAIN (FORMAT JSON) SELECT customers.id \nFROM customers \n{_where(name, 1)}"
    for name in ("country", "email")
}
# The mix's last pages: an exact count (the bench's own query, not one either app sends).
COUNT_SQL: dict[str | None, str] = {
    name: f"SELECT count(*) AS count_1 \nFROM customers \n{_where(name, 1)}" for name in _FILTER
}
API_KEY_PATTERN = re.compile(r"^(hl_(?:live|test)_[A-Za-z0-9]{8})([A-Za-z0-9]{40})$")
TOUCH_EVERY = dt.timedelta(minutes=1)


def bare_filter_args(name: str | None, value: str) -> list[object]:
    if name is None:
        return []
    if name == "email":
        escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [f"%{escaped}%"]
    return [value]


def bare_page_args(name: str | None, value: str, limit: int, offset: int) -> list[object]:
    if name == "email":
        return [*bare_filter_args(name, value), limit, *([offset] if offset else [])]
    return [limit, *([offset] if offset else []), *bare_filter_args(name, value)]


async def bare_page(connection: Any, name: str | None, value: str, page: int, per_page: int) -> tuple[list[Any], int]:
    """A page's rows and the list's total, by the statements Hostlane's ``fetch_page`` sends (asyncpg)."""
    offset = (page - 1) * per_page
    sql = PAGE_SQL[name] if offset else FIRST_PAGE_SQL[name]
    rows = await connection.fetch(sql, *bare_page_args(name, value, per_page + 1, offset))
    more = len(rows) > per_page
    del rows[per_page:]
    if not more and (rows or page == 1):
        return rows, offset + len(rows)
    known = offset + len(rows) + int(more) if rows else 0
    if name in MAINTAINED_SQL:
        counted = await connection.fetchval(MAINTAINED_SQL[name], 0, "customers", *bare_filter_args(name, value))
        return rows, max(int(counted), known)
    filter_args = bare_filter_args(name, value)
    bounded_args = [*filter_args, COUNT_CAP + 1] if name == "email" else [COUNT_CAP + 1, *filter_args]
    found = int(await connection.fetchval(BOUNDED_SQL[name], *bounded_args))
    if found <= COUNT_CAP:
        return rows, max(found, known)
    plan = json.loads(await connection.fetchval(EXPLAIN_SQL[name], *filter_args))
    return rows, max(int(plan[0]["Plan"]["Plan Rows"]), COUNT_CAP + 1, known)


def bare_app() -> Any:
    """The bare Starlette app (``uvicorn bench.api_list:bare_app --factory``); reads BENCH_BARE_DSN."""
    import asyncpg
    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    dsn = os.environ.get("BENCH_BARE_DSN", plain_dsn(DATABASE_URL))
    schema = os.environ.get("BENCH_BARE_SCHEMA", SCHEMA)
    pools: list[asyncpg.Pool] = []

    def error(status: int, message: str) -> Response:
        return Response(orjson.dumps({"message": message}), status, media_type="application/json")

    def timestamp(value: dt.datetime | None) -> str | None:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value is not None else None

    def amount(minor: int) -> float:  # EUR, 2 decimals (every customer of the bench), as a JSON number
        return minor / 100

    def customer(row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "firstname": row["firstname"],
            "lastname": row["lastname"],
            "email": row["email"],
            "locale": row["locale"],
            "phone": row["phone"],
            "address": row["address1"],
            "address2": row["address2"],
            "city": row["city"],
            "country": row["country"],
            "region": row["state"],
            "zipcode": row["postcode"],
            "email_verified_at": timestamp(row["email_verified_at"]),
            "balance": amount(row["credit_minor"]),
            "last_login": timestamp(row["last_login_at"]),
            "is_confirmed": row["email_verified_at"] is not None,
            "is_deleted": row["deleted_at"] is not None,
            "deleted_at": timestamp(row["deleted_at"]),
            "notes": row["notes"],
            "created_at": timestamp(row["created_at"]),
            "company_name": row["companyname"],
            "billing_details": row["billing_details"],
            "currency": row["currency"],
            "status": row["status"],
            "taxexempt": row["taxexempt"],
            "updated_at": timestamp(row["updated_at"]),
            "partner": row["partner"],
        }

    def positive(raw: str | None, default: int) -> int | None:
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            return None
        return value if value >= 1 else None

    async def list_customers(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        match = API_KEY_PATTERN.match(token)
        if match is None:
            return error(401, "Unauthenticated.")
        params = request.query_params
        page, per_page = positive(params.get("page"), 1), positive(params.get("per_page"), 25)
        if page is None or per_page is None:
            return error(400, "The page and per_page parameters must be whole numbers of at least 1.")
        per_page = min(per_page, 100)
        filters = [(key[7:-1], value) for key, value in params.items() if key.startswith("filter[")]
        if len(filters) > 1 or (filters and (filters[0][0] not in PAGE_SQL or "," in filters[0][1])):
            return error(400, "The bare app knows one filter: country, status or email (one value).")
        name, value = filters[0] if filters else (None, "")
        offset = (page - 1) * per_page
        async with pools[0].acquire() as connection:
            key = await connection.fetchrow(API_KEY_SQL, match.group(1))
            if key is None or not hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), key["secret_hash"]):
                return error(401, "Unauthenticated.")
            now = dt.datetime.now(dt.UTC)
            if key["last_used_at"] is None or now - key["last_used_at"] >= TOUCH_EVERY:
                await connection.execute(TOUCH_SQL, now, key["id"])
            granted = orjson.loads(key["permissions"])
            if "*" not in granted and "customers:index" not in granted:
                return error(403, "This action is unauthorized.")
            rows, total = await bare_page(connection, name, value, page, per_page)
        last = max(1, -(-total // per_page))

        # Hostlane's links: absolute for a Host it knows (HOSTLANE_ALLOWED_HOSTS), else relative.
        host = request.headers.get("host", "")
        origin = f"{request.url.scheme}://{host}" if host.rsplit(":", 1)[0] == HOST else ""
        base = origin + request.url.path

        def url(number: int) -> str:
            return f"{base}?{request.url.include_query_params(page=number).query}"

        window = range(max(1, page - 3), min(last, page + 3) + 1)
        links: list[dict[str, Any]] = [
            {"url": url(page - 1) if page > 1 else None, "label": "&laquo; Previous", "active": False}
        ]
        links += [{"url": url(n), "label": str(n), "active": n == page} for n in window]
        links.append({"url": url(page + 1) if page < last else None, "label": "Next &raquo;", "active": False})
        body = {
            "data": [customer(row) for row in rows],
            "links": {
                "first": url(1),
                "last": url(last),
                "prev": url(page - 1) if page > 1 else None,
                "next": url(page + 1) if page < last else None,
            },
            "meta": {
                "current_page": page,
                "from": offset + 1 if rows else None,
                "last_page": last,
                "links": links,
                "path": base,
                "per_page": per_page,
                "to": offset + len(rows) if rows else None,
                "total": total,
            },
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pools.append(
            await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE, server_settings={"search_path": schema})
        )
        yield
        await pools[0].close()

    return Starlette(routes=[Route(PATH, list_customers)], lifespan=lifespan)


# ---------------------------------------------------------------------------------------------------
# Checks: the bare app sends Hostlane's SQL, and both answer the same JSON.
# ---------------------------------------------------------------------------------------------------


async def _call_asgi(app: Any, path: str, query: str, headers: dict[str, str]) -> int:
    """One GET through an ASGI app, in-process; returns the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (HOST, 40000),
        "server": (HOST, 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


# What the SQL check asks both apps for: of each filter of the mix, the first page, the second (a deferred join and a
# total) and one past the end (an empty page: its total cannot come from the page).
CHECKED_PAGES = (1, 2, 1_000_000)


async def _hostlane_statements(key: str) -> list[tuple[str, tuple[object, ...]]]:
    """The SQL Hostlane sends (text and parameters) for ``CHECKED_PAGES`` of each filter of the mix."""
    from sqlalchemy import event

    from hostlane.app import create_app
    from hostlane.config import get_settings
    from hostlane.runtime import Runtime

    runtime = Runtime.build(get_settings())
    seen: list[tuple[str, tuple[object, ...]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, tuple(parameters or ())))

    try:
        app = create_app(runtime.settings, runtime)
        async with runtime.db.reader() as session:  # connect first: the dialect's own set-up queries
            await session.connection()
        event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", record)
        for name, values in FILTERS.items():
            for page in CHECKED_PAGES:
                query = query_string(name, values[0], page)
                status = await _call_asgi(app, PATH, query, {"Authorization": f"Bearer {key}"})
                if status != 200:
                    raise SystemExit(f"Hostlane answered {status} to {query}")
    finally:
        await runtime.close()
    return seen


class _Recording:
    """An asyncpg connection that notes each statement it is given (text and parameters)."""

    def __init__(self, connection: Any, seen: list[tuple[str, tuple[object, ...]]]) -> None:
        self.connection, self.seen = connection, seen

    async def fetch(self, sql: str, *args: object) -> list[Any]:
        self.seen.append((sql, args))
        return list(await self.connection.fetch(sql, *args))

    async def fetchval(self, sql: str, *args: object) -> Any:
        self.seen.append((sql, args))
        return await self.connection.fetchval(sql, *args)


async def _bare_statements(prefix: str) -> list[tuple[str, tuple[object, ...]]]:
    """The SQL the bare app sends for the same requests (the key's touch, whose time varies, by type)."""
    import asyncpg

    connection = await asyncpg.connect(plain_dsn(DATABASE_URL), server_settings={"search_path": SCHEMA})
    seen: list[tuple[str, tuple[object, ...]]] = []
    try:
        for name, values in FILTERS.items():
            for page in CHECKED_PAGES:
                first = not seen
                seen.append((API_KEY_SQL, (prefix,)))
                if first:  # the key's first use writes last_used_at
                    seen.append((TOUCH_SQL, (dt.datetime, 1)))
                await bare_page(_Recording(connection, seen), name, values[0], page, PER_PAGE)
    finally:
        await connection.close()
    return seen


def check_sql(key: str) -> str:
    """Compare the statements Hostlane sends with the bare app's (text and parameters); exit if they differ."""
    seen = asyncio.run(_hostlane_statements(key))
    expected = asyncio.run(_bare_statements(key[:16]))
    comparable = [
        (statement, (type(parameters[0]), *parameters[1:]) if statement == TOUCH_SQL else parameters)
        for statement, parameters in seen
    ]
    if comparable != expected:
        print(
            "The bare app's SQL is not Hostlane's any more: update bench/api_list.py. Hostlane sent, then the bare app:"
        )
        for (statement, parameters), bare in zip(comparable, expected, strict=False):
            mark = "  " if (statement, parameters) == bare else "!="
            print(f"{mark} {statement!r} {parameters!r}\n   {bare[0]!r} {bare[1]!r}")
        print(f"({len(comparable)} statements from Hostlane, {len(expected)} from the bare app)")
        raise SystemExit(1)
    return f"{len(seen)} statements, {len({statement for statement, _ in seen})} distinct"


def _get_json(url: str, key: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310 - 127.0.0.1
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def check_same_json(hostlane: str, bare: str, key: str, paths: Sequence[str]) -> int:
    """Both apps answer these paths with the same document (their base URLs aside)."""
    for path in paths:
        status_a, body_a = _get_json(hostlane + path, key)
        status_b, body_b = _get_json(bare + path, key)
        if status_a != 200 or status_b != 200:
            raise SystemExit(f"{path}: Hostlane answered {status_a}, the bare app {status_b}: {body_a!r} {body_b!r}")
        text_b = json.dumps(body_b).replace(bare, hostlane)
        if json.dumps(body_a) != text_b:
            where, a, b = _first_difference(body_a, json.loads(text_b))
            raise SystemExit(f"{path}: the two apps answer different documents, first at {where}: {a!r} != {b!r}")
    return len(paths)


def _first_difference(a: Any, b: Any, where: str = "$") -> tuple[str, Any, Any]:
    """Where two JSON documents first differ (keys in order included), and the two values there."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{where} (keys)", list(a), list(b)
        for key in a:
            if json.dumps(a[key]) != json.dumps(b[key]):
                return _first_difference(a[key], b[key], f"{where}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if json.dumps(x) != json.dumps(y):
                return _first_difference(x, y, f"{where}[{index}]")
    return where, a, b


# ---------------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_server(name: str, app: str, env: dict[str, str], workdir: Path) -> Server:
    """uvicorn in its own session: 1 worker, log level warning, no access log, same flags for both."""
    port = free_port()
    log = workdir / f"{name}.log"
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", HOST, "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    command += ["--no-proxy-headers", "--no-server-header", "--app-dir", str(ROOT)]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTLANE_", "BENCH_"))}
    with log.open("wb") as out:
        # cwd is a scratch directory, so no ./.env of the work tree is read.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=workdir, env={**base, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, f"http://{HOST}:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return server
        time.sleep(0.1)
    stop_server(server)
    raise SystemExit(f"{name} did not listen on {port} within 30 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[tuple[Server, Server]]:
    started: list[Server] = []
    try:
        started.append(start_server("hostlane", "hostlane.app:create_app", hostlane_env(), workdir))
        bare_env = {"BENCH_BARE_DSN": plain_dsn(DATABASE_URL), "BENCH_BARE_SCHEMA": SCHEMA}
        started.append(start_server("bare", "bench.api_list:bare_app", bare_env, workdir))
        yield started[0], started[1]
    finally:
        for server in started:
            stop_server(server)


def cpu_ticks() -> dict[int, tuple[str, int]]:
    """Every process's name and user + system CPU ticks (Linux /proc)."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(") ", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        ticks[int(entry.name)] = (name, int(fields[11]) + int(fields[12]))
    return ticks


def cpu_split(
    before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]], server: int
) -> tuple[float, float]:
    """CPU seconds of the server, and of the processes that are neither ours nor PostgreSQL's (others' work)."""
    hz = os.sysconf("SC_CLK_TCK")
    ours = {os.getpid(), server}
    server_ticks = after.get(server, ("", 0))[1] - before.get(server, ("", 0))[1]
    others = sum(
        after[pid][1] - ticks
        for pid, (name, ticks) in before.items()
        if pid in after and pid not in ours and name != "postgres" and after[pid][0] == name
    )
    return server_ticks / hz, others / hz


# ---------------------------------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------------------------------

QUANTILES = 1000  # a run's latencies are kept as this many quantiles, so that runs can be merged


@dataclass
class Run:
    """One bounded run of the load against one server."""

    requests: int
    errors: int
    seconds: float
    quantiles_ms: list[float]  # latency at 0.1 %, 0.2 %, ... 100 %


WRK_SCRIPT = """
local paths = {%(paths)s}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("seed", next_id)
end
function init(args)
  math.randomseed(seed * 7919 + %(round)d)
  wrk.headers["Authorization"] = "Bearer %(key)s"
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout))
  local q = {}
  for i = 1, %(quantiles)d do q[i] = string.format("%%d", latency:percentile(100 * i / %(quantiles)d)) end
  io.write("BENCH_QUANTILES " .. table.concat(q, " ") .. "\\n")
end
"""


def run_wrk(url: str, key: str, paths: Sequence[str], connections: int, seconds: float, round_: int) -> Run:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-api-list-") as script:
        lua_paths = ",".join(json.dumps(path) for path in paths)
        script.write(WRK_SCRIPT % {"paths": lua_paths, "key": key, "round": round_, "quantiles": QUANTILES})
        script.flush()
        command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds:.0f}s"]
        command += ["--timeout", "30s", "-s", script.name, url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    lines = {line.split(" ", 1)[0]: line.split()[1:] for line in done.stdout.splitlines() if line.startswith("BENCH_")}
    if done.returncode != 0 or "BENCH_RESULT" not in lines or "BENCH_QUANTILES" not in lines:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests, duration_us, errors = (int(part) for part in lines["BENCH_RESULT"])
    return Run(requests, errors, duration_us / 1e6, [int(us) / 1e3 for us in lines["BENCH_QUANTILES"]])


async def _python_load(url: str, key: str, paths: Sequence[str], connections: int, seconds: float, seed: int) -> Run:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30, headers=headers) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(rng: random.Random) -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    ok = (await client.get(rng.choice(paths))).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - sent) * 1e3)
                errors += not ok

        await asyncio.gather(*(worker(random.Random(seed * 1000 + n)) for n in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    quantiles = [latencies[min(len(latencies) - 1, i * len(latencies) // QUANTILES)] for i in range(1, QUANTILES + 1)]
    return Run(len(latencies), errors, elapsed, quantiles if latencies else [0.0] * QUANTILES)


@dataclass
class Result:
    """What the runs against one target add up to."""

    target: str
    runs: list[Run]
    server_cpu: float = 0.0  # seconds
    others_cpu: float = 0.0  # seconds of the other processes on the machine (not ours, not PostgreSQL)

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        """The server's CPU seconds per request answered."""
        return self.server_cpu / self.requests if self.requests else 0.0

    def percentile_ms(self, q: float) -> float:
        """Latency percentile over all runs (each run's quantiles weighted by its requests)."""
        weighted = sorted((ms, run.requests / QUANTILES) for run in self.runs for ms in run.quantiles_ms)
        total = sum(weight for _, weight in weighted)
        cumulated = 0.0
        for ms, weight in weighted:
            cumulated += weight
            if cumulated >= q * total - 1e-9:
                return ms
        return weighted[-1][0] if weighted else 0.0


def measure(
    client: str, servers_: Sequence[Server], key: str, paths: Sequence[str], args: argparse.Namespace
) -> list[Result]:
    """Warm each server up, then load them in turn, in alternating order, ``args.rounds`` times."""

    def once(server: Server, seconds: float, round_: int) -> Run:
        if client == "wrk":
            return run_wrk(server.url, key, paths, args.connections, seconds, round_)
        return asyncio.run(_python_load(server.url, key, paths, args.connections, seconds, round_))

    results = {server.name: Result(server.name, []) for server in servers_}
    if args.warmup > 0:
        for server in servers_:
            once(server, args.warmup, -1)
    slice_seconds = max(1.0, round(args.duration / args.rounds))
    for round_ in range(args.rounds):
        for server in servers_ if round_ % 2 == 0 else list(reversed(servers_)):
            before = cpu_ticks()
            run = once(server, slice_seconds, round_)
            server_cpu, others_cpu = cpu_split(before, cpu_ticks(), server.process.pid)
            result = results[server.name]
            result.runs.append(run)
            result.server_cpu += server_cpu
            result.others_cpu += others_cpu
    return [results[server.name] for server in servers_]


# ---------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------


def report(hostlane: Result, bare: Result) -> bool:
    cores = os.cpu_count() or 1
    print()
    header = f"{'target':<10}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'server CPU':>12}{'CPU ms/req':>12}")
    for r in (hostlane, bare):
        cpu = f"{100 * r.server_cpu / r.seconds:.0f}%" if r.seconds else "-"
        per_request = f"{1e3 * r.cpu_per_request:.2f}" if r.requests else "-"
        print(
            f"{r.target:<10}{r.requests:>9}{r.errors:>8}{r.rps:>9.1f}{r.percentile_ms(0.50):>9.1f}"
            f"{r.percentile_ms(0.99):>9.1f}{cpu:>12}{per_request:>12}"
        )
    busy = (hostlane.others_cpu + bare.others_cpu) / max(hostlane.seconds + bare.seconds, 1e-9) / cores
    note = "; the figures are noisy, run again on a quiet machine" if busy > 0.1 else ""
    print(f"(server CPU: one core = 100%; other processes on the machine used {100 * busy:.0f}% of its CPU{note})")
    throughput = hostlane.rps / bare.rps if bare.rps else 0.0
    cpu_ratio = hostlane.cpu_per_request / bare.cpu_per_request if bare.cpu_per_request else float("inf")
    p99_hostlane, p99_bare = hostlane.percentile_ms(0.99), bare.percentile_ms(0.99)
    p99 = p99_hostlane / p99_bare if p99_bare else float("inf")
    print()
    print(f"throughput Hostlane/bare:      {throughput:.2f}x   (target >= {TARGET_THROUGHPUT}x)")
    print(f"CPU per request Hostlane/bare: {cpu_ratio:.2f}x   (target <= {TARGET_CPU}x)")
    print(f"p99 Hostlane/bare:             {p99:.2f}x   (no target: it follows the two above)")
    misses = []
    if throughput < TARGET_THROUGHPUT:
        misses.append(f"throughput {throughput:.2f}x < {TARGET_THROUGHPUT}x")
    if cpu_ratio > TARGET_CPU:
        misses.append(f"CPU per request {cpu_ratio:.2f}x > {TARGET_CPU}x")
    if hostlane.errors or bare.errors:
        misses.append(f"errors: Hostlane {hostlane.errors}, bare {bare.errors}")
    print(f"verdict: {'FAIL (' + '; '.join(misses) + ')' if misses else 'PASS (both targets met)'}")
    return not misses


class Timer:
    """Prints what was done and how long it took since the last step."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        print(f"[{now - self.last:5.1f} s] {message}", flush=True)
        self.last = now


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_list", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--customers", type=int, default=100_000, help="customers to load (default 100000)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--duration", type=float, default=12, help="measured seconds per target (default 12)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating slices the duration is cut in (default 3)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per target (default 3)")
    parser.add_argument("--max-page", type=int, default=0, help="draw pages among the first N only (0: all pages)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    parser.add_argument("--keep-schema", action="store_true", help="leave the schema and its rows behind (profiling)")
    args = parser.parse_args(argv)
    if args.customers < 1 or args.connections < 1 or args.rounds < 1 or args.duration <= 0:
        parser.error("--customers, --connections, --rounds and --duration must be positive")
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    if client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk), or use --client python")

    step = Timer()
    try:
        key = prepare(args.customers)
        step(f"schema {SCHEMA}: migrated, {args.customers} customers copied, API key made, ANALYZE done")
        step(f"SQL: the bare app sends exactly the statements Hostlane sends ({check_sql(key)})")
        paths = request_mix(args.max_page)
        step(f"mix: {len(paths)} requests drawn (a quarter each: no filter, country, status, e-mail fragment)")

        with tempfile.TemporaryDirectory(prefix="bench-api-list-") as scratch, servers(Path(scratch)) as started:
            hostlane, bare = started
            probes = [paths[0], next(p for p in paths if "email" in p), f"{PATH}?{query_string('email', 'zz_%', 1)}"]
            probes += [f"{PATH}?{query_string('country', 'FR', 3)}", f"{PATH}?{query_string('status', 'active', 1)}"]
            probes += [f"{PATH}?{query_string('status', 'suspended', 2)}", f"{PATH}?{query_string(None, '', 10**6)}"]
            same = check_same_json(hostlane.url, bare.url, key, probes)
            step(f"servers up: Hostlane {hostlane.url}, bare {bare.url}; same JSON from both for {same} probes")
            slice_seconds = max(1.0, round(args.duration / args.rounds))
            print(
                f"load: {client}, {args.connections} keep-alive connections, pages 1..{args.max_page or 'last'}, "
                f"{args.warmup:g} s warm-up each, then {args.rounds} x {slice_seconds:g} s each, alternating",
                flush=True,
            )
            results = measure(client, started, key, paths, args)
        step("load done, servers stopped")
    finally:
        if not args.keep_schema:
            asyncio.run(_drop_schema(plain_dsn(DATABASE_URL)))
            print(f"schema {SCHEMA} dropped", flush=True)
    return 0 if report(*results) else 2


if __name__ == "__main__":
    sys.exit(main())
