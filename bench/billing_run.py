"""The daily run's renewals at scale, against a floor measured in the same run.

Run: ``.venv/bin/python -m bench.billing_run [--services N] [--backend postgresql|sqlite] [--path python]``.

It creates N active monthly services due for renewal (one customer per 10 services), runs the real
renewal step (``renew_due_services``: invoices, items, due dates, mail jobs, in batches), then deletes
exactly what it wrote, and writes the same invoice and item rows again the fastest way the database
offers: COPY on PostgreSQL (asyncpg ``copy_records_to_table``), one multi-row executemany on SQLite.
It prints services per second, the ratio of the run's time to that floor and a verdict: on PostgreSQL
at most 1.5x, on SQLite at most 5x; the exit code is 0 on PASS, 2 on FAIL. ``--path python`` runs the
renewals through the Python path on PostgreSQL too (the way they ran before they were written inside the
database), to compare. PostgreSQL: schema ``bench_billing_run`` (``BENCH_DATABASE_SCHEMA``) of database
``test`` on 127.0.0.1 (``BENCH_DATABASE_URL``), dropped at the end. SQLite: a file in a temporary
directory, removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from typing import Any

import sqlalchemy as sa

from hostlane.billing.renewals import BATCH
from hostlane.billing.run import renew_due_services
from hostlane.config import Settings, use_settings
from hostlane.core import clock
from hostlane.core.db import Database, create_engine
from hostlane.core.migrate import upgrade_connection
from hostlane.models import Customer, Invoice, InvoiceItem, Job, Pricing, Product, ProductGroup, Service

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("BENCH_DATABASE_SCHEMA", "bench_billing_run")
TARGETS = {"postgresql": 1.5, "sqlite": 5.0}
DUE = dt.date(2027, 3, 1)
RUN_DAY = dt.date(2027, 2, 20)


async def prepare(backend: str, directory: str) -> Database:
    if backend == "postgresql":
        admin = create_engine(PG_URL)
        async with admin.begin() as connection:
            await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            await connection.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
        await admin.dispose()
        url, schema = PG_URL, SCHEMA
    else:
        url, schema = f"sqlite+aiosqlite:///{directory}/bench.db", None
    use_settings(Settings(database_url=url, database_schema=schema, secret_key="bench", _env_file=None))  # type: ignore[call-arg]
    engine = create_engine(url, pool_size=5, schema=schema)
    async with engine.begin() as connection:
        await upgrade_connection(connection)
    return Database(engine)


async def fill(db: Database, services: int) -> None:
    now = clock.now()
    async with db.transaction() as session:
        group = ProductGroup(livemode=True, name="Hosting", slug="hosting", description="")
        session.add(group)
        await session.flush()
        product = Product(livemode=True, group_id=group.id, name="Web", description="", type="none", config={})
        session.add(product)
        await session.flush()
        session.add(Pricing(livemode=True, product_id=product.id, currency="EUR", monthly=999))
        customers = [
            {
                "livemode": True,
                "email": f"c{i}@example.com",
                "firstname": "Ada",
                "lastname": f"L{i}",
                "country": "FR",
                "locale": "en_GB",
                "currency": "EUR",
                "credit_minor": 0,
                "status": "active",
                "taxexempt": False,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(services // 10 or 1)
        ]
        await session.execute(sa.insert(Customer), customers)
        first = int(await session.scalar(sa.select(sa.func.min(Customer.id))) or 1)
        rows = [
            {
                "livemode": True,
                "customer_id": first + i % len(customers),
                "product_id": product.id,
                "name": "Web",
                "billing": "monthly",
                "price_minor": 999,
                "currency": "EUR",
                "status": "active",
                "next_due_date": DUE,
                "billing_day": DUE.day,
                "data": {},
                "delivery_status": "done",
                "delivery_attempts": 1,
                "delivery_seq": 1,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(services)
        ]
        for start in range(0, len(rows), 10000):
            await session.execute(sa.insert(Service), rows[start : start + 10000])
    if db.dialect_name == "postgresql":
        # The tables written here only (a bare ANALYZE reads every schema of the database, and deadlocks with
        # another process dropping its own, as parallel test workers do).
        async with db.engine.begin() as connection:  # committed: a rolled-back ANALYZE leaves no statistics
            for table in (Customer.__tablename__, Service.__tablename__):
                await connection.execute(sa.text(f'ANALYZE "{table}"'))


async def floor(db: Database, invoices: list[dict[str, Any]], items: list[dict[str, Any]]) -> float:
    """Write the same rows the fastest way: COPY (PostgreSQL) or one executemany (SQLite)."""
    invoice_cols = [c.name for c in Invoice.__table__.c]
    item_cols = [c.name for c in InvoiceItem.__table__.c]
    started = time.perf_counter()
    if db.dialect_name == "postgresql":
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            async with driver.transaction():
                await driver.copy_records_to_table(
                    "invoices",
                    records=[tuple(r[c] for c in invoice_cols) for r in invoices],
                    columns=invoice_cols,
                    schema_name=SCHEMA,
                )
                await driver.copy_records_to_table(
                    "invoice_items",
                    records=[tuple(r[c] for c in item_cols) for r in items],
                    columns=item_cols,
                    schema_name=SCHEMA,
                )
    else:
        async with db.transaction() as session:
            await session.execute(sa.insert(Invoice), invoices)
            await session.execute(sa.insert(InvoiceItem), items)
    return time.perf_counter() - started


async def main(backend: str, services: int, path: str) -> int:
    with tempfile.TemporaryDirectory(prefix="bench_billing_run_") as directory:  # removed, whatever happens
        db = await prepare(backend, directory)
        try:
            return await measure(db, backend, services, path)
        finally:
            if backend == "postgresql":
                async with db.engine.begin() as connection:
                    await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            await db.dispose()


async def measure(db: Database, backend: str, services: int, path: str) -> int:
    await fill(db, services)
    in_database = None if path == "auto" else path == "database"
    load = os.getloadavg()
    with clock.frozen_at(dt.datetime.combine(RUN_DAY, dt.time(3))):
        started = time.perf_counter()
        renewed = await renew_due_services(db, RUN_DAY, in_database=in_database)
        elapsed = time.perf_counter() - started
    assert renewed == services, (renewed, services)
    async with db.reader() as session:
        invoices = [dict(r) for r in (await session.execute(sa.select(*Invoice.__table__.c))).mappings()]
        items = [dict(r) for r in (await session.execute(sa.select(*InvoiceItem.__table__.c))).mappings()]
    assert len(invoices) == len(items) == services, (len(invoices), len(items))
    async with db.transaction() as session:
        await session.execute(sa.delete(InvoiceItem))
        await session.execute(sa.delete(Invoice))
        await session.execute(sa.delete(Job))
    copy_time = await floor(db, invoices, items)
    used = "inside the database" if in_database or (in_database is None and backend == "postgresql") else "in Python"
    ratio, target = elapsed / copy_time, TARGETS[backend]
    verdict = "PASS" if ratio <= target else "FAIL"
    print(f"backend           {backend} (renewals written {used}; batches of {BATCH})")
    print(f"services renewed  {renewed} (one customer per 10; load average before the run {load[0]:.1f})")
    print(f"billing run       {elapsed:8.2f} s   {renewed / elapsed:10.0f} services/s")
    print(f"floor (bulk copy) {copy_time:8.2f} s   {renewed / copy_time:10.0f} invoices/s (with their items)")
    print(f"ratio run / floor {ratio:8.2f} x   (target on {backend}: <= {target:g}x)  {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if verdict == "PASS" else 2


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--path", choices=["auto", "database", "python"], default="auto")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.backend, arguments.services, arguments.path)))
