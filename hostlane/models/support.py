"""Support: departments, and customers' tickets with their replies."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core import clock
from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import Timestamps, list_index, trigram_index


class TicketStatus(StrEnum):
    """Hostlane's ticket statuses. Each face words them as its document does (``Customer-Reply`` …)."""

    OPEN = "open"
    ANSWERED = "answered"  # staff replied last
    CUSTOMER_REPLY = "customer_reply"  # the customer replied last
    CLOSED = "closed"


class TicketPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReplyType(StrEnum):
    """Who wrote a reply: staff (``admin``) or the customer (``client``), as ``closed_by`` says it."""

    ADMIN = "admin"
    CLIENT = "client"


class SupportDepartment(Timestamps, Base):
    __tablename__ = "support_departments"
    __table_args__ = (UniqueConstraint("livemode", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(64), default="bi bi-question-circle")


class SupportTicket(Base):
    __tablename__ = "support_tickets"
    __table_args__ = (
        UniqueConstraint("number"),
        UniqueConstraint("uuid"),
        Index("ix_support_tickets_livemode_customer_id", "livemode", "customer_id"),
        Index("ix_support_tickets_livemode_status", "livemode", "status"),
        # What the lists filter and sort on (issue 16); number, department and customer by the indexes above.
        list_index("support_tickets", "priority"),
        list_index("support_tickets", "service_id"),
        list_index("support_tickets", "assigned_to"),
        list_index("support_tickets", "subject"),
        list_index("support_tickets", "created_at"),
        list_index("support_tickets", "updated_at"),
        list_index("support_tickets", "closed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The public ticket number customers quote (random, so it says nothing of how many tickets exist).
    number: Mapped[int] = mapped_column(BigInteger)
    uuid: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("support_departments.id", ondelete="RESTRICT"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    # The staff member who opened it for the customer (None: the customer opened it, or the platform did).
    administrator_id: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    # The staff member the ticket is assigned to.
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    # Who opened it, as they signed it then (HostBill keeps these on the ticket).
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[TicketStatus] = mapped_column(text_enum(TicketStatus), default=TicketStatus.OPEN)
    priority: Mapped[TicketPriority] = mapped_column(text_enum(TicketPriority), default=TicketPriority.MEDIUM)
    client_read: Mapped[bool] = mapped_column(Boolean, default=True)
    admin_read: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(16))  # "client" | "admin"
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)  # last activity


class SupportReply(Base):
    __tablename__ = "support_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True)
    type: Mapped[ReplyType] = mapped_column(text_enum(ReplyType))
    name: Mapped[str] = mapped_column(String(255))
    administrator_id: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


trigram_index(SupportTicket, "subject")  # the lists' substring filter


class SupportAttachment(Base):
    """A file sent with a ticket or one of its replies: kept in the file store under ``file_key``; its name is the
    sender's (shown, never used as a path) and it is always served as a download."""

    __tablename__ = "support_attachments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("support_replies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    file_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
