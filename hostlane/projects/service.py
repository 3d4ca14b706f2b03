"""Rules of projects: what a project, an action, a topic, a time log and a ticket link may hold, and the reads
of each. Rows are returned as plain dicts in Hostlane's words; faces translate them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.config import get_settings
from hostlane.core import clock, files
from hostlane.core.errors import Conflict, HostlaneError, ValidationFailed
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


async def _project_model(
    session: AsyncSession, principal: Principal, project_id: int, *, lock: bool = False
) -> Project:
    project = await repo.get_model(session, Project, principal, project_id, lock=lock)
    if project is None:
        raise ProjectNotFound()
    return project


async def _action_model(
    session: AsyncSession, principal: Principal, action_id: int, *, lock: bool = False
) -> ProjectAction:
    action = await repo.get_model(session, ProjectAction, principal, action_id, lock=lock)
    if action is None:
        raise ActionNotFound()
    return action


# Projects


async def list_projects(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    return await repo.page(session, repo.PROJECTS, principal, filters=filters, limit=limit, offset=offset)


async def get_project(session: AsyncSession, principal: Principal, project_id: int) -> Row:
    row = await repo.one(session, repo.PROJECTS, principal, project_id)
    if row is None:
        raise ProjectNotFound()
    return row


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
    project = await _project_model(session, principal, project_id, lock=True)
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
    project = await _project_model(session, principal, project_id, lock=True)
    row = _row(project)
    for stored in await repo.rows_where(session, repo.FILES, repo.FILES.c.project_id == project_id):
        files.remove_after_commit(session, stored["storage_key"])
    await session.delete(project)
    await session.flush()
    audit.record(session, principal, "project.delete", "project", project_id)
    return row


# Actions


async def list_actions(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    return await repo.page(session, repo.ACTIONS, principal, filters=filters, limit=limit, offset=offset)


async def get_action(session: AsyncSession, principal: Principal, action_id: int) -> Row:
    row = await repo.one(session, repo.ACTIONS, principal, action_id)
    if row is None:
        raise ActionNotFound()
    return row


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
    action = await _action_model(session, principal, action_id, lock=True)
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


async def delete_action(session: AsyncSession, principal: Principal, action_id: int) -> Row:
    action = await _action_model(session, principal, action_id, lock=True)
    row = _row(action)
    await session.delete(action)
    await session.flush()
    audit.record(session, principal, "project_action.delete", "project_action", action_id)
    return row


# Topics


async def list_topics(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    return await repo.page(session, repo.TOPICS, principal, filters=filters, limit=limit, offset=offset)


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


async def get_topic(session: AsyncSession, principal: Principal, topic_id: int) -> Row:
    row = await repo.one(session, repo.TOPICS, principal, topic_id)
    if row is None:
        raise TopicNotFound()
    return row


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
    topic = await repo.get_model(session, ProjectTopic, principal, topic_id, lock=True)
    if topic is None:
        raise TopicNotFound()
    changes = data.model_dump(exclude_unset=True)
    ValidationFailed.refuse_nulls(changes, "title", "body")
    for name, value in changes.items():
        setattr(topic, name, value)
    await session.flush()
    audit.record(session, principal, "project_topic.update", "project_topic", topic_id, changes)
    return _row(topic)


async def delete_topic(session: AsyncSession, principal: Principal, topic_id: int) -> Row:
    """Delete a topic; deleting a thread's first topic deletes its replies."""
    topic = await repo.get_model(session, ProjectTopic, principal, topic_id, lock=True)
    if topic is None:
        raise TopicNotFound()
    row = _row(topic)
    await session.delete(topic)
    await session.flush()
    audit.record(session, principal, "project_topic.delete", "project_topic", topic_id)
    return row


# Time logs


