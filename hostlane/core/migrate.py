"""Runs the Alembic migrations that ship inside the package (no alembic.ini needed)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from hostlane.core.db import create_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def prepare_database(url: str, schema: str | None) -> bool:
    """Connect to the database at ``url`` (raising the driver's error when it cannot) and, on PostgreSQL, create
    the schema ``schema`` when it is missing. True when it created the schema. Call outside an event loop."""
    if url.startswith("sqlite"):
        # The standard library's driver, not aiosqlite: a failed aiosqlite connect leaves a thread that reports to
        # the closed event loop, a traceback after the one-line error.
        engine = sa.create_engine(make_url(url).set(drivername="sqlite"))
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
        return False
    return asyncio.run(_prepare_postgresql(url, schema))


async def _prepare_postgresql(url: str, schema: str | None) -> bool:
    engine = create_engine(url, pool_size=1)  # no search_path: the schema may not be there yet
    try:
        async with engine.begin() as connection:
            if not schema:
                await connection.execute(sa.text("SELECT 1"))
                return False
            namespace = sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :name")
            if await connection.scalar(namespace, {"name": schema}) is not None:
                return False
            await connection.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
            return True
    finally:
        await engine.dispose()


@contextmanager
def _quiet_reflection() -> Iterator[None]:
    """SQLite's table rebuilds reflect the tables they touch, and SQLAlchemy warns of each expression index it
    cannot reflect (``lower(email)``, ``upper(code)``), which a person running ``hostlane migrate`` can do nothing
    about. (A rebuild of the indexed table itself would drop such an index: a migration that rebuilds one must make
    it again, as ``migrations.triggers`` does for triggers; none does today.)"""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning)
        yield


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` (opens its own engine; call outside an event loop)."""
    with _quiet_reflection():
        command.upgrade(alembic_config(url), revision)


async def upgrade_connection(connection: AsyncConnection, revision: str = "head") -> None:
    """Migrate through an open connection (tests, and ``serve`` inside its event loop)."""

    def _upgrade(sync_connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        with _quiet_reflection():
            command.upgrade(config, revision)

    await connection.run_sync(_upgrade)
