"""Rules of projects: what a project, an action, a topic, a time log and a ticket link may hold, and the reads
of each. Rows are returned as plain dicts in Hostlane's words; faces translate them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Generic, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.config import get_settings
from hostlane.core import clock, files
from hostlane.core.errors import Conflict, HostlaneError, NotFound, ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import (
    ActionStatus,
    Project,
    ProjectAction,
    ProjectFile,
    ProjectTicketLink,
    ProjectTimeLog,
    ProjectTopic,
)
from hostlane.projects import repository as repo
from hostlane.projects.errors import (
    ActionNotFound,
    FileNotFound,
    ProjectNotFound,
    TicketLinkNotFound,
    TimeLogNotFound,
    TopicNotFound,
)
from hostlane.projects.schemas import (
    ActionCreate,
    ActionUpdate,
    FileCreate,
    FileUpdate,
    ProjectCreate,
    ProjectUpdate,
    TicketLinkCreate,
    TicketLinkUpdate,
    TimeLogCreate,
    TimeLogUpdate,
    TopicCreate,
    TopicUpdate,
)
from hostlane.services import service as services
from hostlane.support import service as support

Row = dict[str, Any]
Filters = Mapping[str, Any]

# What each list may be filtered by (column = value).
PROJECT_FILTERS = ("status", "customer_id", "service_id")
ACTION_FILTERS = ("project_id", "status", "assignee_id")
TOPIC_FILTERS = ("project_id", "action_id", "thread_id", "author_id")
TIME_LOG_FILTERS = ("project_id", "action_id", "administrator_id", "billable")
TICKET_LINK_FILTERS = ("project_id", "action_id", "ticket_id")


def _row(model: Any) -> Row:
    return {column.name: getattr(model, column.key) for column in model.__table__.columns}


async def _check_reference(field: str, check: Any) -> None:
    """Turn a referenced row that is not there into a 422 naming the field."""
    try:
        await check
    except HostlaneError as exc:
        if exc.status != 404:
            raise
        raise ValidationFailed.field(field, f"The {field} does not exist.") from None


async def _check_administrators(session: AsyncSession, field: str, ids: list[int]) -> None:
    for admin_id in ids:
        await _check_reference(field, identity.get_administrator(session, admin_id))


@dataclass(frozen=True)
class _Kind(Generic[repo.M]):
    """The reads and the delete every kind of row of projects shares: its model, the error when a row is not there
    (or not the caller's), the subject its changes are audited under, and the columns never handed out."""

    model: type[repo.M]
    not_found: type[NotFound]
    subject: str
    hidden: tuple[str, ...] = ()

    @property
    def table(self) -> sa.Table:
        return cast(sa.Table, self.model.__table__)

    def shown(self, row: Row) -> Row:
        return {key: value for key, value in row.items() if key not in self.hidden}

    def row(self, model: repo.M) -> Row:
        return self.shown(_row(model))

    async def find(
        self, session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
    ) -> tuple[list[Row], int]:
        rows, total = await repo.page(session, self.table, principal, filters=filters, limit=limit, offset=offset)
        return [self.shown(row) for row in rows], total

    async def get(self, session: AsyncSession, principal: Principal, row_id: int) -> Row:
        row = await repo.one(session, self.table, principal, row_id)
        if row is None:
            raise self.not_found()
        return self.shown(row)

    async def locked(self, session: AsyncSession, principal: Principal, row_id: int) -> repo.M:
        """The ORM row to change, locked for update."""
        model = await repo.get_model(session, self.model, principal, row_id, lock=True)
        if model is None:
            raise self.not_found()
        return model

    async def remove(self, session: AsyncSession, principal: Principal, model: repo.M) -> Row:
        """Delete the locked row (what hangs off it goes by its cascades) and audit it; the row it was."""
        row = self.row(model)
        await session.delete(model)
        await session.flush()
        audit.record(session, principal, f"{self.subject}.delete", self.subject, row["id"])
        return row

    async def delete(self, session: AsyncSession, principal: Principal, row_id: int) -> Row:
        return await self.remove(session, principal, await self.locked(session, principal, row_id))


_PROJECTS = _Kind(Project, ProjectNotFound, "project")
_ACTIONS = _Kind(ProjectAction, ActionNotFound, "project_action")
_TOPICS = _Kind(ProjectTopic, TopicNotFound, "project_topic")
_TIME_LOGS = _Kind(ProjectTimeLog, TimeLogNotFound, "project_time_log")
_FILES = _Kind(ProjectFile, FileNotFound, "project_file", hidden=("storage_key",))
_TICKET_LINKS = _Kind(ProjectTicketLink, TicketLinkNotFound, "project_ticket_link")


# Projects


list_projects = _PROJECTS.find
get_project = _PROJECTS.get


async def _check_project_references(session: AsyncSession, principal: Principal, changes: Mapping[str, Any]) -> None:
    if changes.get("customer_id") is not None:
        await _check_reference("customer_id", customers.get_customer(session, principal, changes["customer_id"]))
    if changes.get("service_id") is not None:
        await _check_reference("service_id", services.get_service(session, principal, changes["service_id"]))
    if changes.get("administrator_ids"):
        await _check_administrators(session, "administrator_ids", changes["administrator_ids"])


async def create_project(session: AsyncSession, principal: Principal, data: ProjectCreate) -> Row:
    await _check_project_references(session, principal, data.model_dump())
    project = Project(livemode=principal.livemode, **data.model_dump())
    session.add(project)
    await session.flush()
    audit.record(session, principal, "project.create", "project", project.id, {"title": project.title})
    return _row(project)


async def update_project(session: AsyncSession, principal: Principal, project_id: int, data: ProjectUpdate) -> Row:
    project = await _PROJECTS.locked(session, principal, project_id)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "title", "description", "status", "administrator_ids")
    await _check_project_references(session, principal, changes)
    for name, value in changes.items():
        setattr(project, name, value)
    await session.flush()
    audit.record(session, principal, "project.update", "project", project_id, changes)
    return _row(project)