async def list_time_logs(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    return await repo.page(session, repo.TIME_LOGS, principal, filters=filters, limit=limit, offset=offset)


async def get_time_log(session: AsyncSession, principal: Principal, time_log_id: int) -> Row:
    row = await repo.one(session, repo.TIME_LOGS, principal, time_log_id)
    if row is None:
        raise TimeLogNotFound()
    return row


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
    log = await repo.get_model(session, ProjectTimeLog, principal, time_log_id, lock=True)
    if log is None:
        raise TimeLogNotFound()
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


async def delete_time_log(session: AsyncSession, principal: Principal, time_log_id: int) -> Row:
    log = await repo.get_model(session, ProjectTimeLog, principal, time_log_id, lock=True)
    if log is None:
        raise TimeLogNotFound()
    row = _row(log)
    await session.delete(log)
    await session.flush()
    audit.record(session, principal, "project_time_log.delete", "project_time_log", time_log_id)
    return row


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


def _file_row(model: ProjectFile) -> Row:
    row = _row(model)
    del row["storage_key"]
    return row


async def list_files(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    rows, total = await repo.page(session, repo.FILES, principal, filters=filters, limit=limit, offset=offset)
    return [{k: v for k, v in row.items() if k != "storage_key"} for row in rows], total


async def list_file_threads(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    """The first versions of files, each with its later ``versions`` in order (two queries)."""
    firsts, total = await list_files(
        session, principal, filters={**filters, "thread_id": None}, limit=limit, offset=offset
    )
    later = await repo.rows_where(session, repo.FILES, repo.FILES.c.thread_id.in_([row["id"] for row in firsts]))
    for first in firsts:
        first["versions"] = [
            {k: v for k, v in row.items() if k != "storage_key"} for row in later if row["thread_id"] == first["id"]
        ]
    return firsts, total


async def get_file(session: AsyncSession, principal: Principal, file_id: int) -> Row:
    row = await repo.one(session, repo.FILES, principal, file_id)
    if row is None:
        raise FileNotFound()
    del row["storage_key"]
    return row


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
    return _file_row(record)


async def update_file(session: AsyncSession, principal: Principal, file_id: int, data: FileUpdate) -> Row:
    record = await repo.get_model(session, ProjectFile, principal, file_id, lock=True)
    if record is None:
        raise FileNotFound()
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
    return _file_row(record)


async def delete_file(session: AsyncSession, principal: Principal, file_id: int) -> Row:
    """Delete a file (a first version takes its later versions with it); the bytes go once the change commits."""
    record = await repo.get_model(session, ProjectFile, principal, file_id, lock=True)
    if record is None:
        raise FileNotFound()
    row = _file_row(record)
    versions = await repo.rows_where(session, repo.FILES, repo.FILES.c.thread_id == file_id)
    for key in [record.storage_key, *(version["storage_key"] for version in versions)]:
        files.remove_after_commit(session, key)
    await session.delete(record)
    await session.flush()
    audit.record(session, principal, "project_file.delete", "project_file", file_id)
    return row


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
    project = await _project_model(session, principal, project_id, lock=True)
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


async def list_ticket_links(
    session: AsyncSession, principal: Principal, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Row], int]:
    return await repo.page(session, repo.TICKET_LINKS, principal, filters=filters, limit=limit, offset=offset)


async def get_ticket_link(session: AsyncSession, principal: Principal, link_id: int) -> Row:
    row = await repo.one(session, repo.TICKET_LINKS, principal, link_id)
    if row is None:
        raise TicketLinkNotFound()
    return row


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
    link = await repo.get_model(session, ProjectTicketLink, principal, link_id, lock=True)
    if link is None:
        raise TicketLinkNotFound()
    changes = data.model_dump(exclude_unset=True)
    project_id = changes.get("project_id", link.project_id)
    action_id = changes.get("action_id", link.action_id if "project_id" not in changes else None)
    link.project_id = await _link_target(session, principal, project_id, action_id)
    link.action_id = action_id
    await session.flush()
    audit.record(session, principal, "project_ticket_link.update", "project_ticket_link", link_id, changes)
    return _row(link)


async def delete_ticket_link(session: AsyncSession, principal: Principal, link_id: int) -> Row:
    link = await repo.get_model(session, ProjectTicketLink, principal, link_id, lock=True)
    if link is None:
        raise TicketLinkNotFound()
    row = _row(link)
    await session.delete(link)
    await session.flush()
    audit.record(session, principal, "project_ticket_link.delete", "project_ticket_link", link_id)
    return row
