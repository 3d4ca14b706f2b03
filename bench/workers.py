"""`hostlane serve --workers 1` against `--workers 2` on PostgreSQL and Redis, under the same wrk load.

Run: ``.venv/bin/python -m bench.workers [--customers N] [--connections N] [--duration S] [--rounds N]``.

It drops and re-creates the schema ``bench_workers`` (``BENCH_DATABASE_SCHEMA``) of database ``test`` on 127.0.0.1
(``BENCH_DATABASE_URL``), migrates it, makes an administrator with an API key holding ``customers:index`` and a
customer with a password through the domain, COPYs N customers in (``bench.api_list``'s rows) and ANALYZEs. Redis
is ``redis://127.0.0.1:6379/11`` (``BENCH_REDIS_URL``; Hostlane reads it as ``HOSTLANE_REDIS_URL``: bans and rate
limits). Each server is the real command, ``hostlane serve --workers N``, with its in-process job runner and
scheduler on (the embedded default: each worker process runs both, claims each job once, and the daily run's
lock lets one of them run it). wrk keeps C connections busy with a mix of the application face's customers list
(a random page of the first 20, 50 a page, Bearer API key) and the client area's ``GET /api/details`` (Bearer
token of a ``POST /api/login``), a 5 s warm-up once every worker has logged its start-up, then the rounds
alternate 1 and 2 workers so that other work on the machine weighs on both alike.

It prints, for each, requests, errors, req/s, p50 and p99, the ratio of the throughputs and a verdict: PASS when no
request failed (wrk's socket errors and non-2xx answers, and no traceback in the servers' logs) and 2 workers
served at least the throughput of 1. The exit code is 0 on PASS, 2 on FAIL. The schema is dropped at the end.
On a 2-core machine PostgreSQL, wrk and the servers share the cores, so a second worker has little idle CPU to
use: the line under the table prints the core count and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.api_list import CUSTOMER_COLUMNS, customer_records, plain_dsn

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "bench_workers")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
SECRET_KEY = secrets.token_urlsafe(32)  # this run's servers only
HOST = "127.0.0.1"
CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "bench-client@example.com", secrets.token_urlsafe(16)
ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from hostlane.cli import app; sys.argv[0] = 'hostlane'; app()"


def hostlane_env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT) + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else ""),
        "HOSTLANE_DATABASE_URL": DATABASE_URL,
        "HOSTLANE_DATABASE_SCHEMA": SCHEMA,
        "HOSTLANE_REDIS_URL": REDIS_URL,
        "HOSTLANE_SECRET_KEY": SECRET_KEY,
        "HOSTLANE_INPROCESS_JOBS": "true",
    }


async def _schema(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(plain_dsn(DATABASE_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _seed(count: int) -> str:
    """The administrator's API key, the client-area customer and ``count`` customers; returns the key."""
    import asyncpg

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
                session, Principal.system(), name="bench", admin_email=admin.email, permission_names=["customers:index"]
            )
            await customers.create_customer(
                session,
                Principal.system(),
                CustomerCreate.model_validate(
                    {
                        "email": CUSTOMER_EMAIL,
                        "firstname": "Bench",
                        "lastname": "Client",
                        "country": "FR",
                        "password": CUSTOMER_PASSWORD,
                    }
                ),
            )
    finally:
        await runtime.close()
    connection = await asyncpg.connect(plain_dsn(DATABASE_URL), server_settings={"search_path": SCHEMA})
    try:
        await connection.copy_records_to_table("customers", records=customer_records(count), columns=CUSTOMER_COLUMNS)
        for table in ("customers", "api_keys", "administrators"):
            await connection.execute(f'ANALYZE "{SCHEMA}"."{table}"')
    finally:
        await connection.close()
    return issued.plaintext


def prepare(count: int) -> str:
    os.environ.update(hostlane_env())
    from hostlane.config import Settings, use_settings
    from hostlane.core.migrate import upgrade

    use_settings(Settings(_env_file=None))  # type: ignore[call-arg]  # the environment only, not ./.env
    asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"'))
    upgrade(DATABASE_URL)
    return asyncio.run(_seed(count))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Server:
    """``hostlane serve --workers N`` in its own process group, its log in a temporary file."""

    def __init__(self, workers: int, key: str) -> None:
        self.workers, self.port = workers, free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"bench-workers-{workers}-", suffix=".log")  # noqa: SIM115
        command = [sys.executable, "-c", CLI, "serve", "--host", HOST, "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [*command, "--workers", str(workers)],
            env=hostlane_env(),
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:  # every worker has logged its start-up (not only the first to answer), and one answers
            try:
                answer = httpx.get(f"{self.url}/api/application/customers", headers={"Authorization": f"Bearer {key}"})
                if answer.status_code == 200 and self.started() >= workers:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise SystemExit(f"hostlane serve --workers {workers} did not start:\n{self.log.read()[-3000:]}")
            time.sleep(0.2)

    def started(self) -> int:
        """How many worker processes have logged "Application startup complete"."""
        self.log.seek(0)
        return sum("Application startup complete" in line for line in self.log)

    def errors_logged(self) -> str:
        self.log.seek(0)
        return "".join(line for line in self.log if "Traceback" in line or " ERROR" in line or "Error" in line)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)  # the group of the server this bench started, and its workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


