"""projects: projects, their actions, topics, files, time logs and linked tickets; administrators' wbTeamPro password
hash (argon2 of the MD5 hex) and granted systems

Revision ID: b3d81f5e0c27
Revises: a7c2e9d41f60
Create Date: 2026-12-21 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "b3d81f5e0c27"
down_revision: str | None = "a7c2e9d41f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "active",
                "on_hold",
                "completed",
                "cancelled",
                name="projectstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("administrator_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_projects_customer_id_customers"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_projects_service_id_services"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_projects_livemode_status", ["livemode", "status"], unique=False)

    op.create_table(
        "project_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "in_progress", "completed", name="actionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["administrators.id"],
            name=op.f("fk_project_actions_assignee_id_administrators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_actions_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_actions")),
    )
    with op.batch_alter_table("project_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_actions_project_id"), ["project_id"], unique=False)

    op.create_table(
        "project_ticket_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["project_actions.id"],
            name=op.f("fk_project_ticket_links_action_id_project_actions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_ticket_links_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["support_tickets.id"],
            name=op.f("fk_project_ticket_links_ticket_id_support_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_ticket_links")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_project_ticket_links_ticket_id")),
    )
    with op.batch_alter_table("project_ticket_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_ticket_links_project_id"), ["project_id"], unique=False)

    op.create_table(
        "project_time_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("administrator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("started_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.BigInteger(), nullable=False),
        sa.Column("rate_minor", sa.BigInteger(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("invoice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["project_actions.id"],
            name=op.f("fk_project_time_logs_action_id_project_actions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["administrator_id"],
            ["administrators.id"],
            name=op.f("fk_project_time_logs_administrator_id_administrators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_project_time_logs_invoice_id_invoices"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_time_logs_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_time_logs")),
    )
    with op.batch_alter_table("project_time_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_time_logs_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_time_logs_project_id"), ["project_id"], unique=False)

    op.create_table(
        "project_topics",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["project_actions.id"],
            name=op.f("fk_project_topics_action_id_project_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["administrators.id"],
            name=op.f("fk_project_topics_author_id_administrators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_topics_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["project_topics.id"],
            name=op.f("fk_project_topics_thread_id_project_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_topics")),
    )
    with op.batch_alter_table("project_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_topics_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_topics_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_topics_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "project_files",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("uploader_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["project_actions.id"],
            name=op.f("fk_project_files_action_id_project_actions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_files_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["project_files.id"],
            name=op.f("fk_project_files_thread_id_project_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["administrators.id"],
            name=op.f("fk_project_files_uploader_id_administrators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_files")),
    )
    with op.batch_alter_table("project_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_files_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_files_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_files_thread_id"), ["thread_id"], unique=False)

    with op.batch_alter_table("administrators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("md5_password_hash", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("permissions", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("administrators", schema=None) as batch_op:
        batch_op.drop_column("permissions")
        batch_op.drop_column("md5_password_hash")

    with op.batch_alter_table("project_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_files_thread_id"))
        batch_op.drop_index(batch_op.f("ix_project_files_project_id"))
        batch_op.drop_index(batch_op.f("ix_project_files_action_id"))

    op.drop_table("project_files")
    with op.batch_alter_table("project_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_topics_thread_id"))
        batch_op.drop_index(batch_op.f("ix_project_topics_project_id"))
        batch_op.drop_index(batch_op.f("ix_project_topics_action_id"))

    op.drop_table("project_topics")
    with op.batch_alter_table("project_time_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_time_logs_project_id"))
        batch_op.drop_index(batch_op.f("ix_project_time_logs_action_id"))

    op.drop_table("project_time_logs")
    with op.batch_alter_table("project_ticket_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_ticket_links_project_id"))

    op.drop_table("project_ticket_links")
    with op.batch_alter_table("project_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_actions_project_id"))

    op.drop_table("project_actions")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_livemode_status")
        batch_op.drop_index(batch_op.f("ix_projects_customer_id"))

    op.drop_table("projects")
