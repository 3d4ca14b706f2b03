"""customer session epoch: a counter raised whenever every session of a customer must end

Client-area tokens carry the value they were issued under; a password change, a status other than active,
or deletion raises it (and revokes every token family of the customer in the same transaction).

Revision ID: 3d5e8b1c9a47
Revises: 757bf60ad832
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d5e8b1c9a47"
down_revision: str | None = "757bf60ad832"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