async def delete_project(session: AsyncSession, principal: Principal, project_id: int) -> Row:
    """Delete a project with everything of it; its files' bytes go once the change commits."""
    project = await _PROJECTS.locked(session, principal, project_id)
    for stored in await repo.rows_where(session, repo.FILES, repo.FILES.c.project_id == project_id):
        files.remove_after_commit(session, stored["storage_key"])
    return await _PROJECTS.remove(session, principal, project)


# Actions


list_actions = _ACTIONS.find
get_action = _ACTIONS.get
delete_action = _ACTIONS.delete


def _completion(action: ProjectAction) -> None:
    """A completed action knows when it was completed; one reopened no longer does."""
    if action.status is ActionStatus.COMPLETED and action.completed_at is None:
        action.completed_at = clock.now()
    elif action.status is not ActionStatus.COMPLETED:
        action.completed_at = None


async def create_action(session: AsyncSession, principal: Principal, data: ActionCreate) -> Row:
    await _check_reference("project_id", get_project(session, principal, data.project_id))
    if data.assignee_id is not None:
        await _check_administrators(session, "assignee_id", [data.assignee_id])
    action = ProjectAction(**data.model_dump())
    _completion(action)
    session.add(action)
    await session.flush()
    audit.record(session, principal, "project_action.create", "project_action", action.id, {"title": action.title})
    return _row(action)


async def update_action(session: AsyncSession, principal: Principal, action_id: int, data: ActionUpdate) -> Row:
    action = await _ACTIONS.locked(session, principal, action_id)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "title", "description", "status", "position")
    if changes.get("assignee_id") is not None:
        await _check_administrators(session, "assignee_id", [changes["assignee_id"]])
    for name, value in changes.items():
        setattr(action, name, value)
    _completion(action)
    await session.flush()
    audit.record(session, principal, "project_action.update", "project_action", action_id, changes)
    return _row(action)


