"""The wbTeamPro document's wire: domain rows in its field names and words, its envelope around every answer
(success or error), and its two formats.

One translation table per resource (``FIELDS``): the domain's names on the left, the document's on the right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from hostlane.core import money
from hostlane.core.formats import JSON, XML, dump_json, dump_xml
from hostlane.faces.common import ErrorInfo
from hostlane.faces.values import seconds_text
from hostlane.models import ActionStatus, ProjectStatus, TicketPriority, TicketStatus

Row = dict[str, Any]

# Rates print with two decimals (the currency is the project's customer's).
RATE_CURRENCY = "USD"

PROJECT_STATUS = {
    ProjectStatus.PENDING: "Pending",
    ProjectStatus.ACTIVE: "Active",
    ProjectStatus.ON_HOLD: "On Hold",
    ProjectStatus.COMPLETED: "Completed",
    ProjectStatus.CANCELLED: "Cancelled",
}
ACTION_STATUS = {
    ActionStatus.PENDING: "Pending",
    ActionStatus.IN_PROGRESS: "In Progress",
    ActionStatus.COMPLETED: "Completed",
}
TICKET_STATUS = {
    TicketStatus.OPEN: "Open",
    TicketStatus.ANSWERED: "Answered",
    TicketStatus.CUSTOMER_REPLY: "Customer-Reply",
    TicketStatus.CLOSED: "Closed",
}
TICKET_URGENCY = {TicketPriority.LOW: "Low", TicketPriority.MEDIUM: "Medium", TicketPriority.HIGH: "High"}

# domain name -> the document's name, per resource (inputs read the same table backwards).
FIELDS: dict[str, dict[str, str]] = {
    "projects": {
        "id": "project_id",
        "title": "title",
        "description": "description",
        "customer_id": "client_id",
        "service_id": "service_id",
        "status": "status",
        "started_on": "date_start",
        "due_on": "date_due",
        "completed_on": "date_completed",
        "administrator_ids": "admin_ids",
    },
    "actions": {
        "id": "action_id",
        "project_id": "project_id",
        "title": "title",
        "description": "description",
        "status": "status",
        "assignee_id": "admin_id",
        "due_on": "date_due",
        "completed_at": "date_completed",
        "position": "sort_order",
    },
    "topics": {
        "id": "topic_id",
        "project_id": "project_id",
        "action_id": "action_id",
        "thread_id": "thread_id",
        "author_id": "admin_id",
        "title": "title",
        "body": "message",
    },
    "timelogs": {
        "id": "timelog_id",
        "project_id": "project_id",
        "action_id": "action_id",
        "administrator_id": "admin_id",
        "description": "description",
        "started_at": "start",
        "ended_at": "end",
        "duration_seconds": "duration",
        "rate_minor": "rate",
        "billable": "billable",
        "invoice_id": "invoice_id",
    },
    "files": {
        "id": "file_id",
        "project_id": "project_id",
        "action_id": "action_id",
        "thread_id": "thread_id",
        "uploader_id": "admin_id",
        "name": "name",
        "description": "description",
        "size": "size",
        "content_type": "type",
    },
    "ticketxrefs": {"id": "xref_id", "ticket_id": "ticket_id", "project_id": "project_id", "action_id": "action_id"},
    "whmcstickets": {
        "id": "id",
        "number": "tid",
        "department_id": "deptid",
        "customer_id": "userid",
        "service_id": "service_id",
        "name": "name",
        "email": "email",
        "subject": "title",
        "body": "message",
        "status": "status",
        "priority": "urgency",
        "assigned_to": "admin_id",
    },
}


# Fields an answer prints beyond the translated ones (computed, or the reads' own).
EXTRA_FIELDS: dict[str, list[str]] = {
    "projects": ["created", "updated"],
    "actions": ["created", "updated"],
    "topics": ["created", "updated", "replies (bythread)"],
    "timelogs": ["amount", "invoiced", "created", "updated"],
    "files": ["download", "created", "updated", "versions (bythread)"],
    "ticketxrefs": ["created", "updated"],
    "whmcstickets": ["date", "lastreply", "department", "ticketxref"],
}


def fields_of(resource: str) -> list[str]:
    """Every field an answer of ``resource`` prints."""
    return [*FIELDS[resource].values(), *EXTRA_FIELDS[resource]]


def moment(value: datetime | date | None) -> str | None:
    """WHMCS's ``2026-12-01 09:30:00`` (UTC) for a moment, ``2026-12-01`` for a day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return seconds_text(value)
    return value.isoformat()


def _renamed(resource: str, row: Row) -> Row:
    return {wire: row.get(name) for name, wire in FIELDS[resource].items()}


def _stamps(row: Row) -> Row:
    return {"created": moment(row.get("created_at")), "updated": moment(row.get("updated_at"))}


