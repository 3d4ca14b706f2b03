"""Does password checking stall the server? An unrelated health check's p99, alone and under Basic auth load.

Run: ``.venv/bin/python -m bench.auth_stall`` (``--help`` for the knobs). It

1. drops and re-creates the PostgreSQL schema ``hostlane_bench_auth`` in database ``test``, migrates it,
   and makes through the domain an administrator, an API key holding ``health`` and a live customer
   (real argon2id parameters: the server runs with the library's defaults);
2. starts Hostlane under uvicorn (1 worker, log level warning, no access log, 127.0.0.1 a trusted proxy);
3. **floor**: one client asks ``GET /api/application/health`` (API key) back to back, alone, for
   ``--duration`` seconds;
4. **under auth load**: the same, while another process keeps 40 wrong and 20 right HTTP Basic
   ``GET /api/details`` requests in flight at all times (each finished one is sent again). Every wrong one
   comes from a new address (``X-Forwarded-For``), as from a botnet, so none is refused by the ban and
   each costs a full argon2 verification; the right ones are the customer's own client, from one address;
5. prints the health check's requests, p50, p99 and max of both phases, the ratio of the p99s, and what
   the auth load got answered (statuses, requests per second).

``--source DIR`` runs the server from another checkout (e.g. the code before a change) with the same
data and load. Everything runs on 127.0.0.1; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from bench.api_list import HOST, ROOT, Server, Timer, free_port, plain_dsn, stop_server

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "hostlane_bench_auth")
SECRET_KEY = secrets.token_urlsafe(32)  # this run's server only
HEALTH = "/api/application/health"
DETAILS = "/api/details"
CUSTOMER_EMAIL = "basic.client@hostlane.example"
CUSTOMER_PASSWORD = secrets.token_urlsafe(12)  # made anew on import: the load process is given it
RIGHT_ADDRESS = "192.0.2.10"


def hostlane_env() -> dict[str, str]:
    return {
        "HOSTLANE_DATABASE_URL": DATABASE_URL,
        "HOSTLANE_DATABASE_SCHEMA": SCHEMA,
        "HOSTLANE_SECRET_KEY": SECRET_KEY,
        "HOSTLANE_INPROCESS_JOBS": "false",
        "HOSTLANE_TRUSTED_PROXIES": "127.0.0.1",
    }


async def _reset_schema() -> None:
    import asyncpg

    connection = await asyncpg.connect(plain_dsn(DATABASE_URL))
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        await connection.execute(f'CREATE SCHEMA "{SCHEMA}"')
    finally:
        await connection.close()


async def _make_accounts() -> str:
    """An administrator with an API key holding ``health``, and a live customer; returns the key."""
    from hostlane.config import get_settings
    from hostlane.customers import service as customers
    from hostlane.customers.schemas import CustomerCreate
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
                session, Principal.system(), name="bench", admin_email=admin.email, permission_names=["health"]
            )
            customer = {
                "email": CUSTOMER_EMAIL,
                "password": CUSTOMER_PASSWORD,
                "firstname": "Basic",
                "lastname": "Client",
                "country": "FR",
                "currency": "EUR",
            }
            await customers.create_customer(session, Principal.system(), CustomerCreate.model_validate(customer))
        return issued.plaintext
    finally:
        await runtime.close()


def prepare() -> str:
    """A fresh schema with the accounts; returns the API key."""
    os.environ.update(hostlane_env())
    from hostlane.config import Settings, use_settings
    from hostlane.core.migrate import upgrade

    use_settings(Settings(_env_file=None))  # type: ignore[call-arg]  # the environment only, not ./.env
    asyncio.run(_reset_schema())
    upgrade(DATABASE_URL)
    return asyncio.run(_make_accounts())


def start_server(source: Path, env: dict[str, str], workdir: Path) -> Server:
    """Hostlane under uvicorn from ``source``: 1 worker, log level warning, no access log (as bench.api_list)."""
    port = free_port()
    log = workdir / "hostlane.log"
    command = [sys.executable, "-m", "uvicorn", "hostlane.app:create_app", "--factory", "--host", HOST]
    command += ["--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]
    command += ["--no-server-header", "--app-dir", str(source)]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTLANE_", "BENCH_"))}
    with log.open("wb") as out:
        # cwd is a scratch directory, so no ./.env of the work tree is read.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=workdir, env={**base, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server("hostlane", f"http://{HOST}:{port}", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"hostlane exited ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return server
        time.sleep(0.1)
    stop_server(server)
    raise SystemExit(f"hostlane did not listen on {port} within 30 s:\n{log.read_text()}")


# ---------------------------------------------------------------------------------------------------
# The auth load (its own process, so that its client work does not delay the health checks' client)
# ---------------------------------------------------------------------------------------------------


def _basic(password: str) -> str:  # the customer's e-mail with ``password``
    return "Basic " + base64.b64encode(f"{CUSTOMER_EMAIL}:{password}".encode()).decode()


async def _auth_load(url: str, password: str, wrong: int, right: int, stop: Event) -> dict[str, int]:
    import httpx

    answered: Counter[str] = Counter()
    addresses = itertools.count(1)
    limits = httpx.Limits(max_connections=wrong + right, max_keepalive_connections=wrong + right)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:

        async def worker(kind: str) -> None:
            while True:
                if kind == "wrong":
                    n = next(addresses)  # a new address each time: 10.0.0.1, 10.0.0.2, …
                    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
                    headers = {"Authorization": _basic("wrong-" + secrets.token_hex(4)), "X-Forwarded-For": address}
                else:
                    headers = {"Authorization": _basic(password), "X-Forwarded-For": RIGHT_ADDRESS}
                try:
                    status = str((await client.get(DETAILS, headers=headers)).status_code)
                except httpx.HTTPError as error:
                    status = type(error).__name__
                answered[f"{kind} {status}"] += 1

        workers = [asyncio.create_task(worker(kind)) for kind in ["wrong"] * wrong + ["right"] * right]
        await asyncio.to_thread(stop.wait)
        for task in workers:
            task.cancel()  # requests still waiting for an answer are not counted
        await asyncio.gather(*workers, return_exceptions=True)
    return dict(answered)


def _auth_load_process(url: str, password: str, wrong: int, right: int, stop: Event, results: Any) -> None:
    started = time.perf_counter()
    answered = asyncio.run(_auth_load(url, password, wrong, right, stop))
    results.put((answered, time.perf_counter() - started))


# ---------------------------------------------------------------------------------------------------
# The health checks
# ---------------------------------------------------------------------------------------------------


@dataclass
class Probe:
    phase: str
    latencies_ms: list[float]
    errors: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def _probe(url: str, key: str, seconds: float, phase: str) -> Probe:
    """Health checks back to back for ``seconds``, one at a time."""
    import httpx

    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"Authorization": f"Bearer {key}"}) as client:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                ok = (await client.get(HEALTH)).status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - sent) * 1e3)
            errors += not ok
    return Probe(phase, latencies, errors)


def under_auth_load(server: Server, key: str, args: argparse.Namespace) -> tuple[Probe, dict[str, int], float]:
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    results = context.Queue()
    load = context.Process(
        target=_auth_load_process,
        args=(server.url, CUSTOMER_PASSWORD, args.wrong, args.right, stop, results),
        daemon=True,
    )
    load.start()
    try:
        time.sleep(args.ramp)  # every load connection open and busy
        probe = asyncio.run(_probe(server.url, key, args.duration, "under auth load"))
    finally:
        stop.set()
    answered, seconds = results.get(timeout=300)
    load.join(timeout=30)
    return probe, answered, seconds


def report(
    floor: Probe, loaded: Probe, answered: dict[str, int], load_seconds: float, args: argparse.Namespace
) -> None:
    print()
    print(f"{'health check':<18}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for probe in (floor, loaded):
        print(
            f"{probe.phase:<18}{len(probe.latencies_ms):>9}{probe.errors:>8}{probe.percentile(0.50):>9.1f}"
            f"{probe.percentile(0.99):>9.1f}{max(probe.latencies_ms, default=0.0):>9.1f}"
        )
    ratio = loaded.percentile(0.99) / floor.percentile(0.99) if floor.percentile(0.99) else 0.0
    print(f"p99 under auth load / floor: {ratio:.1f}x")
    print(
        f"auth load ({args.wrong} wrong from new addresses + {args.right} right, in flight at once, "
        f"{load_seconds:.1f} s): "
        + ", ".join(f"{name}: {count} ({count / load_seconds:.1f}/s)" for name, count in sorted(answered.items()))
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auth_stall", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=float, default=8, help="health-check seconds per phase (default 8)")
    parser.add_argument("--wrong", type=int, default=40, help="wrong Basic requests in flight (default 40)")
    parser.add_argument("--right", type=int, default=20, help="right Basic requests in flight (default 20)")
    parser.add_argument("--ramp", type=float, default=1, help="seconds of auth load before measuring (default 1)")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout the server runs (default: this one)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.wrong < 0 or args.right < 0:
        parser.error("--duration must be positive, --wrong and --right not negative")
    source = args.source.resolve()
    if not (source / "hostlane" / "app.py").is_file():
        parser.error(f"{source} is not a Hostlane checkout")

    step = Timer()
    key = prepare()
    step(f"schema {SCHEMA}: migrated; an administrator, a `health` API key and a customer made")
    env = hostlane_env()
    with tempfile.TemporaryDirectory(prefix="bench-auth-stall-") as scratch:
        server = start_server(source, env, Path(scratch))
        try:
            asyncio.run(_probe(server.url, key, 1, "warm-up"))
            step(f"server up: {server.url}, running {source}")
            floor = asyncio.run(_probe(server.url, key, args.duration, "floor"))
            step(f"floor: {len(floor.latencies_ms)} health checks alone")
            loaded, answered, load_seconds = under_auth_load(server, key, args)
            step(f"under auth load: {len(loaded.latencies_ms)} health checks")
        finally:
            stop_server(server)
    report(floor, loaded, answered, load_seconds, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