# Topics


list_topics = _TOPICS.find
get_topic = _TOPICS.get


async def list_threads(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    """The threads' first topics, each with its ``replies`` in order (two queries)."""
    starters, total = await repo.page(
        session,
        repo.TOPICS,
        principal,
        filters={**filters, "thread_id": None},
        limit=limit,
        offset=offset,
    )
    replies = await repo.rows_where(session, repo.TOPICS, repo.TOPICS.c.thread_id.in_([row["id"] for row in starters]))
    for starter in starters:
        starter["replies"] = [reply for reply in replies if reply["thread_id"] == starter["id"]]
    return starters, total


async def create_topic(session: AsyncSession, principal: Principal, data: TopicCreate) -> Row:
    project_id, action_id = data.project_id, data.action_id
    if data.thread_id is not None:
        thread = await repo.one(session, repo.TOPICS, principal, data.thread_id)
        if thread is None:
            raise ValidationFailed.field("thread_id", "The thread_id does not exist.")
        # A reply joins the thread of the first topic (replies do not nest).
        thread_id = thread["thread_id"] or thread["id"]
        project_id, action_id = thread["project_id"], action_id or thread["action_id"]
    else:
        thread_id = None
    if action_id is not None:
        action = await repo.one(session, repo.ACTIONS, principal, action_id)
        if action is None or (project_id is not None and action["project_id"] != project_id):
            raise ValidationFailed.field("action_id", "The action_id does not exist in this project.")
        project_id = action["project_id"]
    if project_id is None:
        raise ValidationFailed.field("project_id", "The project_id is required.")
    await _check_reference("project_id", get_project(session, principal, project_id))
    topic = ProjectTopic(
        project_id=project_id,
        action_id=action_id,
        thread_id=thread_id,
        author_id=principal.id if principal.kind is PrincipalKind.ADMIN else None,
        title=data.title,
        body=data.body,
    )
    session.add(topic)
    await session.flush()
    audit.record(session, principal, "project_topic.create", "project_topic", topic.id, {"title": topic.title})
    return _row(topic)


async def update_topic(session: AsyncSession, principal: Principal, topic_id: int, data: TopicUpdate) -> Row:
    topic = await _TOPICS.locked(session, principal, topic_id)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "title", "body")
    for name, value in changes.items():
        setattr(topic, name, value)
    await session.flush()
    audit.record(session, principal, "project_topic.update", "project_topic", topic_id, changes)
    return _row(topic)


async def delete_topic(session: AsyncSession, principal: Principal, topic_id: int) -> Row:
    """Delete a topic; deleting a thread's first topic deletes its replies."""
    return await _TOPICS.delete(session, principal, topic_id)


# Time logs


list_time_logs = _TIME_LOGS.find
get_time_log = _TIME_LOGS.get
delete_time_log = _TIME_LOGS.delete


def _duration(started_at: datetime, ended_at: datetime | None, given: int | None) -> int:
    if ended_at is not None and ended_at < started_at:
        raise ValidationFailed.field("ended_at", "The end may not be before the start.")
    if given is not None:
        return given
    return int((ended_at - started_at).total_seconds()) if ended_at is not None else 0


