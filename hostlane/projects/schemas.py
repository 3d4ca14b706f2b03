"""Projects' inputs, in Hostlane's words: Create and Update of each resource (Update fields are optional and
applied with ``exclude_unset``), and the filters of each list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hostlane.core.fields import MAX_ID
from hostlane.models import ActionStatus, ProjectStatus

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Title = Annotated[str, Field(min_length=1, max_length=255)]
Text = Annotated[str, Field(max_length=65_535)]
Minor = Annotated[int, Field(ge=0, le=10**12)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectCreate(_Input):
    title: Title
    description: Text = ""
    customer_id: Id | None = None
    service_id: Id | None = None
    status: ProjectStatus = ProjectStatus.PENDING
    started_on: date | None = None
    due_on: date | None = None
    completed_on: date | None = None
    administrator_ids: list[Id] = Field(default_factory=list, max_length=100)


class ProjectUpdate(_Input):
    title: Title | None = None
    description: Text | None = None
    customer_id: Id | None = None
    service_id: Id | None = None
    status: ProjectStatus | None = None
    started_on: date | None = None
    due_on: date | None = None
    completed_on: date | None = None
    administrator_ids: list[Id] | None = Field(default=None, max_length=100)


class ActionCreate(_Input):
    project_id: Id
    title: Title
    description: Text = ""
    status: ActionStatus = ActionStatus.PENDING
    assignee_id: Id | None = None
    due_on: date | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class ActionUpdate(_Input):
    title: Title | None = None
    description: Text | None = None
    status: ActionStatus | None = None
    assignee_id: Id | None = None
    due_on: date | None = None
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


class TopicCreate(_Input):
    project_id: Id | None = None  # taken from the thread or the action when left out
    action_id: Id | None = None
    thread_id: Id | None = None  # a reply to this thread's first topic
    title: Title
    body: Text = ""


class TopicUpdate(_Input):
    title: Title | None = None
    body: Text | None = None


class TimeLogCreate(_Input):
    project_id: Id | None = None  # taken from the action when left out
    action_id: Id | None = None
    administrator_id: Id | None = None  # the caller when left out
    description: Text = ""
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: Annotated[int, Field(ge=0, le=10**9)] | None = None  # from start and end when left out
    rate_minor: Minor = 0  # per hour
    billable: bool = True


class TimeLogUpdate(_Input):
    action_id: Id | None = None
    administrator_id: Id | None = None
    description: Text | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: Annotated[int, Field(ge=0, le=10**9)] | None = None
    rate_minor: Minor | None = None
    billable: bool | None = None


class TicketLinkCreate(_Input):
    ticket_id: Id
    project_id: Id | None = None  # taken from the action when left out
    action_id: Id | None = None


class TicketLinkUpdate(_Input):
    project_id: Id | None = None
    action_id: Id | None = None


class Paging(BaseModel):
    """A list's window: ``limit`` rows from ``offset``."""

    limit: int = 50
    offset: int = 0


class FileCreate(_Input):
    project_id: Id | None = None  # taken from the action or the thread when left out
    action_id: Id | None = None
    thread_id: Id | None = None  # a new version of this file
    name: Annotated[str, Field(min_length=1, max_length=255)]
    description: Text = ""
    content_type: Annotated[str, Field(max_length=127)] = "application/octet-stream"
    data: bytes


class FileUpdate(_Input):
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    description: Text | None = None
    action_id: Id | None = None
