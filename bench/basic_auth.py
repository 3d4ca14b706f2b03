"""The client area with HTTP Basic against a Bearer token: throughput, and a Bearer client's p50 while Basic logins
pour in.

Run: ``.venv/bin/python -m bench.basic_auth`` (``--help`` for the knobs). It

1. drops and re-creates the PostgreSQL schema ``bench_basic_auth`` (``BENCH_DATABASE_SCHEMA``) in database ``test``,
   migrates it, makes one live customer through the domain (real argon2id parameters, the library's defaults, as
   the server runs) and copies it, inside the database, into ``--customers`` customers with their own e-mails and
   the same password hash (each verification still costs a full argon2id; hashing 100k passwords would take
   hours), then ANALYZEs; a Bearer login (token family) is opened through the domain for each of the first
   ``--pool`` customers;
2. starts Hostlane under uvicorn (1 worker, log level warning, no access log, 127.0.0.1 a trusted proxy) and asks
   ``GET /api/details`` once with Basic for each pool customer, so that their checks are remembered;
3. **throughput**: wrk with ``--connections`` keep-alive connections on ``GET /api/details``, each request with the
   credentials of the next pool customer (Basic: each from the customer's own address), Basic and Bearer in
   alternating rounds, each Basic round after one call per pool customer (so that no remembered check runs out
   during the round: the rounds measure calls whose check is remembered, the misses are the stall phase's);
   prints req/s, p50, p99, the statuses and the ratio Basic / Bearer (target: at least 0.5);
4. **stall**: one Bearer client asks ``GET /api/details`` back to back, alone (idle, before and after), then while
   wrk keeps ``--miss-connections`` Basic requests in flight, each with the credentials of a customer not used
   before (every one a miss: a full argon2id verification) from an address of its own (``X-Forwarded-For``, so
   the login ban, which counts tries per address, refuses none); prints the Bearer client's p50 and p99 in each
   phase, the ratio of the loaded p50 to the idle one (target: at most 2) and what the misses got answered;
5. prints a verdict, exits 2 on a miss, and drops the schema.

PostgreSQL, not SQLite: it is the production database, and every miss writes to the login ban's table (a try
reserved, then cleared) from many connections at once, which SQLite would serialise on its one writer: the bench
would measure that lock, not password checking.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.api_list import ROOT, Server, Timer, cpu_split, cpu_ticks, plain_dsn, stop_server
from bench.auth_stall import start_server

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "bench_basic_auth")
SECRET_KEY = secrets.token_urlsafe(32)  # this run's server only
PATH = "/api/details"
PASSWORD = secrets.token_urlsafe(12)  # every seeded customer's
TARGET_THROUGHPUT = 0.5  # Basic req/s >= this times Bearer's
TARGET_STALL = 2.0  # the Bearer client's p50 under Basic misses <= this times its idle p50


def email_of(n: int) -> str:
    return f"basic{n}@bench.example"


def hostlane_env() -> dict[str, str]:
    return {
        "HOSTLANE_DATABASE_URL": DATABASE_URL,
        "HOSTLANE_DATABASE_SCHEMA": SCHEMA,
        "HOSTLANE_SECRET_KEY": SECRET_KEY,
        "HOSTLANE_INPROCESS_JOBS": "false",
        "HOSTLANE_TRUSTED_PROXIES": "127.0.0.1",
    }


# ---------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------


async def _schema(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(plain_dsn(DATABASE_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _seed(count: int, pool: int) -> list[str]:
    """``count`` live customers with ``PASSWORD``; returns Bearer access tokens of the first ``pool``."""
    import sqlalchemy as sa

    from hostlane.config import get_settings
    from hostlane.customers import service as customers
    from hostlane.customers import sessions
    from hostlane.customers.schemas import CustomerCreate
    from hostlane.identity.principal import Principal
    from hostlane.models import Customer
    from hostlane.runtime import Runtime

    runtime = Runtime.build(get_settings())
    try:
        data = {"email": email_of(1), "password": PASSWORD, "firstname": "Basic", "lastname": "Client"}
        async with runtime.db.transaction() as session:
            await customers.create_customer(
                session, Principal.system(), CustomerCreate.model_validate({**data, "country": "FR", "currency": "EUR"})
            )
        # The others: copies of the first (its password hash too), each with its own e-mail.
        columns = [column.name for column in Customer.__table__.columns if column.name != "id"]
        chosen = ", ".join("'basic' || n || '@bench.example'" if name == "email" else f'c."{name}"' for name in columns)
        names = ", ".join(f'"{name}"' for name in columns)
        async with runtime.db.transaction() as session:
            await session.execute(
                sa.text(
                    f"INSERT INTO customers ({names}) SELECT {chosen} FROM customers c, "
                    f"generate_series(2, {int(count)}) AS n WHERE c.email = '{email_of(1)}'"
                )
            )
        await _schema(f'ANALYZE "{SCHEMA}".customers')
        tokens = []
        for n in range(1, pool + 1):
            async with runtime.db.reader() as session:
                customer = await customers.by_email(session, True, email_of(n))
            assert customer is not None
            pair = await sessions.open_session(runtime.db, SECRET_KEY, customer, ip="127.0.0.1", host=None)
            tokens.append(pair.token)
        return tokens
    finally:
        await runtime.close()


def prepare(count: int, pool: int) -> list[str]:
    os.environ.update(hostlane_env())
    from hostlane.config import Settings, use_settings
    from hostlane.core.migrate import upgrade

    use_settings(Settings(_env_file=None))  # type: ignore[call-arg]  # the environment only, not ./.env
    asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"'))
    upgrade(DATABASE_URL)
    return asyncio.run(_seed(count, pool))


def basic(n: int) -> str:
    return "Basic " + base64.b64encode(f"{email_of(n)}:{PASSWORD}".encode()).decode()


def address(n: int) -> str:
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


# ---------------------------------------------------------------------------------------------------
# Load (wrk)
# ---------------------------------------------------------------------------------------------------

# Each thread takes the entries n, n + threads, n + 2 * threads, … of the list (its first n is its number).
WRK_SCRIPT = """
local entries = {%(entries)s}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("n", #threads)
  thread:set("step", %(threads)d)
end
function init(args)
  statuses = {}
end
function request()
  local entry = entries[(n - 1) %% #entries + 1]
  n = n + step
  wrk.headers["Authorization"] = entry[1]
  if entry[2] ~= "" then wrk.headers["X-Forwarded-For"] = entry[2] end
  return wrk.format("GET", "%(path)s")
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50)))
  io.write(string.format("BENCH_P99 %%d\\n", latency:percentile(99)))
  local counted = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do counted[status] = (counted[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(counted) do table.insert(parts, status .. "=" .. count) end
  io.write("BENCH_STATUSES " .. table.concat(parts, " ") .. "\\n")
end
"""


@dataclass
class Run:
    requests: int
    seconds: float
    errors: int  # connection errors and timeouts
    non_2xx: int
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(url: str, entries: Sequence[tuple[str, str]], connections: int, seconds: float) -> Run:
    threads = min(2, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-basic-auth-") as script:
        lua = ",".join(f"{{{json.dumps(header)},{json.dumps(xff)}}}" for header, xff in entries)
        script.write(WRK_SCRIPT % {"entries": lua, "threads": threads, "path": PATH})
        script.flush()
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:.0f}s"]
        command += ["--timeout", "60s", "-s", script.name, url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)  # noqa: S603
    lines = {line.split(" ", 1)[0]: line.split()[1:] for line in done.stdout.splitlines() if line.startswith("BENCH_")}
    if done.returncode != 0 or "BENCH_RESULT" not in lines:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests, duration_us, errors, non_2xx, p50_us = (int(part) for part in lines["BENCH_RESULT"])
    statuses = dict(part.split("=") for part in lines.get("BENCH_STATUSES", []))
    return Run(
        requests,
        duration_us / 1e6,
        errors,
        non_2xx,
        p50_us / 1e3,
        int(lines["BENCH_P99"][0]) / 1e3,
        {status: int(count) for status, count in statuses.items()},
    )


@dataclass
class Total:
    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.errors + run.non_2xx for run in self.runs)

    @property
    def rate(self) -> float:
        seconds = sum(run.seconds for run in self.runs)
        return self.requests / seconds if seconds else 0.0

    def line(self) -> str:
        p50 = sorted(run.p50_ms for run in self.runs)[len(self.runs) // 2]
        p99 = max(run.p99_ms for run in self.runs)
        statuses: dict[str, int] = {}
        for run in self.runs:
            for status, count in run.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        answered = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        return f"{self.name:<8}{self.requests:>10}{self.failed:>8}{self.rate:>10.1f}{p50:>9.1f}{p99:>9.1f}  {answered}"


# ---------------------------------------------------------------------------------------------------
# The Bearer client
# ---------------------------------------------------------------------------------------------------


@dataclass
class Probe:
    phase: str
    latencies_ms: list[float]
    failed: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def line(self) -> str:
        return (
            f"{self.phase:<24}{len(self.latencies_ms):>9}{self.failed:>8}"
            f"{self.percentile(0.50):>9.2f}{self.percentile(0.99):>9.2f}"
        )


async def _probe(url: str, token: str, seconds: float, phase: str) -> Probe:
    """``GET /api/details`` with a Bearer token, back to back, one at a time, for ``seconds``."""
    import httpx

    latencies: list[float] = []
    failed = 0
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                ok = (await client.get(PATH)).status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - sent) * 1e3)
            failed += not ok
    return Probe(phase, latencies, failed)


def probe(url: str, token: str, seconds: float, phase: str) -> Probe:
    return asyncio.run(_probe(url, token, seconds, phase))


async def _warm(url: str, pool: int) -> int:
    """One Basic call per pool customer (a few at a time, each from its own address); returns the ones not 200."""
    import httpx

    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:

        async def one(n: int) -> bool:
            async with gate:
                response = await client.get(PATH, headers={"Authorization": basic(n), "X-Forwarded-For": address(n)})
                return response.status_code == 200

        answers = await asyncio.gather(*(one(n) for n in range(1, pool + 1)))
    return answers.count(False)


def under_misses(server: Server, token: str, first: int, args: argparse.Namespace) -> tuple[Probe, Run]:
    """The Bearer client while wrk sends Basic requests of customers ``first``, ``first + 1``, … (each once)."""
    entries = [(basic(n), address(n)) for n in range(first, first + args.miss_credentials)]
    with contextlib.ExitStack() as stack:
        from concurrent.futures import ThreadPoolExecutor

        executor = stack.enter_context(ThreadPoolExecutor(1))
        load = executor.submit(wrk, server.url, entries, args.miss_connections, args.duration + 2 * args.ramp)
        time.sleep(args.ramp)  # every connection busy
        loaded = probe(server.url, token, args.duration, "under Basic misses")
        return loaded, load.result()


# ---------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.basic_auth", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--customers", type=int, default=100_000, help="customers in the table (default 100000)")
    parser.add_argument(
        "--pool", type=int, default=100, help="customers whose credentials load the throughput phase (default 100)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections, throughput (default 16)")
    parser.add_argument("--seconds", type=float, default=5, help="seconds per throughput round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating Basic/Bearer rounds (default 3)")
    parser.add_argument("--duration", type=float, default=8, help="seconds of each Bearer-client phase (default 8)")
    parser.add_argument("--miss-connections", type=int, default=32, help="Basic misses in flight (default 32)")
    parser.add_argument("--miss-credentials", type=int, default=3000, help="distinct credentials for the misses")
    parser.add_argument("--ramp", type=float, default=1, help="seconds of miss load before measuring (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the schema at the end")
    args = parser.parse_args(argv)
    if args.pool < 1 or args.customers < args.pool + args.miss_credentials:
        parser.error("--customers must cover --pool and --miss-credentials")

    step = Timer()
    tokens = prepare(args.customers, args.pool)
    step(f"schema {SCHEMA}: migrated, {args.customers} customers, {len(tokens)} Bearer logins")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-basic-auth-") as scratch:
            server = start_server(ROOT, hostlane_env(), Path(scratch))
            try:
                warmed = time.monotonic()
                if failed := asyncio.run(_warm(server.url, args.pool)):
                    raise SystemExit(f"{failed} of the pool's Basic calls were refused:\n{server.log.read_text()}")
                warm_seconds = time.monotonic() - warmed
                step(f"server up: {server.url}; each pool customer's Basic check verified once")
                basic_total, bearer_total = Total("Basic"), Total("Bearer")
                # Each customer from its own address, as many customers are: a check that ran out is verified
                # again (a miss), which the login ban, counting tries per address, must not refuse.
                basic_entries = [(basic(n), address(n)) for n in range(1, args.pool + 1)]
                bearer_entries = [(f"Bearer {token}", "") for token in tokens]
                wrk(server.url, bearer_entries, args.connections, 2)  # warm-up
                before, started = cpu_ticks(), time.monotonic()
                for _ in range(args.rounds):
                    # Each customer's check is remembered for password_cache_seconds (60 s) from its verification:
                    # one call each first, so that none runs out during the round on a slow machine (a call
                    # whose check still holds costs no argon2; one that ran out is verified again).
                    asyncio.run(_warm(server.url, args.pool))
                    basic_total.runs.append(wrk(server.url, basic_entries, args.connections, args.seconds))
                    bearer_total.runs.append(wrk(server.url, bearer_entries, args.connections, args.seconds))
                _, others = cpu_split(before, cpu_ticks(), server.process.pid)
                throughput_seconds = time.monotonic() - started
                step("throughput: Basic and Bearer rounds")

                idle = probe(server.url, tokens[0], args.duration, "idle (before)")
                loaded, misses = under_misses(server, tokens[0], args.pool + 1, args)
                idle_after = probe(server.url, tokens[0], args.duration, "idle (after)")
                step("stall: the Bearer client idle, under Basic misses, idle again")
            finally:
                stop_server(server)
    finally:
        if not args.keep:
            asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))

    print()
    print(f"GET {PATH}, {args.connections} connections, {args.rounds} rounds of {args.seconds:.0f} s each")
    print(f"{'':<8}{'requests':>10}{'failed':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    print(basic_total.line())
    print(bearer_total.line())
    throughput = basic_total.rate / bearer_total.rate if bearer_total.rate else 0.0
    print(f"Basic / Bearer throughput: {throughput:.2f}x (target >= {TARGET_THROUGHPUT}x)")
    if warm_seconds > 50:
        print(f"  (verifying the pool's {args.pool} passwords took {warm_seconds:.0f} s: a loaded machine)")
    print(f"CPU of other processes meanwhile: {others:.1f} s in {throughput_seconds:.0f} s (not ours, not PostgreSQL)")
    print()
    print(f"{'Bearer client':<24}{'requests':>9}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for phase in (idle, loaded, idle_after):
        print(phase.line())
    floor = (idle.percentile(0.5) + idle_after.percentile(0.5)) / 2
    stall = loaded.percentile(0.5) / floor if floor else 0.0
    print(f"p50 under Basic misses / idle p50 (mean of before and after): {stall:.2f}x (target <= {TARGET_STALL}x)")
    print(
        f"Basic misses ({args.miss_connections} in flight, each a customer not seen before, from its own address): "
        f"{misses.requests} in {misses.seconds:.1f} s = {misses.rate:.1f}/s, {misses.non_2xx} not 2xx, "
        f"{misses.errors} errors, p50 {misses.p50_ms:.0f} ms; each costs a full argon2id verification"
    )
    print(f"  answered: {', '.join(f'{status}: {count}' for status, count in sorted(misses.statuses.items()))}")
    if misses.requests > args.miss_credentials:
        print(f"  (more requests than --miss-credentials: {misses.requests - args.miss_credentials} were hits)")

    failures = []
    if throughput < TARGET_THROUGHPUT:
        failures.append(f"Basic throughput {throughput:.2f}x Bearer's < {TARGET_THROUGHPUT}x")
    if stall > TARGET_STALL:
        failures.append(f"Bearer p50 under Basic misses {stall:.2f}x idle > {TARGET_STALL}x")
    if basic_total.failed or bearer_total.failed or loaded.failed or idle.failed or misses.non_2xx or misses.errors:
        failures.append("some requests failed")
    print(f"verdict: {'FAIL (' + '; '.join(failures) + ')' if failures else 'PASS (both targets met)'}")
    return 2 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
