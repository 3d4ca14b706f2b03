"""Telephony: PBX servers, the entities that own number intervals on them, line templates, and lines.

A line's number is unique on its server by a constraint (``uq_telephony_lines_server_id_internal_number``), so
two concurrent creates of the same number can never both succeed; so is its provisioning code.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import Timestamps


class SipNaming(StrEnum):
    """How a line's SIP account is named: a generated name, or the line's number."""

    GENERATED = "generated"
    NUMBER = "number"


class CallerIdMode(StrEnum):
    """What an outgoing call shows: the line's inbound number, nothing, or a fixed number."""

    INBOUND_NUMBER = "inbound_number"
    ANONYMOUS = "anonymous"
    CUSTOM = "custom"


class VoicemailNumberMode(StrEnum):
    """The number that reaches the voicemail: the server's short number, or a fixed one."""

    SHORT_NUMBER = "short_number"
    CUSTOM = "custom"


class PbxServer(Timestamps, Base):
    """A PBX server lines are provisioned on; ``capacity`` is how many lines it may hold."""

    __tablename__ = "telephony_servers"
    __table_args__ = (UniqueConstraint("livemode", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    configured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PbxEntity(Timestamps, Base):
    """A customer organisation on one server, with the number intervals its lines draw from."""

    __tablename__ = "telephony_entities"
    __table_args__ = (UniqueConstraint("server_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    server_id: Mapped[int] = mapped_column(ForeignKey("telephony_servers.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(255))
    presented_number: Mapped[str] = mapped_column(String(32), default="")


class NumberInterval(Base):
    """Numbers ``first`` to ``last`` (digit strings of ``length`` digits; ``last`` is ``None`` for the single
    number ``first``). ``low`` and ``high`` are their values, for overlap checks and free-number searches."""

    __tablename__ = "telephony_intervals"
    __table_args__ = (Index("ix_telephony_intervals_server_length_low", "server_id", "length", "low"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("telephony_entities.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("telephony_servers.id", ondelete="RESTRICT"))
    first: Mapped[str] = mapped_column(String(18))
    last: Mapped[str | None] = mapped_column(String(18))
    length: Mapped[int] = mapped_column(Integer)
    low: Mapped[int] = mapped_column(BigInteger)
    high: Mapped[int] = mapped_column(BigInteger)


class LineTemplate(Timestamps, Base):
    """How lines made from it behave: SIP naming, ringing time, inbound routing, caller id and voicemail."""

    __tablename__ = "telephony_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    sip_naming: Mapped[SipNaming] = mapped_column(text_enum(SipNaming), default=SipNaming.GENERATED)
    ringing_seconds: Mapped[int] = mapped_column(Integer, default=30)
    routed_inbound: Mapped[bool] = mapped_column(Boolean, default=False)
    inbound_prefix: Mapped[str | None] = mapped_column(String(32))
    caller_id_mode: Mapped[CallerIdMode] = mapped_column(text_enum(CallerIdMode), default=CallerIdMode.INBOUND_NUMBER)
    custom_caller_id: Mapped[str | None] = mapped_column(String(32))
    voicemail_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_number_mode: Mapped[VoicemailNumberMode] = mapped_column(
        text_enum(VoicemailNumberMode), default=VoicemailNumberMode.SHORT_NUMBER
    )
    voicemail_custom_number: Mapped[str | None] = mapped_column(String(32))
    voicemail_send_email: Mapped[bool] = mapped_column(Boolean, default=False)


class TemplateServer(Base):
    """A template is available to every entity of this server."""

    __tablename__ = "telephony_template_servers"

    template_id: Mapped[int] = mapped_column(ForeignKey("telephony_templates.id", ondelete="CASCADE"), primary_key=True)
    server_id: Mapped[int] = mapped_column(
        ForeignKey("telephony_servers.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TemplateEntity(Base):
    """A template is available to this entity."""

    __tablename__ = "telephony_template_entities"

    template_id: Mapped[int] = mapped_column(ForeignKey("telephony_templates.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("telephony_entities.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PbxLine(Timestamps, Base):
    """A telephone line (a PBX user) of an entity, on the entity's server.

    ``number_value`` is the value of ``internal_number`` (its length is ``number_length``), for free-number
    searches by range. ``cti_password_hash`` is an argon2 hash: the clear CTI password is never stored.
    ``sip_secret`` is the generated SIP credential the PBX needs in clear (a device secret, not a person's
    password); no answer shows it. ``service_id`` is the catalogue service that sold the line, if one did."""

    __tablename__ = "telephony_lines"
    __table_args__ = (
        UniqueConstraint("server_id", "internal_number"),
        UniqueConstraint("server_id", "provisioning_code"),
        UniqueConstraint("server_id", "sip_username"),
        Index("ix_telephony_lines_server_length_value", "server_id", "number_length", "number_value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    server_id: Mapped[int] = mapped_column(ForeignKey("telephony_servers.id", ondelete="RESTRICT"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("telephony_entities.id", ondelete="RESTRICT"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("telephony_templates.id", ondelete="RESTRICT"), index=True)
    first_name: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str] = mapped_column(String(128), default="")
    internal_number: Mapped[str] = mapped_column(String(18))
    number_length: Mapped[int] = mapped_column(Integer)
    number_value: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(255))
    cti_login: Mapped[str | None] = mapped_column(String(128))
    cti_password_hash: Mapped[str | None] = mapped_column(String(255))
    provisioning_code: Mapped[str] = mapped_column(String(16))
    sip_username: Mapped[str] = mapped_column(String(64))
    sip_secret: Mapped[str] = mapped_column(String(64))
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # A service sells one line at most (the unique index keeps a repeated provisioning from making a second).
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("services.id", ondelete="SET NULL"), index=True, unique=True
    )


class AdministratorEntity(Base):
    """An administrator who is not a super-administrator manages only the entities it is granted."""

    __tablename__ = "telephony_administrator_entities"

    administrator_id: Mapped[int] = mapped_column(ForeignKey("administrators.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("telephony_entities.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
