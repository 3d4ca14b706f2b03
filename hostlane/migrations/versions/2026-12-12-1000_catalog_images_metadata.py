"""catalogue images and metadata; several pricings per product and currency

Products and groups get an ``image`` (a key in the file store) and ``catalog_metadata`` rows (key, value); the
unique (product, currency) of pricings goes, as CLIENTXCMS allows several pricings of a product in one currency.

Revision ID: 5c1f0e7a2b93
Revises: 8c4f2a6d1e93
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "5c1f0e7a2b93"
down_revision: str | None = "8c4f2a6d1e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image", sa.String(length=255), nullable=True))
    with op.batch_alter_table("product_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image", sa.String(length=255), nullable=True))
    with op.batch_alter_table("pricings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pricings_product_id_currency", type_="unique")
    op.create_table(
        "catalog_metadata",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(product_id IS NULL) <> (group_id IS NULL)", name=op.f("ck_catalog_metadata_one_owner")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["product_groups.id"],
            name=op.f("fk_catalog_metadata_group_id_product_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_catalog_metadata_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_metadata")),
        sa.UniqueConstraint("group_id", "key", name=op.f("uq_catalog_metadata_group_id_key")),
        sa.UniqueConstraint("product_id", "key", name=op.f("uq_catalog_metadata_product_id_key")),
    )


def downgrade() -> None:
    op.drop_table("catalog_metadata")
    with op.batch_alter_table("pricings", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_pricings_product_id_currency", ["product_id", "currency"])
    with op.batch_alter_table("product_groups", schema=None) as batch_op:
        batch_op.drop_column("image")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("image")
