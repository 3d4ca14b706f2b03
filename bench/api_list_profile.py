"""Where Hostlane's CPU goes on ``GET /api/application/customers``: in-process, without HTTP or a load generator.

Run: ``.venv/bin/python -m bench.api_list_profile`` (``--help`` for the knobs). It prepares the schema as
``bench.api_list`` does (its own schema, ``bench_api_list_profile``, dropped at the end), then sends the same mix
of requests straight into each ASGI app (Hostlane's and ``bench.api_list``'s bare app) from a few concurrent
tasks, and prints the Python CPU time per request of each (this process's CPU: PostgreSQL's is not counted) and
their ratio. With ``--profile`` it then runs Hostlane's requests again under cProfile and prints the functions
that cost the most, by own time and by cumulative time. Nothing is asserted: ``bench.api_list`` gives the verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench import api_list

api_list.SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "bench_api_list_profile")


async def _call(app: Any, path_and_query: str, key: str) -> int:
    path, _, query = path_and_query.partition("?")
    headers = {"Authorization": f"Bearer {key}", "Host": api_list.HOST}
    return await api_list._call_asgi(app, path, query, headers)


async def _drive(app: Any, key: str, paths: Sequence[str], concurrency: int) -> tuple[float, float, int]:
    """Send every path through ``app`` from ``concurrency`` tasks; the CPU and wall seconds it took."""
    queue = list(reversed(paths))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while queue:
            failures += await _call(app, queue.pop(), key) != 200

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.process_time() - cpu, time.perf_counter() - wall, failures


async def _measure(key: str, paths: Sequence[str], args: argparse.Namespace) -> None:
    from hostlane.app import create_app
    from hostlane.config import get_settings
    from hostlane.runtime import Runtime

    runtime = Runtime.build(get_settings())
    hostlane = create_app(runtime.settings, runtime)
    bare = api_list.bare_app()
    os.environ["BENCH_BARE_SCHEMA"] = api_list.SCHEMA
    try:
        async with bare.router.lifespan_context(bare):
            warm = paths[: args.warmup]
            for app in (hostlane, bare):
                await _drive(app, key, warm, args.concurrency)
            figures: dict[str, list[float]] = {"hostlane": [], "bare": []}
            for round_ in range(args.rounds):
                for name, app in (("hostlane", hostlane), ("bare", bare))[:: 1 if round_ % 2 == 0 else -1]:
                    cpu, _wall, failures = await _drive(app, key, paths, args.concurrency)
                    if failures:
                        raise SystemExit(f"{name}: {failures} requests did not answer 200")
                    figures[name].append(cpu)
            per_request = {name: 1e3 * min(cpus) / len(paths) for name, cpus in figures.items()}
            print(f"{len(paths)} requests x {args.rounds} rounds, {args.concurrency} concurrent, the best round each:")
            for name, ms in per_request.items():
                print(f"  {name:<9} {ms:.3f} ms CPU per request (Python only)")
            print(f"  ratio     {per_request['hostlane'] / per_request['bare']:.2f}x")
            if args.profile:
                profiler = cProfile.Profile(time.process_time)
                profiler.enable()
                await _drive(hostlane, key, paths, args.concurrency)
                profiler.disable()
                stats = pstats.Stats(profiler, stream=sys.stdout)
                print_by_package(stats, len(paths))
                stats.sort_stats("tottime").print_stats(args.top)
                stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        await runtime.close()


def _package(filename: str) -> str:
    """Who owns the code of ``filename``: ``hostlane.faces``, ``sqlalchemy``, ``stdlib:asyncio``, ``builtins`` …"""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    parts = filename.split("/")
    if "site-packages" in parts:
        inside = parts[parts.index("site-packages") + 1 :]
        depth = 2 if inside[0] == "sqlalchemy" and len(inside) > 2 else 1  # sqlalchemy.orm, .sql, .engine …
        return ".".join(inside[:depth]).removesuffix(".py")
    if "hostlane" in parts:
        inside = parts[len(parts) - 1 - parts[::-1].index("hostlane") :]
        return ".".join(inside[:2]).removesuffix(".py")
    if "bench" in parts:
        return "bench"
    library = parts[parts.index("python3.11") + 1] if "python3.11" in parts else parts[-1]
    return f"stdlib:{library.removesuffix('.py')}"


def print_by_package(stats: pstats.Stats, requests: int) -> None:
    """Own CPU time per request, summed by the package the code belongs to."""
    owned: dict[str, float] = {}
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        owned[_package(filename)] = owned.get(_package(filename), 0.0) + own
    total = sum(owned.values())
    print(f"own CPU time per request by package (profiled, so slower than unprofiled): {1e3 * total / requests:.2f} ms")
    for package, seconds in sorted(owned.items(), key=lambda item: -item[1])[:20]:
        print(f"  {1e3 * seconds / requests:7.3f} ms  {100 * seconds / total:5.1f} %  {package}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_list_profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000, help="customers to load (default 20000)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per app (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent requests (default 8)")
    parser.add_argument("--max-page", type=int, default=20, help="draw pages among the first N (default 20)")
    parser.add_argument("--profile", action="store_true", help="then profile Hostlane's requests (cProfile)")
    parser.add_argument("--top", type=int, default=40, help="functions printed by --profile (default 40)")
    args = parser.parse_args(argv)
    try:
        key = api_list.prepare(args.customers)
        paths = api_list.request_mix(args.max_page)[: args.requests]
        asyncio.run(_measure(key, paths, args))
    finally:
        asyncio.run(api_list._drop_schema(api_list.plain_dsn(api_list.DATABASE_URL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
