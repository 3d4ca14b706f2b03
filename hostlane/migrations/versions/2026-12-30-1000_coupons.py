"""coupons: codes with per-currency values, their products, their uses (once per order), and the recurring
coupon a service was ordered with

Revision ID: 3c7e9a1f5b2d
Revises: c17a5e3d9b20
Create Date: 2026-12-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "3c7e9a1f5b2d"
down_revision: str | None = "c17a5e3d9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coupons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("type", sa.Enum("percent", "fixed", name="coupontype", native_enum=False, length=32), nullable=False),
        sa.Column("applied_month", sa.Integer(), nullable=False),
        sa.Column("free_setup", sa.Boolean(), nullable=False),
        sa.Column("start_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_order_only", sa.Boolean(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("max_uses_per_customer", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("products_required", sa.JSON(), nullable=False),
        sa.Column("is_global", sa.Boolean(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("applied_month >= -1", name=op.f("ck_coupons_applied_month_known")),
        sa.CheckConstraint(
            "max_uses >= 0 AND max_uses_per_customer >= 0", name=op.f("ck_coupons_max_uses_not_negative")
        ),
        sa.CheckConstraint("uses >= 0 AND (max_uses = 0 OR uses <= max_uses)", name=op.f("ck_coupons_uses_within_max")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_coupons_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
    )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coupons_customer_id"), ["customer_id"], unique=False)
    op.create_index("uq_coupons_livemode_code", "coupons", ["livemode", sa.text("upper(code)")], unique=True)

    op.create_table(
        "coupon_products",
        sa.Column("coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_coupon_products_coupon_id_coupons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_coupon_products_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("coupon_id", "product_id", name=op.f("pk_coupon_products")),
    )
    op.create_table(
        "coupon_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("minimum_minor", sa.BigInteger(), nullable=False),
        sa.Column("onetime", sa.BigInteger(), nullable=True),
        sa.Column("monthly", sa.BigInteger(), nullable=True),
        sa.Column("quarterly", sa.BigInteger(), nullable=True),
        sa.Column("semiannually", sa.BigInteger(), nullable=True),
        sa.Column("annually", sa.BigInteger(), nullable=True),
        sa.Column("biennially", sa.BigInteger(), nullable=True),
        sa.Column("triennially", sa.BigInteger(), nullable=True),
        sa.Column("setup_onetime", sa.BigInteger(), nullable=True),
        sa.Column("setup_monthly", sa.BigInteger(), nullable=True),
        sa.Column("setup_quarterly", sa.BigInteger(), nullable=True),
        sa.Column("setup_semiannually", sa.BigInteger(), nullable=True),
        sa.Column("setup_annually", sa.BigInteger(), nullable=True),
        sa.Column("setup_biennially", sa.BigInteger(), nullable=True),
        sa.Column("setup_triennially", sa.BigInteger(), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("annually IS NULL OR annually >= 0", name=op.f("ck_coupon_values_annually_not_negative")),
        sa.CheckConstraint(
            "biennially IS NULL OR biennially >= 0", name=op.f("ck_coupon_values_biennially_not_negative")
        ),
        sa.CheckConstraint("minimum_minor >= 0", name=op.f("ck_coupon_values_minimum_not_negative")),
        sa.CheckConstraint("monthly IS NULL OR monthly >= 0", name=op.f("ck_coupon_values_monthly_not_negative")),
        sa.CheckConstraint("onetime IS NULL OR onetime >= 0", name=op.f("ck_coupon_values_onetime_not_negative")),
        sa.CheckConstraint("quarterly IS NULL OR quarterly >= 0", name=op.f("ck_coupon_values_quarterly_not_negative")),
        sa.CheckConstraint(
            "semiannually IS NULL OR semiannually >= 0", name=op.f("ck_coupon_values_semiannually_not_negative")
        ),
        sa.CheckConstraint(
            "setup_annually IS NULL OR setup_annually >= 0", name=op.f("ck_coupon_values_setup_annually_not_negative")
        ),
        sa.CheckConstraint(
            "setup_biennially IS NULL OR setup_biennially >= 0",
            name=op.f("ck_coupon_values_setup_biennially_not_negative"),
        ),
        sa.CheckConstraint(
            "setup_monthly IS NULL OR setup_monthly >= 0", name=op.f("ck_coupon_values_setup_monthly_not_negative")
        ),
        sa.CheckConstraint(
            "setup_onetime IS NULL OR setup_onetime >= 0", name=op.f("ck_coupon_values_setup_onetime_not_negative")
        ),
        sa.CheckConstraint(
            "setup_quarterly IS NULL OR setup_quarterly >= 0",
            name=op.f("ck_coupon_values_setup_quarterly_not_negative"),
        ),
        sa.CheckConstraint(
            "setup_semiannually IS NULL OR setup_semiannually >= 0",
            name=op.f("ck_coupon_values_setup_semiannually_not_negative"),
        ),
        sa.CheckConstraint(
            "setup_triennially IS NULL OR setup_triennially >= 0",
            name=op.f("ck_coupon_values_setup_triennially_not_negative"),
        ),
        sa.CheckConstraint(
            "triennially IS NULL OR triennially >= 0", name=op.f("ck_coupon_values_triennially_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_coupon_values_coupon_id_coupons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_values")),
        sa.UniqueConstraint("coupon_id", "currency", name="uq_coupon_values_coupon_currency"),
    )
    op.create_table(
        "coupon_usages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("used_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_coupon_usages_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_coupon_usages_coupon_id_coupons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_coupon_usages_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_coupon_usages_invoice_id_invoices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_coupon_usages_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_usages")),
        sa.UniqueConstraint("coupon_id", "order_id", name="uq_coupon_usages_coupon_order"),
    )
    with op.batch_alter_table("coupon_usages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coupon_usages_coupon_id"), ["coupon_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coupon_usages_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "service_coupons",
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("coupon_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("applies_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_service_coupons_coupon_id_coupons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_coupons_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_service_coupons")),
    )
    with op.batch_alter_table("service_coupons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_coupons_coupon_id"), ["coupon_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_coupons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_coupons_coupon_id"))

    op.drop_table("service_coupons")
    with op.batch_alter_table("coupon_usages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coupon_usages_customer_id"))
        batch_op.drop_index(batch_op.f("ix_coupon_usages_coupon_id"))

    op.drop_table("coupon_usages")
    op.drop_table("coupon_values")
    op.drop_table("coupon_products")
    op.drop_index("uq_coupons_livemode_code", table_name="coupons")
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coupons_customer_id"))

    op.drop_table("coupons")
