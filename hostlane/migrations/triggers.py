"""What a migration needs to keep a table's triggers through SQLite's table rebuilds.

On SQLite, Alembic's ``batch_alter_table`` rebuilds a table (copy, drop, rename) to add a foreign key or change a
column, and dropping the old table drops its triggers with it: the maintained list counts (``core.counts``) would
silently stop following writes. A migration that batch-alters a table wraps the batch in ``kept_triggers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op


@contextmanager
def kept_triggers(table: str) -> Iterator[None]:
    """Around a ``batch_alter_table`` of ``table``: on SQLite, the table's triggers as they were before it, made
    again after it (elsewhere nothing is rebuilt, and nothing is done)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    found = bind.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table ORDER BY name"),
        {"table": table},
    ).all()
    yield
    for name, sql in found:
        op.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        op.execute(sql)
