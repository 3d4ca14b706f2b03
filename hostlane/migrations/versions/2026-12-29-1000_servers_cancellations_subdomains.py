"""provisioning servers (services placed on them), cancellation reasons and end-of-period cancellations,
subdomain hosts and the subdomains taken under them

Revision ID: c17a5e3d9b20
Revises: 3c7d1e9a5b20
Create Date: 2026-12-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db
from hostlane.migrations.triggers import kept_triggers

revision: str = "c17a5e3d9b20"
down_revision: str | None = "3c7d1e9a5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = hostlane.core.db.UTCDateTime


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("created_at", TIME(), nullable=False), sa.Column("updated_at", TIME(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "provisioning_servers",
        sa.Column("id", ID, nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("username_encrypted", sa.Text(), nullable=True),
        sa.Column("password_encrypted", sa.Text(), nullable=True),
        sa.Column("max_accounts", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_servers")),
        sa.UniqueConstraint("livemode", "name", name=op.f("uq_provisioning_servers_livemode_name")),
    )
    op.create_index(op.f("ix_provisioning_servers_module"), "provisioning_servers", ["module"], unique=False)
    op.create_table(
        "cancellation_reasons",
        sa.Column("id", ID, nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("deleted_at", TIME(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_reasons")),
    )
    op.create_table(
        "subdomain_hosts",
        sa.Column("id", ID, nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subdomain_hosts")),
        sa.UniqueConstraint("livemode", "domain", name=op.f("uq_subdomain_hosts_livemode_domain")),
    )
    with kept_triggers("services"), op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancellation_reason_id", ID, nullable=True))
        batch_op.add_column(sa.Column("cancel_at", TIME(), nullable=True))
        batch_op.add_column(sa.Column("server_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_services_cancellation_reason_id_cancellation_reasons"),
            "cancellation_reasons",
            ["cancellation_reason_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_services_server_id_provisioning_servers"),
            "provisioning_servers",
            ["server_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(batch_op.f("ix_services_cancellation_reason_id"), ["cancellation_reason_id"])
        batch_op.create_index(batch_op.f("ix_services_server_id"), ["server_id"])
    op.create_table(
        "subdomains",
        sa.Column("id", ID, nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("host_id", ID, nullable=False),
        sa.Column("label", sa.String(63), nullable=False),
        sa.Column("service_id", ID, nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["subdomain_hosts.id"], name=op.f("fk_subdomains_host_id_subdomain_hosts"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_subdomains_service_id_services"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subdomains")),
        sa.UniqueConstraint("host_id", "label", name=op.f("uq_subdomains_host_id_label")),
    )
    op.create_index(op.f("ix_subdomains_service_id"), "subdomains", ["service_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subdomains_service_id"), table_name="subdomains")
    op.drop_table("subdomains")
    with kept_triggers("services"), op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_server_id"))
        batch_op.drop_index(batch_op.f("ix_services_cancellation_reason_id"))
        batch_op.drop_constraint(batch_op.f("fk_services_server_id_provisioning_servers"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_services_cancellation_reason_id_cancellation_reasons"), type_="foreignkey"
        )
        batch_op.drop_column("server_id")
        batch_op.drop_column("cancel_at")
        batch_op.drop_column("cancellation_reason_id")
    op.drop_table("subdomain_hosts")
    op.drop_table("cancellation_reasons")
    op.drop_index(op.f("ix_provisioning_servers_module"), table_name="provisioning_servers")
    op.drop_table("provisioning_servers")
