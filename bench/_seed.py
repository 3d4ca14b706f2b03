"""Seeding a migrated PostgreSQL schema with many rows quickly, inside the database (``INSERT … SELECT`` over
``generate_series``: nothing crosses the wire but the statement), for benches that need millions of rows.

Customers look like ``bench.api_list``'s (its names, domains, countries and statuses); each customer has one
service and one invoice, spread over the months. The indexes other than the constraints' are dropped before the
rows go in and built again after (much faster than maintaining them row by row); ``load`` returns how long each
took to build and its size, and ``ANALYZE`` runs at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bench.api_list import COUNTRIES, DOMAINS, FIRST_NAMES, LAST_NAMES, STATUSES

TABLES = ("customers", "services", "invoices")


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


def _weighted(weights: dict[str, int]) -> str:
    return _array([value for value, weight in weights.items() for _ in range(weight)])


def _pick(array: str, salt: str) -> str:
    """A pseudo-random element of ``array`` for row ``g`` (reproducible: a hash of the row number)."""
    return f"({array})[1 + abs(hashtext(g::text || '{salt}')) % array_length({array}, 1)]"


def _spread(salt: str, modulo: int) -> str:
    return f"(abs(hashtext(g::text || '{salt}')) % {modulo})"


CREATED = f"(now() - {_spread('c', 3 * 365 * 86400)} * INTERVAL '1 second')"
FIRST = _pick(_array(FIRST_NAMES), "f")
LAST = _pick(_array(LAST_NAMES), "l")

CATALOGUE_SQL = [
    "INSERT INTO product_groups (livemode, name, slug, description, status, sort_order, pinned, created_at, "
    "updated_at) VALUES (true, 'Hosting', 'hosting', '', 'active', 0, false, now(), now())",
    "INSERT INTO products (livemode, group_id, name, description, status, stock, pinned, sort_order, type, config, "
    "created_at, updated_at) SELECT true, 1, 'Plan ' || g, '', 'active', 0, false, g, 'none', '{}', now(), now() "
    "FROM generate_series(1, 5) AS g",
]
CUSTOMERS_SQL = f"""
INSERT INTO customers (livemode, email, firstname, lastname, companyname, address1, city, postcode, country, phone,
    locale, currency, credit_minor, status, taxexempt, partner, email_verified_at, session_epoch, created_at,
    updated_at)
SELECT true, lower(first) || '.' || lower(last) || g || '@' || {_pick(_array(DOMAINS), "d")}, initcap(first),
    initcap(last), CASE WHEN {_spread("k", 10)} < 3 THEN initcap(last) || ' SARL' END,
    (1 + g % 199) || ' rue de la Paix', 'Paris', (10000 + g % 89999)::text, {_pick(_weighted(COUNTRIES), "n")},
    CASE WHEN {_spread("h", 10)} < 7 THEN '+33' || (100000000 + {_spread("p", 899999999)}) END, 'en_GB', 'EUR', 0,
    {_pick(_weighted(STATUSES), "s")}, false, false, created + INTERVAL '1 hour', 0, created,
    created + {_spread("u", 86400 * 30)} * INTERVAL '1 second'
FROM (SELECT g, {FIRST} AS first, {LAST} AS last, {CREATED} AS created FROM generate_series(1, :count) AS g) AS rows
"""
SERVICES_SQL = f"""
INSERT INTO services (uuid, livemode, customer_id, product_id, name, billing, price_minor, currency, status,
    next_due_date, renewals, data, delivery_status, delivery_seq, delivery_attempts, created_at, updated_at)
SELECT md5(g::text)::uuid::text, true, 1 + (g - 1) % :count, 1 + g % 5, 'Plan ' || (1 + g % 5) || ' - host' || g ||
    '.example.net', {_pick(_weighted({"monthly": 70, "annually": 20, "quarterly": 10}), "b")}, 499 + g % 5 * 500, 'EUR',
    {_pick(_weighted({"active": 80, "suspended": 6, "pending": 4, "terminated": 6, "cancelled": 4}), "s")},
    current_date + {_spread("n", 365)}, 0, '{{}}',
    {_pick(_weighted({"done": 95, "none": 2, "pending": 2, "failed": 1}), "v")}, 0, 0, created, created
FROM (SELECT g, {CREATED} AS created FROM generate_series(1, :count) AS g) AS rows
"""
INVOICES_SQL = f"""
INSERT INTO invoices (livemode, customer_id, number, status, date, duedate, datepaid, currency, subtotal_minor,
    credit_minor, tax_minor, taxrate_milli, tax2_minor, taxrate2_milli, taxexempt, total_minor, paid_minor, order_id,
    created_at, updated_at)
SELECT true, 1 + (g - 1) % :count, 'INV-' || g, status, created::date, created::date + 14,
    CASE WHEN status = 'paid' THEN created END, 'EUR', amount, 0, amount / 5, 20000, 0, 0, false, amount + amount / 5,
    CASE WHEN status = 'paid' THEN amount + amount / 5 ELSE 0 END, g, created, created
FROM (
    SELECT g, {CREATED} AS created, 499 + g % 5 * 500 AS amount,
        {_pick(_weighted({"paid": 75, "unpaid": 15, "cancelled": 5, "draft": 3, "refunded": 1, "collections": 1}), "s")}
        AS status
    FROM generate_series(1, :count) AS g
) AS rows
"""


@dataclass(frozen=True)
class Built:
    """One index built after the load: its table, name, seconds to build, size in bytes."""

    table: str
    name: str
    seconds: float
    size: int


async def load(connection: Any, count: int) -> list[Built]:
    """``count`` customers, services and invoices (and a catalogue of 5 products) into the (empty, migrated)
    schema of ``connection`` (asyncpg); their indexes are built after the rows; ANALYZE. Returns the builds."""
    await connection.execute("SET maintenance_work_mem = '256MB'")
    indexes = await connection.fetch(
        """SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        list(TABLES),
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["indexname"]}"')
    for statement in CATALOGUE_SQL:
        await connection.execute(statement)
    for statement in (CUSTOMERS_SQL, SERVICES_SQL, INVOICES_SQL):
        await connection.execute(statement.replace(":count", str(int(count))))
    built = []
    for index in indexes:
        start = time.perf_counter()
        await connection.execute(index["indexdef"])
        seconds = time.perf_counter() - start
        size = await connection.fetchval("SELECT pg_relation_size($1::regclass)", index["indexname"])
        built.append(Built(index["tablename"], index["indexname"], seconds, size))
    for table in (*TABLES, "products", "product_groups"):
        await connection.execute(f"ANALYZE {table}")
    return built
