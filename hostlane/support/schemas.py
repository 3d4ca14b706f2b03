"""What departments, tickets and replies are made from, in Hostlane's names (each face maps its document's)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from hostlane.core.fields import Id
from hostlane.models import TicketPriority, TicketStatus


def _one_line(value: str) -> str:
    """One line, as a mail subject must be: no control characters and no Unicode line breaks either."""
    if len(value.splitlines()) > 1 or any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValueError("must be a single line without control characters")
    return value


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), AfterValidator(_one_line)
]
# Message text is stored and shown as the customer typed it: never rendered as a template or as HTML.
MessageText = Annotated[str, StringConstraints(min_length=1, max_length=65535, pattern=r"\S")]
Description = Annotated[str, StringConstraints(max_length=65535)]
Icon = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64, pattern=r"^[A-Za-z0-9 _-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DepartmentCreate(_Model):
    name: Title
    description: Description = ""
    icon: Icon = "bi bi-question-circle"


class DepartmentUpdate(_Model):
    name: Title | None = None
    description: Description | None = None
    icon: Icon | None = None


class TicketOpen(_Model):
    """A ticket as it is opened, by its customer or by staff for a customer."""

    department_id: Id
    subject: Title
    body: MessageText
    priority: TicketPriority = TicketPriority.MEDIUM
    service_id: Id | None = None


class StaffTicketOpen(TicketOpen):
    customer_id: Id


class TicketUpdate(_Model):
    department_id: Id | None = None
    subject: Title | None = None
    priority: TicketPriority | None = None
    status: TicketStatus | None = None
    close_reason: Annotated[str, StringConstraints(max_length=65535)] | None = None
    assigned_to: Id | None = None  # a staff member's id; null unassigns


class ReplyIn(_Model):
    body: MessageText


class CloseIn(_Model):
    reason: Annotated[str, StringConstraints(max_length=65535)] | None = None