async def create_time_log(session: AsyncSession, principal: Principal, data: TimeLogCreate) -> Row:
    project_id = data.project_id
    if data.action_id is not None:
        action = await repo.one(session, repo.ACTIONS, principal, data.action_id)
        if action is None or (project_id is not None and action["project_id"] != project_id):
            raise ValidationFailed.field("action_id", "The action_id does not exist in this project.")
        project_id = action["project_id"]
    if project_id is None:
        raise ValidationFailed.field("project_id", "The project_id is required.")
    await _check_reference("project_id", get_project(session, principal, project_id))
    administrator_id = data.administrator_id or (principal.id if principal.kind is PrincipalKind.ADMIN else None)
    if data.administrator_id is not None:
        await _check_administrators(session, "administrator_id", [data.administrator_id])
    log = ProjectTimeLog(
        project_id=project_id,
        action_id=data.action_id,
        administrator_id=administrator_id,
        description=data.description,
        started_at=data.started_at,
        ended_at=data.ended_at,
        duration_seconds=_duration(data.started_at, data.ended_at, data.duration_seconds),
        rate_minor=data.rate_minor,
        billable=data.billable,
    )
    session.add(log)
    await session.flush()
    audit.record(session, principal, "project_time_log.create", "project_time_log", log.id, {})
    return _row(log)


async def update_time_log(session: AsyncSession, principal: Principal, time_log_id: int, data: TimeLogUpdate) -> Row:
    log = await _TIME_LOGS.locked(session, principal, time_log_id)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "description", "started_at", "rate_minor", "billable")
    if log.invoice_id is not None and set(changes) & {"started_at", "ended_at", "duration_seconds", "rate_minor"}:
        raise ValidationFailed.field("rate_minor", "An invoiced time log's time and rate can no longer change.")
    if changes.get("action_id") is not None:
        action = await repo.one(session, repo.ACTIONS, principal, changes["action_id"])
        if action is None or action["project_id"] != log.project_id:
            raise ValidationFailed.field("action_id", "The action_id does not exist in this project.")
    if changes.get("administrator_id") is not None:
        await _check_administrators(session, "administrator_id", [changes["administrator_id"]])
    for name, value in changes.items():
        setattr(log, name, value)
    if {"started_at", "ended_at"} & set(changes) and "duration_seconds" not in changes:
        log.duration_seconds = _duration(log.started_at, log.ended_at, None)
    else:
        _duration(log.started_at, log.ended_at, 0)
    await session.flush()
    audit.record(session, principal, "project_time_log.update", "project_time_log", time_log_id, changes)
    return _row(log)


# Files


FILE_FILTERS = ("project_id", "action_id", "thread_id", "uploader_id")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def clean_file_name(name: str) -> str:
    """The last part of an uploaded name, without control characters or separators: a name is only shown, and
    never reaches the disk (the store names files by key), but a download offers it to the user's browser."""
    last = re.split(r"[/\\]", name)[-1]
    cleaned = _UNSAFE_NAME.sub("", last).strip().lstrip(".")
    if not cleaned:
        raise ValidationFailed.field("name", "The name must name a file.")
    return cleaned[:255]


list_files = _FILES.find
get_file = _FILES.get