def project(row: Row) -> Row:
    out = _renamed("projects", row)
    out["status"] = PROJECT_STATUS[ProjectStatus(row["status"])]
    for name in ("date_start", "date_due", "date_completed"):
        out[name] = moment(out[name])
    out["admin_ids"] = list(row.get("administrator_ids") or [])
    return {**out, **_stamps(row)}


def action(row: Row) -> Row:
    out = _renamed("actions", row)
    out["status"] = ACTION_STATUS[ActionStatus(row["status"])]
    out["date_due"], out["date_completed"] = moment(out["date_due"]), moment(out["date_completed"])
    return {**out, **_stamps(row)}


def topic(row: Row) -> Row:
    out = {**_renamed("topics", row), **_stamps(row)}
    if "replies" in row:
        out["replies"] = [topic(reply) for reply in row["replies"]]
    return out


def timelog(row: Row) -> Row:
    out = _renamed("timelogs", row)
    out["start"], out["end"] = moment(row["started_at"]), moment(row["ended_at"])
    out["rate"] = money.format_amount(row["rate_minor"], RATE_CURRENCY)
    out["amount"] = money.format_amount(row["rate_minor"] * row["duration_seconds"] // 3600, RATE_CURRENCY)
    out["invoiced"] = row["invoice_id"] is not None
    return {**out, **_stamps(row)}


def file(row: Row) -> Row:
    out = {**_renamed("files", row), **_stamps(row)}
    out["download"] = f"files.{row['id']}.download"
    if "versions" in row:
        out["versions"] = [file(version) for version in row["versions"]]
    return out


def ticketxref(row: Row) -> Row:
    return {**_renamed("ticketxrefs", row), **_stamps(row)}


def whmcsticket(row: Row) -> Row:
    out = _renamed("whmcstickets", row)
    out["status"] = TICKET_STATUS[TicketStatus(row["status"])]
    out["urgency"] = TICKET_URGENCY[TicketPriority(row["priority"])]
    out["date"] = moment(row.get("created_at"))
    out["lastreply"] = moment(row.get("updated_at"))
    out["department"] = row.get("deptname")
    link = row.get("link")
    out["ticketxref"] = ticketxref(link) if link is not None else None
    return out


def time_invoice(done: Row) -> Row:
    """The invoice a project's time went on."""
    return {
        "invoice_id": done["invoice_id"],
        "timelog_ids": done["time_log_ids"],
        "total": money.format_amount(done["total_minor"], done["currency"]),
        "currency": done["currency"],
    }


# The envelope


@dataclass
class Call:
    """What the request asked, as the envelope's ``request`` echoes it."""

    action: str = ""
    method: str = "GET"
    format: str = "json"


CALL = "teampro.call"


def call_of(request: Request) -> Call:
    """The call the route recorded on the request, or a best guess from the path (a failure before routing)."""
    call = request.scope.get(CALL)
    if isinstance(call, Call):
        return call
    keys = [key for key in request.url.path.split("/") if key]
    fmt = keys[-1] if keys and keys[-1] in ("json", "xml") else "json"
    return Call(action="", method=request.method, format=fmt)


@dataclass
class Window:
    """A list's window and its filters, as ``response.data`` prints them."""

    total: int = 0
    limit: int = 0
    offset: int = 0
    filters: dict[str, Any] = field(default_factory=dict)

    def data(self) -> Row:
        pages = -(-self.total // self.limit) if self.limit else 0
        page = self.offset // self.limit + 1 if self.limit else 1
        return {
            "total": self.total,
            "page": page,
            "pages": pages,
            "limit": self.limit,
            "offset": self.offset,
            "filters": self.filters,
        }


class TeamProEnvelope(BaseModel):
    """The document's envelope, an error's too: ``request`` {action, method, format, code, message} and ``response``
    {data {total, page, pages, limit, offset, filters}, and ``errors`` {param: [messages]} on a refused param}."""

    request: dict[str, Any]
    response: dict[str, Any]


MESSAGES = {200: "Success", 201: "Created"}


def envelope(
    request: Request, status: int, body: Row, window: Window | None = None, *, message: str | None = None
) -> Response:
    call = call_of(request)
    document = {
        "request": {
            "action": call.action,
            "method": call.method,
            "format": call.format,
            "code": status,
            "message": message or MESSAGES.get(status, "Success"),
        },
        "response": {"data": (window or Window()).data(), **body},
    }
    if call.format == "xml":
        return Response(dump_xml(document, root="wbteampro"), status_code=status, media_type=XML)
    return Response(dump_json(document), status_code=status, media_type=JSON)


def error(request: Request, info: ErrorInfo) -> Response:
    """A failure in the envelope: ``request.code`` the status, ``request.message`` what went wrong (naming the
    param), ``response.errors`` each refused param's messages."""
    body: Row = {"errors": info.fields} if info.fields else {}
    response = envelope(request, info.status, body, message=info.message)
    response.headers.update(info.headers)
    return response
