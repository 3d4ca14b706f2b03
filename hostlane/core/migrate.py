"""Runs the Alembic migrations that ship inside the package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` (opens its own engine; call outside an event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_connection(connection: AsyncConnection, revision: str = "head") -> None:
    """Migrate through an open connection (tests, and ``serve`` inside its event loop)."""

    def _upgrade(sync_connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    await connection.run_sync(_upgrade)