async def list_file_threads(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    """The first versions of files, each with its later ``versions`` in order (two queries)."""
    firsts, total = await list_files(
        session, principal, filters={**filters, "thread_id": None}, limit=limit, offset=offset
    )
    later = await repo.rows_where(session, repo.FILES, repo.FILES.c.thread_id.in_([row["id"] for row in firsts]))
    for first in firsts:
        first["versions"] = [_FILES.shown(row) for row in later if row["thread_id"] == first["id"]]
    return firsts, total


async def open_file(session: AsyncSession, principal: Principal, file_id: int) -> tuple[Row, Path]:
    """The file's row and where its bytes are (404 when the row or the bytes are not there)."""
    row = await repo.one(session, repo.FILES, principal, file_id)
    found = files.path(row["storage_key"]) if row is not None else None
    if row is None or found is None or not found.is_file():
        raise FileNotFound()
    return row, found


async def create_file(session: AsyncSession, principal: Principal, data: FileCreate) -> Row:
    limit = get_settings().max_upload_bytes
    if len(data.data) > limit:
        raise ValidationFailed.field("data", f"The file may not be larger than {limit // 1024} kilobytes.")
    content_type = data.content_type.strip().lower()
    if not _CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    project_id, action_id, thread_id = data.project_id, data.action_id, None
    if data.thread_id is not None:
        first = await repo.one(session, repo.FILES, principal, data.thread_id)
        if first is None:
            raise ValidationFailed.field("thread_id", "The thread_id does not exist.")
        thread_id = first["thread_id"] or first["id"]
        project_id, action_id = first["project_id"], action_id or first["action_id"]
    project_id = await _link_target(session, principal, project_id, action_id)
    record = ProjectFile(
        project_id=project_id,
        action_id=action_id,
        thread_id=thread_id,
        uploader_id=principal.id if principal.kind is PrincipalKind.ADMIN else None,
        name=clean_file_name(data.name),
        description=data.description,
        size=len(data.data),
        content_type=content_type,
        storage_key="",
    )
    session.add(record)
    await session.flush()
    record.storage_key = files.store_blob(session, "projects", record.id, data.data)
    await session.flush()
    audit.record(session, principal, "project_file.create", "project_file", record.id, {"name": record.name})
    return _FILES.row(record)


async def update_file(session: AsyncSession, principal: Principal, file_id: int, data: FileUpdate) -> Row:
    record = await _FILES.locked(session, principal, file_id)
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "name", "description")
    if "name" in changes:
        changes["name"] = clean_file_name(changes["name"])
    if changes.get("action_id") is not None:
        await _link_target(session, principal, record.project_id, changes["action_id"])
    for name, value in changes.items():
        setattr(record, name, value)
    await session.flush()
    audit.record(session, principal, "project_file.update", "project_file", file_id, changes)
    return _FILES.row(record)


async def delete_file(session: AsyncSession, principal: Principal, file_id: int) -> Row:
    """Delete a file (a first version takes its later versions with it); the bytes go once the change commits."""
    record = await _FILES.locked(session, principal, file_id)
    versions = await repo.rows_where(session, repo.FILES, repo.FILES.c.thread_id == file_id)
    for key in [record.storage_key, *(version["storage_key"] for version in versions)]:
        files.remove_after_commit(session, key)
    return await _FILES.remove(session, principal, record)


# Invoicing the time


def time_amount_minor(rate_minor: int, duration_seconds: int) -> int:
    """The price of ``duration_seconds`` at ``rate_minor`` an hour, rounded half up to a minor unit."""
    return (rate_minor * duration_seconds + 1800) // 3600


async def invoice_time(
    session: AsyncSession, principal: Principal, project_id: int, *, per_action: bool = False, due_in_days: int = 14
) -> Row:
    """Invoice the project's billable, uninvoiced time logs to its customer, one line per log (or per action),
    each at its log's rate. Each log is invoiced once: the project is locked first, and the logs are claimed for
    the invoice only where still unclaimed (a request that loses a race is refused, its invoice undone)."""
    project = await _PROJECTS.locked(session, principal, project_id)
    if project.customer_id is None:
        raise ValidationFailed.field("customer_id", "The project has no customer to invoice.")
    logs = await repo.uninvoiced_time_logs(session, project_id)
    if not logs:
        raise Conflict("The project has no billable time left to invoice.")
    lines: dict[Any, tuple[str, int]] = {}
    for log in logs:
        key = log["action_id"] if per_action else log["id"]
        hours = log["duration_seconds"] / 3600
        label = log["description"] or "Time"
        text = f"{project.title}: {label} ({hours:.2f} h)" if not per_action else f"{project.title}: time"
        before = lines.get(key, (text, 0))
        lines[key] = (before[0], before[1] + time_amount_minor(log["rate_minor"], log["duration_seconds"]))
    if per_action:
        titles = await repo.rows_where(
            session, repo.ACTIONS, repo.ACTIONS.c.id.in_([key for key in lines if key is not None])
        )
        for action in titles:
            lines[action["id"]] = (f"{project.title}: {action['title']}", lines[action["id"]][1])
    items = [billing.NewItem(description=text, amount_minor=amount) for text, amount in lines.values()]
    invoice = await billing.issue_invoice(
        session, principal, project.customer_id, items=items, due_on=clock.today() + timedelta(days=due_in_days)
    )
    ids = [log["id"] for log in logs]
    if await repo.claim_time_logs(session, ids, invoice.id) != len(ids):
        raise Conflict("These time logs were invoiced meanwhile.")
    audit.record(session, principal, "project.invoice", "project", project_id, {"invoice_id": invoice.id})
    return {
        "invoice_id": invoice.id,
        "time_log_ids": ids,
        "total_minor": invoice.total_minor,
        "currency": invoice.currency,
    }


