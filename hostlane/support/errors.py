from __future__ import annotations

from hostlane.core.errors import Conflict, NotFound, ValidationFailed


class DepartmentNotFound(NotFound):
    message = "Department not found."


class TicketNotFound(NotFound):
    message = "Ticket not found."


class DepartmentHasTickets(Conflict):
    code = "department_has_tickets"
    message = "The department still has tickets; move them to another department first."


class UnknownDepartment(ValidationFailed):
    def __init__(self) -> None:
        message = "The selected department does not exist."
        super().__init__(message, fields={"department_id": [message]})


class TicketAlreadyClosed(Conflict):
    code = "ticket_already_closed"
    message = "The ticket is already closed."


class TicketNotClosed(Conflict):
    code = "ticket_not_closed"
    message = "The ticket is not closed."


class TicketClosed(Conflict):
    """A reply to a closed ticket where the face does not re-open it by replying (CLIENTXCMS's client API)."""

    code = "ticket_closed"
    message = "The ticket is closed; reopen it to reply."


class AttachmentNotFound(NotFound):
    message = "Attachment not found."
