"""Database plumbing: the declarative base, portable column types, engines and sessions.

Two engines share one pool: writes run in a transaction committed in one place (the request's
session dependency or the job runner); reads run in autocommit, so a read-only request costs no
BEGIN/ROLLBACK round trips on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # asyncpg reads a ``timestamp with time zone`` (binary, microseconds since 2000 UTC) as a datetime in UTC
        # already: no per-value call to make it one, on every timestamp of every row read.
        if dialect.name == "postgresql" and dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, *, pool_size: int = 20, schema: str | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = _create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # SQLAlchemy emits BEGIN itself (below), instead of the driver's lazy, lock-free one.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # SQLite ignores SELECT ... FOR UPDATE. A write transaction takes the write lock when it
            # starts, so "lock, check, write" holds: two transactions never both read the old state.
            # Reads run in autocommit and skip this.
            if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    server_settings = {"search_path": schema} if schema else {}
    return _create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, connect_args={"server_settings": server_settings}
    )


class Database:
    """The engine of one database and its two session factories (writes and reads)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect_name = engine.dialect.name
        self._writes = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._reads = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, autoflush=False
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed when the block ends, rolled back if it raises."""
        async with self._writes() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: autocommit, no transaction round trips."""
        async with self._reads() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


def insert_for(dialect_name: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ``on_conflict_do_update`` / ``do_nothing`` on the running database."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def text_enum(enum: type[StrEnum]) -> sa.Enum:
    """An enum stored as its values in a VARCHAR (no native type: adding a value needs no migration)."""
    return sa.Enum(enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


def _records(table: sa.Table, columns: list[str], rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as COPY records: JSON columns as text; everything else as it is (a StrEnum is a str)."""
    json_columns = {name for name in columns if name in table.c and isinstance(table.c[name].type, sa.JSON)}
    if not json_columns:
        return [tuple(row[c] for c in columns) for row in rows]
    return [tuple(orjson.dumps(row[c]).decode() if c in json_columns else row[c] for c in columns) for row in rows]


async def bulk_insert(
    session: AsyncSession, table: sa.Table, rows: list[dict[str, Any]], *, return_ids: bool = False
) -> list[int]:
    """Insert many rows in the session's transaction, the fastest way the database has: COPY on
    PostgreSQL (ids drawn from the table's sequence first, when asked for), one multi-row INSERT on
    SQLite. Returns the new ids in the order of ``rows`` when ``return_ids``."""
    if not rows:
        return []
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        if return_ids:
            inserted = await connection.execute(
                sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
            )
            return [int(i) for i in inserted.scalars().all()]
        await connection.execute(sa.insert(table), rows)
        return []
    ids: list[int] = []
    if return_ids:
        drawn = await connection.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        )
        ids = [int(i) for i in drawn.scalars().all()]
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    columns = list(rows[0])
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(table.name, columns=columns, records=_records(table, columns, rows))
    return ids


async def bulk_update(session: AsyncSession, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Set columns of many rows by id (each row: ``id`` and the new values), in the session's transaction:
    COPY into a temporary table and one UPDATE … FROM on PostgreSQL, an executemany elsewhere."""
    if not rows:
        return
    connection = await session.connection()
    columns = [name for name in rows[0] if name != "id"]
    if connection.dialect.name != "postgresql":
        statement = sa.update(table).where(table.c.id == sa.bindparam("_id"))
        statement = statement.values({name: sa.bindparam(f"_{name}") for name in columns})
        await connection.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])
        return
    unknown = set(columns) - set(table.c.keys())
    if unknown:
        raise ValueError(f"not columns of {table.name}: {sorted(unknown)}")
    # Names below come from the table's metadata (checked above), never from a request.
    temp = f"_bulk_{table.name}"
    column_list = ", ".join(["id", *columns])
    await connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} AS SELECT {column_list} FROM {table.name} WITH NO DATA"  # noqa: S608
    )
    await connection.exec_driver_sql(f"TRUNCATE {temp}")
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(temp, columns=["id", *columns], records=_records(table, ["id", *columns], rows))
    assignments = ", ".join(f"{name} = {temp}.{name}" for name in columns)
    await connection.exec_driver_sql(
        f"UPDATE {table.name} SET {assignments} FROM {temp} WHERE {table.name}.id = {temp}.id"  # noqa: S608
    )