# Tickets (the support domain's) and their links to projects


async def list_tickets(
    session: AsyncSession,
    principal: Principal,
    *,
    project_id: int | None = None,
    action_id: int | None = None,
    filters: Filters,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """Support tickets, each with its ``link`` to a project (or ``None``). With ``project_id`` or ``action_id``,
    only the tickets linked to it."""
    query_filters = {name: str(value) for name, value in filters.items() if value is not None}
    if project_id is not None or action_id is not None:
        ids = await repo.linked_ticket_ids(session, principal, project_id=project_id, action_id=action_id)
        tickets = await support.tickets_with_ids(session, principal, ids[offset : offset + limit])
        total = len(ids)
    else:
        page = offset // limit + 1
        result = await support.list_tickets(
            session, principal, ListQuery(page=page, per_page=limit, filters=query_filters)
        )
        tickets, total = result.items, result.total
    links = await repo.links_of_tickets(session, principal, [ticket["id"] for ticket in tickets])
    return [{**ticket, "link": links.get(ticket["id"])} for ticket in tickets], total


async def get_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> Row:
    ticket = await support.get_ticket(session, principal, ticket_id, with_replies=False)
    links = await repo.links_of_tickets(session, principal, [ticket_id])
    return {**ticket, "link": links.get(ticket_id)}


list_ticket_links = _TICKET_LINKS.find
get_ticket_link = _TICKET_LINKS.get
delete_ticket_link = _TICKET_LINKS.delete


async def _link_target(
    session: AsyncSession, principal: Principal, project_id: int | None, action_id: int | None
) -> int:
    if action_id is not None:
        action = await repo.one(session, repo.ACTIONS, principal, action_id)
        if action is None or (project_id is not None and action["project_id"] != project_id):
            raise ValidationFailed.field("action_id", "The action_id does not exist in this project.")
        project_id = action["project_id"]
    if project_id is None:
        raise ValidationFailed.field("project_id", "The project_id is required.")
    await _check_reference("project_id", get_project(session, principal, project_id))
    return project_id


async def create_ticket_link(session: AsyncSession, principal: Principal, data: TicketLinkCreate) -> Row:
    project_id = await _link_target(session, principal, data.project_id, data.action_id)
    await _check_reference("ticket_id", support.get_ticket(session, principal, data.ticket_id, with_replies=False))
    if await repo.links_of_tickets(session, principal, [data.ticket_id]):
        raise ValidationFailed.field("ticket_id", "The ticket is already linked to a project.")
    link = ProjectTicketLink(ticket_id=data.ticket_id, project_id=project_id, action_id=data.action_id)
    session.add(link)
    await session.flush()
    audit.record(session, principal, "project_ticket_link.create", "project_ticket_link", link.id, {})
    return _row(link)


async def update_ticket_link(session: AsyncSession, principal: Principal, link_id: int, data: TicketLinkUpdate) -> Row:
    link = await _TICKET_LINKS.locked(session, principal, link_id)
    changes = data.model_dump(exclude_unset=True)
    project_id = changes.get("project_id", link.project_id)
    action_id = changes.get("action_id", link.action_id if "project_id" not in changes else None)
    link.project_id = await _link_target(session, principal, project_id, action_id)
    link.action_id = action_id
    await session.flush()
    audit.record(session, principal, "project_ticket_link.update", "project_ticket_link", link_id, changes)
    return _row(link)
