"""telephony: PBX servers, entities and their number intervals, line templates, lines; administrators' sessions
and entity grants

A line's number and provisioning code are unique per server by constraints (concurrent creates of one number:
one wins, the other is refused).

Revision ID: a7c2e9d41f60
Revises: 5c2f7a9e4b13
Create Date: 2026-12-20 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hostlane.core.db

revision: str = "a7c2e9d41f60"
down_revision: str | None = "5c2f7a9e4b13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telephony_servers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("configured_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_servers")),
        sa.UniqueConstraint("livemode", "name", name=op.f("uq_telephony_servers_livemode_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_telephony_servers_uuid")),
    )
    op.create_table(
        "telephony_templates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "sip_naming", sa.Enum("generated", "number", name="sipnaming", native_enum=False, length=32), nullable=False
        ),
        sa.Column("ringing_seconds", sa.Integer(), nullable=False),
        sa.Column("routed_inbound", sa.Boolean(), nullable=False),
        sa.Column("inbound_prefix", sa.String(length=32), nullable=True),
        sa.Column(
            "caller_id_mode",
            sa.Enum("inbound_number", "anonymous", "custom", name="calleridmode", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("custom_caller_id", sa.String(length=32), nullable=True),
        sa.Column("voicemail_enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "voicemail_number_mode",
            sa.Enum("short_number", "custom", name="voicemailnumbermode", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("voicemail_custom_number", sa.String(length=32), nullable=True),
        sa.Column("voicemail_send_email", sa.Boolean(), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_templates")),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("administrator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expires_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administrator_id"],
            ["administrators.id"],
            name=op.f("fk_admin_sessions_administrator_id_administrators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sessions")),
    )
    with op.batch_alter_table("admin_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_sessions_administrator_id"), ["administrator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_sessions_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "telephony_entities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("server_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("presented_number", sa.String(length=32), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["telephony_servers.id"],
            name=op.f("fk_telephony_entities_server_id_telephony_servers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_entities")),
        sa.UniqueConstraint("server_id", "name", name=op.f("uq_telephony_entities_server_id_name")),
    )
    with op.batch_alter_table("telephony_entities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_entities_server_id"), ["server_id"], unique=False)

    op.create_table(
        "telephony_template_servers",
        sa.Column("template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("server_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["telephony_servers.id"],
            name=op.f("fk_telephony_template_servers_server_id_telephony_servers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["telephony_templates.id"],
            name=op.f("fk_telephony_template_servers_template_id_telephony_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("template_id", "server_id", name=op.f("pk_telephony_template_servers")),
    )
    with op.batch_alter_table("telephony_template_servers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_template_servers_server_id"), ["server_id"], unique=False)

    op.create_table(
        "telephony_administrator_entities",
        sa.Column("administrator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administrator_id"],
            ["administrators.id"],
            name=op.f("fk_telephony_administrator_entities_administrator_id_administrators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["telephony_entities.id"],
            name=op.f("fk_telephony_administrator_entities_entity_id_telephony_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("administrator_id", "entity_id", name=op.f("pk_telephony_administrator_entities")),
    )
    with op.batch_alter_table("telephony_administrator_entities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_administrator_entities_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "telephony_intervals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("server_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("first", sa.String(length=18), nullable=False),
        sa.Column("last", sa.String(length=18), nullable=True),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("low", sa.BigInteger(), nullable=False),
        sa.Column("high", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["telephony_entities.id"],
            name=op.f("fk_telephony_intervals_entity_id_telephony_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["telephony_servers.id"],
            name=op.f("fk_telephony_intervals_server_id_telephony_servers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_intervals")),
    )
    with op.batch_alter_table("telephony_intervals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_intervals_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index("ix_telephony_intervals_server_length_low", ["server_id", "length", "low"], unique=False)

    op.create_table(
        "telephony_template_entities",
        sa.Column("template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["telephony_entities.id"],
            name=op.f("fk_telephony_template_entities_entity_id_telephony_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["telephony_templates.id"],
            name=op.f("fk_telephony_template_entities_template_id_telephony_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("template_id", "entity_id", name=op.f("pk_telephony_template_entities")),
    )
    with op.batch_alter_table("telephony_template_entities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_template_entities_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "telephony_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("server_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("last_name", sa.String(length=128), nullable=False),
        sa.Column("internal_number", sa.String(length=18), nullable=False),
        sa.Column("number_length", sa.Integer(), nullable=False),
        sa.Column("number_value", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("cti_login", sa.String(length=128), nullable=True),
        sa.Column("cti_password_hash", sa.String(length=255), nullable=True),
        sa.Column("provisioning_code", sa.String(length=16), nullable=False),
        sa.Column("sip_username", sa.String(length=64), nullable=False),
        sa.Column("sip_secret", sa.String(length=64), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hostlane.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["telephony_entities.id"],
            name=op.f("fk_telephony_lines_entity_id_telephony_entities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["telephony_servers.id"],
            name=op.f("fk_telephony_lines_server_id_telephony_servers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_telephony_lines_service_id_services"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["telephony_templates.id"],
            name=op.f("fk_telephony_lines_template_id_telephony_templates"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_lines")),
        sa.UniqueConstraint("server_id", "internal_number", name=op.f("uq_telephony_lines_server_id_internal_number")),
        sa.UniqueConstraint(
            "server_id", "provisioning_code", name=op.f("uq_telephony_lines_server_id_provisioning_code")
        ),
        sa.UniqueConstraint("server_id", "sip_username", name=op.f("uq_telephony_lines_server_id_sip_username")),
    )
    with op.batch_alter_table("telephony_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telephony_lines_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(
            "ix_telephony_lines_server_length_value", ["server_id", "number_length", "number_value"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_telephony_lines_service_id"), ["service_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_telephony_lines_template_id"), ["template_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telephony_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_lines_template_id"))
        batch_op.drop_index(batch_op.f("ix_telephony_lines_service_id"))
        batch_op.drop_index("ix_telephony_lines_server_length_value")
        batch_op.drop_index(batch_op.f("ix_telephony_lines_entity_id"))

    op.drop_table("telephony_lines")
    with op.batch_alter_table("telephony_template_entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_template_entities_entity_id"))

    op.drop_table("telephony_template_entities")
    with op.batch_alter_table("telephony_intervals", schema=None) as batch_op:
        batch_op.drop_index("ix_telephony_intervals_server_length_low")
        batch_op.drop_index(batch_op.f("ix_telephony_intervals_entity_id"))

    op.drop_table("telephony_intervals")
    with op.batch_alter_table("telephony_administrator_entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_administrator_entities_entity_id"))

    op.drop_table("telephony_administrator_entities")
    with op.batch_alter_table("telephony_template_servers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_template_servers_server_id"))

    op.drop_table("telephony_template_servers")
    with op.batch_alter_table("telephony_entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telephony_entities_server_id"))

    op.drop_table("telephony_entities")
    with op.batch_alter_table("admin_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_admin_sessions_administrator_id"))

    op.drop_table("admin_sessions")
    op.drop_table("telephony_templates")
    op.drop_table("telephony_servers")
