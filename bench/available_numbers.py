"""``available_numbers`` of an entity owning 10^7 numbers with 10^5 lines, against an entity of 100 numbers.

Run: ``.venv/bin/python -m bench.available_numbers`` (``--help`` for the knobs). It migrates a fresh SQLite file
(or the database of ``BENCH_DATABASE_URL``, in the schema ``BENCH_DATABASE_SCHEMA``, dropped and re-created),
makes a server, a template and three entities through the domain: ``small`` (100 numbers, none used),
``spread`` (10^7 numbers, 10^5 lines at random numbers) and ``packed`` (10^7 numbers, 10^5 lines on its first
10^5 numbers: the worst case, every used number read before the first free one). The lines are inserted in bulk.
It then times a page (100 numbers) of each, the median of ``--repeat`` runs, and prints the three times and the
ratios to ``small``. Nothing is asserted: the page never materialises the range, so ``spread`` answers in the
time order of ``small``; ``packed`` reads its 10^5 used numbers once, through the index.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa

from hostlane.config import Settings, use_settings
from hostlane.core import clock
from hostlane.core.db import Database, bulk_insert, create_engine
from hostlane.core.migrate import upgrade_connection
from hostlane.models import PbxLine
from hostlane.telephony import service as telephony
from hostlane.telephony.schemas import EntityCreate, Operator, ServerCreate, TemplateCreate

SYSTEM = Operator.system()
BIG_FIRST, BIG_LAST = 10_000_000, 19_999_999  # 10^7 numbers of 8 digits


async def _prepare(url: str, schema: str | None) -> Database:
    if schema:
        admin = create_engine(url)
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
    db = Database(create_engine(url, schema=schema))
    async with db.engine.begin() as connection:
        await upgrade_connection(connection)
    return db


async def _entity(db: Database, server_id: int, name: str, first: int, last: int) -> dict[str, Any]:
    async with db.transaction() as session:
        data = EntityCreate(
            name=name,
            display_name=name,
            server_id=server_id,
            intervals=[{"first": str(first), "last": str(last)}],  # type: ignore[list-item]
        )
        return await telephony.create_entity(session, SYSTEM, data)


async def _lines(db: Database, entity: dict[str, Any], template_id: int, numbers: list[int]) -> None:
    now = clock.now()
    rows = [
        {
            "livemode": True,
            "server_id": entity["server_id"],
            "entity_id": entity["id"],
            "template_id": template_id,
            "first_name": "Bench",
            "last_name": str(n),
            "internal_number": str(n),
            "number_length": len(str(n)),
            "number_value": n,
            "email": None,
            "cti_login": None,
            "cti_password_hash": None,
            "provisioning_code": f"{entity['id']}-{i}",
            "sip_username": f"b{entity['id']}-{i}",
            "sip_secret": "bench",
            "suspended": False,
            "service_id": None,
            "created_at": now,
            "updated_at": now,
        }
        for i, n in enumerate(numbers)
    ]
    for start in range(0, len(rows), 10_000):
        async with db.transaction() as session:
            await bulk_insert(session, cast(sa.Table, PbxLine.__table__), rows[start : start + 10_000])


async def _time(db: Database, key: str, repeat: int) -> tuple[float, list[str]]:
    times, page = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        async with db.reader() as session:
            page = await telephony.available_numbers(session, SYSTEM, key, limit=100)
        times.append(time.perf_counter() - started)
    return statistics.median(times), page


async def main(lines: int, repeat: int) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    schema = os.environ.get("BENCH_DATABASE_SCHEMA", "hostlane_bench") if url else None
    url = url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    use_settings(Settings(database_url=url, database_schema=schema, _env_file=None))  # type: ignore[call-arg]
    db = await _prepare(url, schema)
    async with db.transaction() as session:
        server = await telephony.create_server(session, SYSTEM, ServerCreate(name="bench", capacity=1_000_000))
        template = await telephony.create_template(session, SYSTEM, TemplateCreate(name="t", server_ids=[server["id"]]))
    small = await _entity(db, server["id"], "small", 1000, 1099)
    # Three disjoint ranges of 10^7 numbers: 8, 9 and 10 digits.
    spread = await _entity(db, server["id"], "spread", BIG_FIRST, BIG_LAST)
    packed = await _entity(db, server["id"], "packed", 100_000_000, 109_999_999)
    print(f"inserting {lines} lines into each big entity ({db.dialect_name})…", flush=True)
    await _lines(db, spread, template["id"], sorted(random.sample(range(BIG_FIRST, BIG_LAST + 1), lines)))
    await _lines(db, packed, template["id"], list(range(100_000_000, 100_000_000 + lines)))
    if db.dialect_name == "postgresql":
        async with db.engine.begin() as connection:
            await connection.execute(sa.text("ANALYZE telephony_lines"))
    results = {}
    for name, entity in (("small", small), ("spread", spread), ("packed", packed)):
        await _time(db, entity["key"], 2)  # warm-up
        results[name], page = await _time(db, entity["key"], repeat)
        print(
            f"{name:7} {entity['intervals'][0]['first']}-{entity['intervals'][0]['last']}: page of {len(page)} "
            f"from {page[0]}, median {results[name] * 1000:8.2f} ms"
        )
    for name in ("spread", "packed"):
        print(f"{name} / small: {results[name] / results['small']:.1f}x")
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines in each big entity (default 10^5)")
    parser.add_argument("--repeat", type=int, default=20, help="timed pages per entity (median)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.lines, arguments.repeat))
