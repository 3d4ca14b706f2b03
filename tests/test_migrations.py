"""The migrations, run on this backend by the fixtures, produce exactly the models' schema."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hostlane.core.counts import COUNTED
from hostlane.core.db import Database
from hostlane.models import Base


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_every_counted_table_keeps_its_triggers(database: Database) -> None:
    """The maintained list totals follow writes only while each counted table has its insert, update and delete
    triggers: a later migration that rebuilds such a table on SQLite must keep them (``migrations.triggers``)."""
    if database.dialect_name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
            "JOIN pg_namespace ON pg_namespace.oid = relnamespace "
            "WHERE nspname = current_schema() AND NOT tgisinternal"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    async with database.engine.connect() as connection:
        found = set((await connection.execute(sa.text(query))).scalars())
    expected = {f"list_counts_{table}_{event}" for table in COUNTED for event in ("insert", "update", "delete")}
    assert expected <= found, sorted(expected - found)
