"""customer account facts: billing details, the reason of a suspension or ban, the second factor

``billing_details`` is printed on invoices besides the address; ``status_reason`` says why an account is
suspended or banned; ``two_factor_secret`` and ``two_factor_recovery_codes`` hold the customer's TOTP
second factor, encrypted (null: no second factor).

Revision ID: 8c4f2a6d1e93
Revises: 3d5e8b1c9a47
Create Date: 2026-12-11 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4f2a6d1e93"
down_revision: str | None = "3d5e8b1c9a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("billing_details", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("status_reason", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("two_factor_secret", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("two_factor_recovery_codes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("two_factor_recovery_codes")
        batch_op.drop_column("two_factor_secret")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("billing_details")
