"""customers: an index on (livemode, lower(email)) of the rows not deleted, for the login lookup HTTP Basic runs on
every client-area call

Revision ID: 3f6b1d9e2a7c
Revises: 3c7e1f9a5b2d
Create Date: 2026-12-27 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f6b1d9e2a7c"
down_revision: str | None = "3c7e1f9a5b2d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_customers_livemode_lower_email"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "customers",
        ["livemode", sa.text("lower(email)")],
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="customers")
