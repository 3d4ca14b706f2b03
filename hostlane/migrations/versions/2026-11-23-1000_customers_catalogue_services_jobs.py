"""customers catalogue services jobs

Revision ID: 18f2c2d5e7af
Revises: 16bf1e3b490f
Create Date: 2026-11-23 09:52:01.536275
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "18f2c2d5e7af"
down_revision: str | None = "16bf1e3b490f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("firstname", sa.String(length=100), nullable=False),
        sa.Column("lastname", sa.String(length=100), nullable=False),
        sa.Column("companyname", sa.String(length=255), nullable=True),
        sa.Column("address1", sa.String(length=255), nullable=True),
        sa.Column("address2", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("postcode", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "suspended", "banned", "closed", name="customerstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("email_verified_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("last_login_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_ip", sa.String(length=45), nullable=True),
        sa.Column("last_login_host", sa.String(length=255), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_livemode_id", ["livemode", "id"], unique=False)
        batch_op.create_index(
            "uq_customers_livemode_email",
            ["livemode", "email"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "running", "done", "dead", name="jobstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_key_id", ["key", "id"], unique=False)
        batch_op.create_index("ix_jobs_status_run_after", ["status", "run_after"], unique=False)

    op.create_table(
        "product_groups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "hidden", "unreferenced", name="catalogstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["product_groups.id"],
            name=op.f("fk_product_groups_parent_id_product_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_groups")),
        sa.UniqueConstraint("livemode", "slug", name=op.f("uq_product_groups_livemode_slug")),
    )
    with op.batch_alter_table("product_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_groups_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "hidden", "unreferenced", name="catalogstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["product_groups.id"], name=op.f("fk_products_group_id_product_groups"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_livemode"), ["livemode"], unique=False)

    op.create_table(
        "pricings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
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
        sa.CheckConstraint("annually IS NULL OR annually >= 0", name=op.f("ck_pricings_annually_not_negative")),
        sa.CheckConstraint("biennially IS NULL OR biennially >= 0", name=op.f("ck_pricings_biennially_not_negative")),
        sa.CheckConstraint("monthly IS NULL OR monthly >= 0", name=op.f("ck_pricings_monthly_not_negative")),
        sa.CheckConstraint("onetime IS NULL OR onetime >= 0", name=op.f("ck_pricings_onetime_not_negative")),
        sa.CheckConstraint("quarterly IS NULL OR quarterly >= 0", name=op.f("ck_pricings_quarterly_not_negative")),
        sa.CheckConstraint(
            "semiannually IS NULL OR semiannually >= 0", name=op.f("ck_pricings_semiannually_not_negative")
        ),
        sa.CheckConstraint(
            "setup_annually IS NULL OR setup_annually >= 0", name=op.f("ck_pricings_setup_annually_not_negative")
        ),
        sa.CheckConstraint(
            "setup_biennially IS NULL OR setup_biennially >= 0", name=op.f("ck_pricings_setup_biennially_not_negative")
        ),
        sa.CheckConstraint(
            "setup_monthly IS NULL OR setup_monthly >= 0", name=op.f("ck_pricings_setup_monthly_not_negative")
        ),
        sa.CheckConstraint(
            "setup_onetime IS NULL OR setup_onetime >= 0", name=op.f("ck_pricings_setup_onetime_not_negative")
        ),
        sa.CheckConstraint(
            "setup_quarterly IS NULL OR setup_quarterly >= 0", name=op.f("ck_pricings_setup_quarterly_not_negative")
        ),
        sa.CheckConstraint(
            "setup_semiannually IS NULL OR setup_semiannually >= 0",
            name=op.f("ck_pricings_setup_semiannually_not_negative"),
        ),
        sa.CheckConstraint(
            "setup_triennially IS NULL OR setup_triennially >= 0",
            name=op.f("ck_pricings_setup_triennially_not_negative"),
        ),
        sa.CheckConstraint(
            "triennially IS NULL OR triennially >= 0", name=op.f("ck_pricings_triennially_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_pricings_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricings")),
        sa.UniqueConstraint("product_id", "currency", name=op.f("uq_pricings_product_id_currency")),
    )
    with op.batch_alter_table("pricings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pricings_product_id"), ["product_id"], unique=False)

    op.create_table(
        "services",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "billing",
            sa.Enum(
                "onetime",
                "monthly",
                "quarterly",
                "semiannually",
                "annually",
                "biennially",
                "triennially",
                name="billingcycle",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "active",
                "suspended",
                "expired",
                "terminated",
                "cancelled",
                name="servicestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("next_due_date", sa.Date(), nullable=True),
        sa.Column("expires_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suspended_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suspend_reason", sa.String(length=255), nullable=True),
        sa.Column("cancelled_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_reason", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "delivery_status",
            sa.Enum("none", "pending", "done", "failed", name="deliverystatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("delivery_action", sa.String(length=32), nullable=True),
        sa.Column("delivery_seq", sa.Integer(), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_errors", sa.Text(), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_services_customer_id_customers"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_services_product_id_products"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_services_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_services_livemode_id", ["livemode", "id"], unique=False)
        batch_op.create_index(
            "ix_services_livemode_status_next_due_date", ["livemode", "status", "next_due_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_services_product_id"), ["product_id"], unique=False)

    op.create_table(
        "service_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("actor_kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_service_events_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_events")),
    )
    with op.batch_alter_table("service_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_events_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_events_service_id"))

    op.drop_table("service_events")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_product_id"))
        batch_op.drop_index("ix_services_livemode_status_next_due_date")
        batch_op.drop_index("ix_services_livemode_id")
        batch_op.drop_index(batch_op.f("ix_services_customer_id"))

    op.drop_table("services")
    with op.batch_alter_table("pricings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pricings_product_id"))

    op.drop_table("pricings")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_livemode"))
        batch_op.drop_index(batch_op.f("ix_products_group_id"))

    op.drop_table("products")
    with op.batch_alter_table("product_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_groups_parent_id"))

    op.drop_table("product_groups")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status_run_after")
        batch_op.drop_index("ix_jobs_key_id")

    op.drop_table("jobs")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customers_livemode_email",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index("ix_customers_livemode_id")

    op.drop_table("customers")