WRK_SCRIPT = """
local n = 0
function request()
  n = n + 1
  if n %% 2 == 0 then
    return wrk.format("GET", "/api/details", {["Authorization"] = "Bearer %(token)s"})
  end
  local page = math.random(20)
  return wrk.format("GET", "/api/application/customers?per_page=50&page=" .. page,
    {["Authorization"] = "Bearer %(key)s"})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, 0))
  io.write(string.format("BENCH_LATENCY %%d %%d\\n", latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Run:
    requests: int
    socket_errors: int
    bad_status: int
    seconds: float
    p50_ms: float
    p99_ms: float


def run_wrk(url: str, key: str, token: str, connections: int, seconds: float) -> Run:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-workers-") as script:
        script.write(WRK_SCRIPT % {"key": key, "token": token})
        script.flush()
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:.0f}s", "--timeout", "30s"]
        done = subprocess.run(  # noqa: S603
            [*command, "-s", script.name, url], capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    lines = {line.split(" ", 1)[0]: line.split()[1:] for line in done.stdout.splitlines() if line.startswith("BENCH_")}
    if done.returncode != 0 or "BENCH_RESULT" not in lines:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests, duration_us, socket_errors, bad_status, _ = (int(part) for part in lines["BENCH_RESULT"])
    p50, p99 = (int(us) / 1e3 for us in lines["BENCH_LATENCY"])
    return Run(requests, socket_errors, bad_status, duration_us / 1e6, p50, p99)


def login(url: str) -> str:
    answer = httpx.post(f"{url}/api/login", data={"username": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD})
    answer.raise_for_status()
    return str(answer.json()["token"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8, help="measured seconds per round and server")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=5)
    args = parser.parse_args()
    key = prepare(args.customers)
    runs: dict[int, list[Run]] = {1: [], 2: []}
    logged: dict[int, str] = {1: "", 2: ""}
    token = ""
    try:
        for _ in range(args.rounds):
            for workers in (1, 2):
                server = Server(workers, key)
                try:
                    token = token or login(server.url)
                    run_wrk(server.url, key, token, args.connections, args.warmup)
                    runs[workers].append(run_wrk(server.url, key, token, args.connections, args.duration))
                    logged[workers] += server.errors_logged()
                finally:
                    server.stop()
    finally:
        asyncio.run(_schema(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    print(f"load: wrk, {args.connections} connections, 2 threads; {args.rounds} rounds of {args.duration:g} s per")
    print("server (after a warm-up); half the requests GET /api/application/customers?per_page=50&page=1..20")
    print(f"(API key, {args.customers} customers), half GET /api/details (client-area token); PostgreSQL + Redis")
    print(f"{'workers':>7} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    throughput: dict[int, float] = {}
    failed = False
    for workers, measured in runs.items():
        requests = sum(run.requests for run in measured)
        errors = sum(run.socket_errors + run.bad_status for run in measured)
        throughput[workers] = requests / sum(run.seconds for run in measured)
        p50 = sorted(run.p50_ms for run in measured)[len(measured) // 2]
        p99 = max(run.p99_ms for run in measured)
        print(f"{workers:>7} {requests:>9} {errors:>7} {throughput[workers]:>8.0f} {p50:>8.1f} {p99:>8.1f}")
        failed = failed or errors > 0 or bool(logged[workers])
        if logged[workers]:
            print(f"errors in the log of --workers {workers}:\n{logged[workers]}")
    ratio = throughput[2] / throughput[1]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}: PostgreSQL, wrk and the workers share them")
    verdict = "PASS" if not failed and ratio >= 1.0 else "FAIL"
    print(f"2 workers / 1 worker: {ratio:.2f}x throughput (target: >= 1.0x, and no error)  {verdict}")
    return 0 if verdict == "PASS" else 2


if __name__ == "__main__":
    sys.exit(main())
