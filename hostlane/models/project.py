"""Projects a provider runs for its customers: their actions (tasks), topics (threaded discussions), time logs,
and the support tickets linked to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core.db import Base, BigId, UTCDateTime, text_enum
from hostlane.models.columns import Timestamps


class ProjectStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ActionStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Project(Timestamps, Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_livemode_status", "livemode", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    status: Mapped[ProjectStatus] = mapped_column(text_enum(ProjectStatus), default=ProjectStatus.PENDING)
    started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    # The administrators working on it (their ids), in the order they were assigned.
    administrator_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ProjectAction(Timestamps, Base):
    """A task of a project."""

    __tablename__ = "project_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ActionStatus] = mapped_column(text_enum(ActionStatus), default=ActionStatus.PENDING)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProjectTopic(Timestamps, Base):
    """A message of a project's discussion: a thread starts with a topic without ``thread_id``; its replies
    name it."""

    __tablename__ = "project_topics"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("project_actions.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("project_topics.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")


class ProjectTimeLog(Timestamps, Base):
    """Time an administrator spent on a project (or one of its actions), at a rate per hour in minor units."""

    __tablename__ = "project_time_logs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("project_actions.id", ondelete="SET NULL"), index=True)
    administrator_id: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    rate_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    # The invoice item it was billed on (None: not invoiced yet).
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))


class ProjectTicketLink(Timestamps, Base):
    """A support ticket linked to a project, or to one of its actions."""

    __tablename__ = "project_ticket_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("project_actions.id", ondelete="SET NULL"))


class ProjectFile(Timestamps, Base):
    """A file of a project (or one of its actions), kept in the file store (``hostlane.core.files``), never in the
    database. A new version of a file names the first version as its ``thread_id``."""

    __tablename__ = "project_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("project_actions.id", ondelete="SET NULL"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("project_files.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("administrators.id", ondelete="SET NULL"))
    # The name it was uploaded under, cleaned of any path; only ever shown, never used to reach the disk.
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(127))
    storage_key: Mapped[str] = mapped_column(String(255))
