"""The login lookup by e-mail (HTTP Basic runs it on every client-area call) reads an index, not the table."""

from __future__ import annotations

import sqlalchemy as sa

from hostlane.customers import repository
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer

INDEX = "ix_customers_livemode_lower_email"


async def test_the_login_lookup_by_email_uses_its_index(runtime: Runtime) -> None:
    for _ in range(3):
        await make_customer(runtime)
    statement = repository.by_email_statement(True, "Someone@Example.com")
    async with runtime.db.reader() as session:
        connection = await session.connection()
        sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        if connection.dialect.name == "postgresql":
            await connection.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a tiny table: else a scan is cheaper
            plan = "\n".join(row[0] for row in await connection.execute(sa.text("EXPLAIN " + sql)))
        else:
            plan = "\n".join(str(row[-1]) for row in await connection.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
    assert INDEX in plan, plan
