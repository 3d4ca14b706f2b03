"""The migrations, run on this backend by the fixtures, produce exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hostlane.core.db import Database
from hostlane.models import Base


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []
