"""Rules of support: who may open, answer, close and re-open a ticket, and what each does to its status.

A customer's reply makes a ticket ``customer_reply``, a staff reply ``answered`` (and mails the customer);
either re-opens a closed ticket. Reading a ticket in the client area marks it ``client_read``.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.errors import NotFound, Taken, ValidationFailed
from hostlane.core.files import path as file_path
from hostlane.core.files import store_blob
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.repository import Include, IncludeTable, apply_changes, changes_of
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import ReplyType, SupportAttachment, SupportDepartment, SupportReply, SupportTicket, TicketStatus
from hostlane.notifications import service as notifications
from hostlane.services import service as services
from hostlane.support import repository as repo
from hostlane.support.errors import (
    AttachmentNotFound,
    DepartmentHasTickets,
    TicketAlreadyClosed,
    TicketClosed,
    TicketNotClosed,
    TicketNotFound,
    UnknownDepartment,
)
from hostlane.support.schemas import (
    DepartmentCreate,
    DepartmentUpdate,
    ReplyIn,
    TicketOpen,
    TicketUpdate,
)

DEPARTMENT_SPEC, TICKET_SPEC = repo.DEPARTMENT_SPEC, repo.TICKET_SPEC
STAFF_SIGNATURE = "Support Staff"
# What a ticket may carry: the repository's relations, and its customer (read through customers, whose rows they
# are); the customer comes with the replies, as the author of the customer's messages.
TICKET_INCLUDES: IncludeTable = {
    **repo.TICKET.includes,
    "customer": Include(customers.by_ids, on="customer_id", one=True, aliases=frozenset({"replies", "messages"})),
}
# A ticket as a change answers it: with its replies, its customer and its department.
AFTER_CHANGE = frozenset({"replies", "customer", "department"})


def _is_customer(principal: Principal) -> bool:
    return principal.kind is PrincipalKind.CUSTOMER


# Departments


async def list_departments(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.DEPARTMENT.page(session, principal, query)


async def all_departments(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    return await repo.all_departments(session, principal)


async def get_department(
    session: AsyncSession, principal: Principal, department_id: int, *, includes: Collection[str] = frozenset()
) -> dict[str, Any]:
    return await repo.DEPARTMENT.one(session, principal, department_id, includes=includes)


async def create_department(session: AsyncSession, principal: Principal, data: DepartmentCreate) -> dict[str, Any]:
    if await repo.DEPARTMENT.taken(session, principal.livemode, "name", data.name, any_case=True):
        raise Taken("name")
    department = SupportDepartment(livemode=principal.livemode, **data.model_dump())
    await audit.created(session, principal, department, "department", data.model_dump())
    return await get_department(session, principal, department.id)


async def update_department(
    session: AsyncSession, principal: Principal, department_id: int, data: DepartmentUpdate
) -> dict[str, Any]:
    department = await repo.DEPARTMENT.locked(session, principal, department_id)
    changes = changes_of(data, "name", "description", "icon")
    if "name" in changes and await repo.DEPARTMENT.taken(
        session, principal.livemode, "name", changes["name"], except_id=department_id, any_case=True
    ):
        raise Taken("name")
    await apply_changes(session, department, changes, stamp=False)
    audit.record(session, principal, "department.update", "department", department_id, changes)
    return await get_department(session, principal, department_id)


async def delete_department(session: AsyncSession, principal: Principal, department_id: int) -> dict[str, Any]:
    await repo.DEPARTMENT.locked(session, principal, department_id)
    if await repo.department_has_tickets(session, department_id):
        raise DepartmentHasTickets()
    audit.record(session, principal, "department.delete", "department", department_id)
    return await repo.DEPARTMENT.remove(session, principal, department_id)


# Tickets


async def list_tickets(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.TICKET.page(session, principal, query, includes=TICKET_INCLUDES)


async def tickets_with_ids(session: AsyncSession, principal: Principal, ids: Collection[int]) -> list[dict[str, Any]]:
    """The readable tickets among ``ids``, by id, without replies (one query)."""
    return await repo.tickets_with_ids(session, principal, ids)


async def get_ticket(
    session: AsyncSession,
    principal: Principal,
    ticket_id: int,
    *,
    with_replies: bool = True,
    includes: Collection[str] | None = None,
) -> dict[str, Any]:
    """The ticket with ``includes`` (by default its replies, or nothing without ``with_replies``)."""
    wanted = includes if includes is not None else ({"replies"} if with_replies else ())
    return await repo.TICKET.one(session, principal, ticket_id, includes=wanted, table=TICKET_INCLUDES)


async def _answer(session: AsyncSession, principal: Principal, ticket_id: int) -> dict[str, Any]:
    return await get_ticket(session, principal, ticket_id, includes=AFTER_CHANGE)


async def ticket_id(session: AsyncSession, principal: Principal, number: int) -> int:
    """The id of the ticket with this public number, if the principal may see it."""
    found = await repo.ticket_id_by_number(session, principal, number)
    if found is None:
        raise TicketNotFound()
    return found


async def read_ticket(session: AsyncSession, principal: Principal, number: int) -> dict[str, Any]:
    """The ticket with its replies, as its customer reads it (which marks it read)."""
    ticket = await repo.TICKET.locked(session, principal, await ticket_id(session, principal, number))
    if _is_customer(principal) and not ticket.client_read:
        ticket.client_read = True
        await session.flush()
    return await get_ticket(session, principal, ticket.id)


async def _new_number(session: AsyncSession) -> int:
    """A random public number: six digits as HostBill prints them, more once six grow crowded."""
    digits = 6
    for attempt in range(40):
        if attempt and attempt % 8 == 0:
            digits += 1
        low = int(10 ** (digits - 1))
        number = low + secrets.randbelow(9 * low)
        if not await repo.number_taken(session, number):
            return number
    raise RuntimeError("no free ticket number found")  # pragma: no cover - 40 draws over growing ranges


async def _check_department(session: AsyncSession, principal: Principal, department_id: int) -> None:
    if await repo.DEPARTMENT.get(session, principal, department_id) is None:
        raise UnknownDepartment()


async def _check_service(session: AsyncSession, principal: Principal, service_id: int, customer_id: int) -> None:
    try:
        service = await services.get_service(session, principal, service_id)
    except NotFound:
        service = None
    if service is None or service["customer_id"] != customer_id:
        raise ValidationFailed.field("service_id", "The selected service_id is invalid.")


async def open_ticket(
    session: AsyncSession, principal: Principal, data: TicketOpen, *, customer_id: int | None = None
) -> dict[str, Any]:
    """A customer opens a ticket for itself; staff open one for ``customer_id`` (the customer is mailed)."""
    by_customer = _is_customer(principal)
    if by_customer:
        customer_id = principal.scope
    if customer_id is None:
        raise ValidationFailed.field("customer_id", "The customer_id field is required.")
    try:
        customer = await customers.get_customer(session, principal, customer_id)
    except NotFound:
        raise ValidationFailed.field("customer_id", "The selected customer_id is invalid.") from None
    await _check_department(session, principal, data.department_id)
    if data.service_id is not None:
        await _check_service(session, principal, data.service_id, customer_id)
    opener = None if by_customer else (await repo.staff_name(session, principal))[0]
    now = clock.now()
    ticket = SupportTicket(
        number=await _new_number(session),
        administrator_id=opener,
        livemode=principal.livemode,
        customer_id=customer_id,
        department_id=data.department_id,
        service_id=data.service_id,
        name=f"{customer['firstname']} {customer['lastname']}".strip(),
        email=customer["email"],
        subject=data.subject,
        body=data.body,
        status=TicketStatus.OPEN,
        priority=data.priority,
        client_read=by_customer,
        admin_read=not by_customer,
        created_at=now,
        updated_at=now,
    )
    await audit.created(
        session,
        principal,
        ticket,
        "ticket",
        {"number": ticket.number, "department_id": data.department_id, "subject": data.subject},
    )
    if not by_customer:
        notifications.queue(session, "ticket_opened", livemode=principal.livemode, ticket_id=ticket.id)
    return await _answer(session, principal, ticket.id)


async def reply(
    session: AsyncSession, principal: Principal, ticket_id: int, data: ReplyIn, *, reopens: bool = True
) -> dict[str, Any]:
    """Add a reply. It re-opens a closed ticket (``reopens=False``: a closed ticket refuses it, ``TicketClosed``);
    a staff reply is mailed to the customer. Returns the ticket with its replies."""
    ticket = await repo.TICKET.locked(session, principal, ticket_id)
    if not reopens and ticket.status is TicketStatus.CLOSED:
        raise TicketClosed()
    now = clock.now()
    if _is_customer(principal):
        entry = SupportReply(ticket_id=ticket.id, type=ReplyType.CLIENT, name=ticket.name, body=data.body)
        ticket.status, ticket.client_read, ticket.admin_read = TicketStatus.CUSTOMER_REPLY, True, False
    else:
        administrator_id, name = await repo.staff_name(session, principal)
        entry = SupportReply(
            ticket_id=ticket.id,
            type=ReplyType.ADMIN,
            name=name or STAFF_SIGNATURE,
            administrator_id=administrator_id,
            body=data.body,
        )
        ticket.status, ticket.client_read, ticket.admin_read = TicketStatus.ANSWERED, False, True
    entry.created_at = now
    ticket.updated_at, ticket.closed_at, ticket.closed_by, ticket.close_reason = now, None, None, None
    session.add(entry)
    await session.flush()
    audit.record(session, principal, "ticket.reply", "ticket", ticket.id, {"reply_id": entry.id})
    if entry.type is ReplyType.ADMIN:
        notifications.queue(session, "ticket_reply", livemode=principal.livemode, reply_id=entry.id)
    return await _answer(session, principal, ticket.id)


async def close_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, *, reason: str | None = None, strict: bool = False
) -> dict[str, Any]:
    """Close the ticket. Closing a closed ticket changes nothing (``strict``: it is a 409)."""
    ticket = await repo.TICKET.locked(session, principal, ticket_id)
    if ticket.status is TicketStatus.CLOSED:
        if strict:
            raise TicketAlreadyClosed()
        return await get_ticket(session, principal, ticket_id)
    now = clock.now()
    ticket.status, ticket.closed_at, ticket.updated_at = TicketStatus.CLOSED, now, now
    ticket.closed_by = "client" if _is_customer(principal) else "admin"
    ticket.close_reason = reason
    await session.flush()
    audit.record(session, principal, "ticket.close", "ticket", ticket_id, {"reason": reason})
    return await _answer(session, principal, ticket_id)


async def reopen_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, *, strict: bool = False
) -> dict[str, Any]:
    """Re-open a closed ticket as ``open``. Re-opening an open one changes nothing (``strict``: 409)."""
    ticket = await repo.TICKET.locked(session, principal, ticket_id)
    if ticket.status is not TicketStatus.CLOSED:
        if strict:
            raise TicketNotClosed()
        return await get_ticket(session, principal, ticket_id)
    ticket.status, ticket.updated_at = TicketStatus.OPEN, clock.now()
    ticket.closed_at, ticket.closed_by, ticket.close_reason = None, None, None
    await session.flush()
    audit.record(session, principal, "ticket.reopen", "ticket", ticket_id)
    return await _answer(session, principal, ticket_id)


async def update_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, data: TicketUpdate
) -> dict[str, Any]:
    ticket = await repo.TICKET.locked(session, principal, ticket_id)
    changes = changes_of(data, "department_id", "subject", "priority", "status")
    if "department_id" in changes:
        await _check_department(session, principal, changes["department_id"])
    if changes.get("assigned_to") is not None and not await repo.administrator_exists(session, changes["assigned_to"]):
        raise ValidationFailed.field("assigned_to", "The selected assigned_to is invalid.")
    if "status" in changes and changes["status"] is not ticket.status:
        closing = changes["status"] is TicketStatus.CLOSED
        ticket.closed_at = clock.now() if closing else None
        ticket.closed_by = "admin" if closing else None
        ticket.close_reason = ticket.close_reason if closing else None
    await apply_changes(session, ticket, changes)
    audit.record(session, principal, "ticket.update", "ticket", ticket_id, changes)
    return await _answer(session, principal, ticket_id)


async def delete_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> tuple[dict[str, Any], bool]:
    """As CLIENTXCMS: an open ticket is closed; a closed one is deleted with its replies. Says which."""
    ticket = await repo.TICKET.locked(session, principal, ticket_id)
    if ticket.status is not TicketStatus.CLOSED:
        return await close_ticket(session, principal, ticket_id), False
    row = await get_ticket(session, principal, ticket_id)
    await session.delete(ticket)
    audit.record(session, principal, "ticket.delete", "ticket", ticket_id, {"number": row["number"]})
    return row, True


async def get_reply(session: AsyncSession, principal: Principal, reply_id: int) -> dict[str, Any]:
    row = await repo.get_reply(session, principal, reply_id)
    if row is None:
        raise NotFound("Reply not found.")
    return row


# Attachments: files sent with a ticket or a reply, kept in the file store.

MAX_ATTACHMENTS = 5  # a message's files
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # a file's size


@dataclass(frozen=True)
class NewAttachment:
    """A file as its sender named it (the name is only shown) and its bytes."""

    name: str
    data: bytes


def _file_name(name: str) -> str:
    """The sender's file name without any path, control character or excess length."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    shown = "".join(ch for ch in base if ch.isprintable() and ch not in '"').strip()
    return shown[:255] or "attachment"


async def attach(
    session: AsyncSession,
    principal: Principal,
    ticket_id: int,
    files: Sequence[NewAttachment],
    *,
    reply_id: int | None = None,
) -> list[dict[str, Any]]:
    """Keep ``files`` with the ticket (and the reply they came with): at most ``MAX_ATTACHMENTS``, each at most
    ``MAX_ATTACHMENT_BYTES``, else a 422 on ``attachments`` and nothing is kept. The ticket's attachments."""
    ticket = await repo.TICKET.locked(session, principal, ticket_id)
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationFailed.field("attachments", f"At most {MAX_ATTACHMENTS} files may be attached.")
    for item in files:
        if len(item.data) > MAX_ATTACHMENT_BYTES:
            limit = MAX_ATTACHMENT_BYTES // (1024 * 1024)
            raise ValidationFailed.field("attachments", f"A file may hold at most {limit} MB.")
    for item in files:
        key = store_blob(session, "tickets", ticket.id, item.data)
        row = SupportAttachment(
            ticket_id=ticket.id, reply_id=reply_id, name=_file_name(item.name), size=len(item.data), file_key=key
        )
        await audit.created(session, principal, row, "ticket_attachment", {"ticket_id": ticket.id, "size": row.size})
    return await repo.attachments_of(session, ticket.id)


async def ticket_attachments(session: AsyncSession, principal: Principal, ticket_id: int) -> list[dict[str, Any]]:
    """The attachments of a ticket the principal may read."""
    await get_ticket(session, principal, ticket_id, with_replies=False)
    return await repo.attachments_of(session, ticket_id)


async def read_attachment(
    session: AsyncSession, principal: Principal, ticket_id: int, attachment_id: int
) -> tuple[dict[str, Any], bytes]:
    """One attachment of a ticket the principal may read, and its bytes."""
    await get_ticket(session, principal, ticket_id, with_replies=False)
    row = await repo.attachment_of(session, ticket_id, attachment_id)
    stored = file_path(row["file_key"]) if row is not None else None
    if row is None or stored is None or not stored.is_file():
        raise AttachmentNotFound()
    return row, stored.read_bytes()
