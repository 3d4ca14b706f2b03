"""The application face's wire shapes: CLIENTXCMS's field names, Laravel's envelopes and errors.

Rows come straight from the database as mappings and are rendered once, here (no second
validation of what the database returned). Amounts are decimal strings (``"19.65"``), times are
Laravel's ISO form (``2026-11-23T10:30:00.000000Z``), dates ``YYYY-MM-DD``.

Hostlane stores its own words (``paid``, ``service``, ``customer_reply``); the tables below give the face's
words for them, and take them back where a client sends one (a filter, a ticket's new status).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from fastapi import Request, Response

from hostlane.config import get_settings
from hostlane.core.money import format_amount
from hostlane.core.pagination import ListQuery, Page
from hostlane.faces.common import ErrorInfo, laravel_error
from hostlane.faces.face import public_origin
from hostlane.faces.values import invoice_figures, invoice_state_message, utc_text
from hostlane.models import (
    InvoiceStatus,
    ItemType,
    PaymentMethod,
    ReplyType,
    ServiceStatus,
    TicketPriority,
    TicketStatus,
)

Row = Mapping[str, Any]


def _titled(words: type[enum.StrEnum]) -> dict[str, str]:
    """Hostlane's words title-cased (``customer_reply`` → ``Customer-Reply``): this face's statuses are
    spelt as HostBill spells them, which is what its clients have always received."""
    return {word: "-".join(part.capitalize() for part in word.value.split("_")) for word in words}


INVOICE_STATUS_WORDS = _titled(InvoiceStatus)
ITEM_TYPE_WORDS = {**_titled(ItemType), ItemType.SERVICE: "Hosting"}  # HostBill's word for a service's charge
INVOICE_STATUS_FROM_WIRE = {word: status for status, word in INVOICE_STATUS_WORDS.items()}

# Tickets: CLIENTXCMS's three statuses. A customer's reply re-opens a ticket there: Hostlane's "customer_reply"
# (the customer spoke last) is its "open".
TICKET_STATUS_WORDS: dict[TicketStatus, str] = {
    TicketStatus.OPEN: "open",
    TicketStatus.ANSWERED: "answered",
    TicketStatus.CUSTOMER_REPLY: "open",
    TicketStatus.CLOSED: "closed",
}
# What a client's word sets when it changes a ticket's status.
TICKET_STATUS_FROM_WIRE: dict[str, TicketStatus] = {
    "open": TicketStatus.OPEN,
    "answered": TicketStatus.ANSWERED,
    "closed": TicketStatus.CLOSED,
}
TICKET_PRIORITY_WORDS: dict[TicketPriority, str] = {
    TicketPriority.LOW: "low",
    TicketPriority.MEDIUM: "medium",
    TicketPriority.HIGH: "high",
}
TICKET_PRIORITY_FROM_WIRE = {word: priority for priority, word in TICKET_PRIORITY_WORDS.items()}
CLOSED_BY_WORDS: dict[ReplyType, str] = {ReplyType.ADMIN: "admin", ReplyType.CLIENT: "customer"}


def _neutral_filter(query: ListQuery, name: str, table: Mapping[str, str]) -> ListQuery:
    """``filter[name]=Paid,Unpaid`` in Hostlane's words. A word the face does not know matches nothing,
    as it always has (it is never stored)."""
    if name not in query.filters:
        return query
    words = [table[word] for word in query.filters[name].split(",") if word in table]
    return replace(query, filters={**query.filters, name: ",".join(words)})


def invoice_query(query: ListQuery) -> ListQuery:
    return _neutral_filter(query, "status", INVOICE_STATUS_FROM_WIRE)


def ticket_query(query: ListQuery) -> ListQuery:
    return _filter_back(_filter_back(query, "status", TICKET_STATUS_WORDS), "priority", TICKET_PRIORITY_WORDS)


def _error_message(info: ErrorInfo) -> str:
    """The face's words for the domain errors that its document words itself."""
    if info.code == "missing_permission":
        return f"This API key lacks the permission '{info.context['permission']}'."
    if info.code == "invoice_state":
        return invoice_state_message(info, INVOICE_STATUS_WORDS)
    return info.message


# Refusals CLIENTXCMS answers with a status and words of its own (Hostlane's domain says 409, neutrally).
REFUSALS: dict[str, tuple[int, str]] = {
    "ticket_already_closed": (400, "Ticket is already closed"),
    "ticket_not_closed": (400, "Ticket is not closed"),
    "department_has_tickets": (403, "Unable to delete this department because it contains tickets."),
}


def _refusal(info: ErrorInfo) -> ErrorInfo:
    """A helpdesk refusal in CLIENTXCMS's status and words; a service's state in this face's words."""
    if info.code in REFUSALS:
        status, message = REFUSALS[info.code]
        return replace(info, status=status, message=message)
    if info.code == "illegal_transition":
        current, target = (SERVICE_STATUS_WORDS[ServiceStatus(info.context[k])] for k in ("current", "target"))
        return replace(info, message=f"The service cannot go from {current} to {target}.")
    if info.code == "service_is_live":
        word = SERVICE_STATUS_WORDS[ServiceStatus(info.context["status"])]
        return replace(info, message=f"The service is {word}; expire or cancel it before deleting it.")
    return info


def error(request: Request, info: ErrorInfo) -> Response:
    """Laravel's error shape, in this face's words."""
    info = _refusal(info)
    return laravel_error(request, replace(info, message=_error_message(info)))


def timestamp(value: dt.datetime | None) -> str | None:
    return utc_text(value, "%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value: int | None, currency: str) -> str | None:
    return format_amount(value, currency) if value is not None else None


def customer(row: Row) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "email": row["email"],
        "firstname": row["firstname"],
        "lastname": row["lastname"],
        "companyname": row["companyname"],
        "address1": row["address1"],
        "address2": row["address2"],
        "city": row["city"],
        "state": row["state"],
        "postcode": row["postcode"],
        "country": row["country"],
        "phone": row["phone"],
        "locale": row["locale"],
        "currency": row["currency"],
        "balance": format_amount(row["credit_minor"], row["currency"]),
        "verified": row["email_verified_at"] is not None,
        "email_verified_at": timestamp(row["email_verified_at"]),
        "status": str(row["status"]),
        "taxexempt": row["taxexempt"],
        "notes": row["notes"],
        "last_login": timestamp(row["last_login_at"]),
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }
    if "services" in row:
        out["services"] = [service(item) for item in row["services"]]
    return out


def group(row: Row) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "name": row["name"],
        "slug": row["slug"],
        "description": row["description"],
        "status": str(row["status"]),
        "sort_order": row["sort_order"],
        "pinned": row["pinned"],
        "parent_id": row["parent_id"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }
    if "products" in row:
        out["products"] = [product(item) for item in row["products"]]
    if "groups" in row:
        out["groups"] = [group(item) for item in row["groups"]]
    return out


def product(row: Row) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "status": str(row["status"]),
        "group_id": row["group_id"],
        "stock": row["stock"],
        "pinned": row["pinned"],
        "sort_order": row["sort_order"],
        "type": row["type"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }
    if "pricing" in row:
        out["pricing"] = [pricing(item) for item in row["pricing"]]
    if "group" in row:
        out["group"] = group(row["group"]) if row["group"] is not None else None
    return out


PRICE_NAMES = ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")


def pricing(row: Row) -> dict[str, Any]:
    currency = row["currency"]
    out: dict[str, Any] = {
        "id": row["id"],
        "product_id": row["product_id"],
        "related_id": row["product_id"],
        "related_type": "product",
        "currency": currency,
    }
    for name in PRICE_NAMES:
        out[name] = _amount(row[name], currency)
    for name in PRICE_NAMES:
        out[f"setup_{name}"] = _amount(row[f"setup_{name}"], currency)
    out["created_at"] = timestamp(row["created_at"])
    out["updated_at"] = timestamp(row["updated_at"])
    if "product" in row:
        out["product"] = product(row["product"]) if row["product"] is not None else None
    return out


# Services: CLIENTXCMS's statuses. It has no "terminated": a service whose module account is gone is "expired"
# there (its expire action terminates the account). "hidden" (an expired service kept out of the customer's
# sight) is a word of theirs Hostlane never stores: a filter on it matches nothing.
SERVICE_STATUS_WORDS: dict[ServiceStatus, str] = {
    ServiceStatus.PENDING: "pending",
    ServiceStatus.ACTIVE: "active",
    ServiceStatus.SUSPENDED: "suspended",
    ServiceStatus.EXPIRED: "expired",
    ServiceStatus.TERMINATED: "expired",
    ServiceStatus.CANCELLED: "cancelled",
}


def _statuses_of(words: Mapping[Any, str], wanted: str) -> list[str]:
    """Hostlane's statuses that a table words as one of ``wanted`` (a comma list of the face's words)."""
    asked = set(wanted.split(","))
    return [str(status) for status, word in words.items() if word in asked]


def _filter_back(query: ListQuery, name: str, words: Mapping[Any, str]) -> ListQuery:
    """``filter[name]=expired`` in Hostlane's words, where a face's word may stand for several of them; a word
    the table does not print matches nothing."""
    if name not in query.filters:
        return query
    return replace(query, filters={**query.filters, name: ",".join(_statuses_of(words, query.filters[name]))})


def service_query(query: ListQuery) -> ListQuery:
    return _filter_back(query, "status", SERVICE_STATUS_WORDS)


def service(row: Row) -> dict[str, Any]:
    """CLIENTXCMS's service: its model's columns (``server_id``, ``trial_ends_at``, ``max_renewals`` and
    ``description`` are features Hostlane has not, so null), then Hostlane's own price, next due date and
    delivery state. ``expires_at`` is the date the service is paid until."""
    status = row["status"]
    out = {
        "id": row["id"],
        "uuid": row["uuid"],
        "customer_id": row["customer_id"],
        "name": row["name"],
        "type": row["type"],
        "billing": str(row["billing"]),
        "currency": row["currency"],
        "server_id": None,
        "product_id": row["product_id"],
        "invoice_id": row.get("invoice_id"),
        "status": SERVICE_STATUS_WORDS[status],
        "expires_at": timestamp(row["expires_at"]),
        "suspended_at": timestamp(row["suspended_at"]),
        "suspend_reason": row["suspend_reason"],
        "cancelled_at": timestamp(row["cancelled_at"]),
        "cancelled_reason": row["cancelled_reason"],
        "is_cancelled": status == ServiceStatus.CANCELLED,
        "notes": row["notes"],
        "description": None,
        "data": row["data"] or {},
        "delivery_errors": row["delivery_errors"],
        "delivery_attempts": row["delivery_attempts"],
        "renewals": row["renewals"],
        "max_renewals": None,
        "trial_ends_at": None,
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "price": format_amount(row["price_minor"], row["currency"]),
        "next_due_date": day(row["next_due_date"]),
        "delivery_status": str(row["delivery_status"]),
        "delivery_action": row["delivery_action"],
    }
    if "customer" in row:
        out["customer"] = customer(row["customer"]) if row["customer"] is not None else None
    if "product" in row:
        out["product"] = product(row["product"]) if row["product"] is not None else None
    return out


def saved_payment_method(method: PaymentMethod, customer_id: int) -> dict[str, Any]:
    return {
        "id": method.id,
        "customer_id": customer_id,
        "gateway": method.gateway,
        "brand": method.brand,
        "last4": method.last4,
        "is_default": method.is_default,
    }


def _pages(request: Request, page: Page) -> dict[str, Any]:
    """What both of Laravel's paginators say about a page: its number, bounds, URLs and the numbered links."""
    query, last = page.query, page.last_page
    # From HOSTLANE_PUBLIC_URL, or the request's host where it can be believed; else relative (see public_origin).
    base = public_origin(request, get_settings()) + request.url.path

    def url(number: int) -> str:
        return f"{base}?{request.url.include_query_params(page=number).query}"

    previous = url(query.page - 1) if query.page > 1 else None
    following = url(query.page + 1) if query.page < last else None
    window = range(max(1, query.page - 3), min(last, query.page + 3) + 1)
    links = [{"url": previous, "label": "&laquo; Previous", "active": False}]
    links += [{"url": url(n), "label": str(n), "active": n == query.page} for n in window]
    links.append({"url": following, "label": "Next &raquo;", "active": False})
    return {
        "current_page": query.page,
        "first_page_url": url(1),
        "from": query.offset + 1 if page.items else None,
        "last_page": last,
        "last_page_url": url(last),
        "links": links,
        "next_page_url": following,
        "path": base,
        "per_page": query.per_page,
        "prev_page_url": previous,
        "to": query.offset + len(page.items) if page.items else None,
        "total": page.total,
    }


def paginated(request: Request, page: Page, item: Callable[[Row], dict[str, Any]]) -> dict[str, Any]:
    """Laravel's resource-collection envelope: ``data``, ``links`` and ``meta`` (customers, services, invoices)."""
    about = _pages(request, page)
    return {
        "data": [item(row) for row in page.items],
        "links": {
            "first": about["first_page_url"],
            "last": about["last_page_url"],
            "prev": about["prev_page_url"],
            "next": about["next_page_url"],
        },
        "meta": {
            name: about[name]
            for name in ("current_page", "from", "last_page", "links", "path", "per_page", "to", "total")
        },
    }


def flat_paginated(request: Request, page: Page, item: Callable[[Row], dict[str, Any]]) -> dict[str, Any]:
    """Laravel's plain paginator, as CLIENTXCMS answers a list it does not wrap in a resource collection
    (products, groups, pricings, the helpdesk): ``current_page``, ``data``, ``first_page_url`` … ``total``."""
    about = _pages(request, page)
    return {"current_page": about.pop("current_page"), "data": [item(row) for row in page.items], **about}


def action_result(row: Row, message: str, at: dt.datetime) -> dict[str, Any]:
    """What CLIENTXCMS answers to suspend / unsuspend / expire: the service, and the outcome as its state-change
    object serialises (the service again, ``success``, ``message``, ``created_at`` and the module's ``data``: none
    here, as the module is called by a job after the answer)."""
    shown = service(row)
    return {
        "data": shown,
        "result": {"service": shown, "success": True, "message": message, "created_at": timestamp(at), "data": []},
    }


def invoice(row: Row) -> dict[str, Any]:
    currency = row["currency"]
    out: dict[str, Any] = {
        "id": row["id"],
        "number": row["number"],
        "customer_id": row["customer_id"],
        "order_id": row["order_id"],
        "status": INVOICE_STATUS_WORDS[row["status"]],
        "date": day(row["date"]),
        "duedate": day(row["duedate"]),
        "paybefore": day(row["duedate"]),
        "datepaid": timestamp(row["datepaid"]),
        **invoice_figures(row, format_amount),
        "taxexempt": row["taxexempt"],
        "total": format_amount(row["total_minor"], currency),
        "paid": format_amount(row["paid_minor"], currency),
        "due": format_amount(row["due_minor"], currency),
        "currency": currency,
        "notes": row["notes"] or "",
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }
    if "items" in row:
        out["items"] = [invoice_item(item, currency) for item in row["items"]]
    if "payments" in row:
        out["payments"] = [payment(item) for item in row["payments"]]
    return out


def invoice_item(row: Row, currency: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "invoice_id": row["invoice_id"],
        "type": ITEM_TYPE_WORDS[row["type"]],
        "item_id": row["service_id"] or 0,
        "description": row["description"],
        "amount": format_amount(row["amount_minor"], currency),
        "taxed": row["taxed"],
        "qty": row["qty"],
        "linetotal": format_amount(row["linetotal_minor"], currency),
        "period_start": day(row["period_start"]),
        "period_end": day(row["period_end"]),
    }


def payment(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "invoice_id": row["invoice_id"],
        "gateway": row["gateway"],
        "transaction_id": row["reference"],
        "amount": format_amount(row["amount_minor"], row["currency"]),
        "currency": row["currency"],
        "status": str(row["status"]),
        "error": row["error"],
        "created_at": timestamp(row["created_at"]),
    }


def order(row: Row) -> dict[str, Any]:
    currency = row["currency"]
    return {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "status": str(row["status"]),
        "currency": currency,
        "invoice_id": row["invoice_id"],
        "items": [
            {
                "id": item["id"],
                "product_id": item["product_id"],
                "billing": str(item["billing"]),
                "qty": item["qty"],
                "price": format_amount(item["price_minor"], currency),
                "setup": format_amount(item["setup_minor"], currency),
                "options": item["options"] or {},
            }
            for item in row.get("items", [])
        ],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def department(row: Row) -> dict[str, Any]:
    """CLIENTXCMS's support department (Hostlane has no per-department staff subscribers: null)."""
    out: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "icon": row["icon"],
        "staff_subscribers": None,
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }
    if "tickets" in row:
        out["tickets"] = [ticket(item) for item in row["tickets"]]
    return out


def staff(row: Row | None) -> dict[str, Any] | None:
    """A staff member as CLIENTXCMS shows one beside a ticket: its public fields only (never an e-mail)."""
    if row is None:
        return None
    first, _, last = (row["name"] or "").strip().partition(" ")
    return {"id": row["id"], "username": row["login"], "firstname": first, "lastname": last.strip()}


def _message(
    ticket_row: Row,
    *,
    message_id: int | None,
    text: str,
    at: dt.datetime,
    by: Row | None,
    by_staff: bool,
) -> dict[str, Any]:
    """One message of a ticket, as CLIENTXCMS's message model serialises with its author (``customer`` or
    ``admin``). Hostlane keeps no per-message read or edit times: null."""
    author = ticket_row.get("customer") if not by_staff else None
    return {
        "id": message_id,
        "ticket_id": ticket_row["id"],
        "customer_id": None if by_staff else ticket_row["customer_id"],
        "admin_id": by["id"] if by is not None else None,
        "message": text,
        "read_at": None,
        "edited_at": None,
        "created_at": timestamp(at),
        "updated_at": timestamp(at),
        "customer": customer(author) if author is not None else None,
        "admin": staff(by),
    }


def messages(row: Row) -> list[dict[str, Any]]:
    """A ticket's messages: the text it was opened with (Hostlane keeps it on the ticket, so it has no id of its
    own: null), then each reply."""
    opener = row.get("opener")
    out = [
        _message(
            row,
            message_id=None,
            text=row["body"],
            at=row["created_at"],
            by=opener,
            by_staff=row["administrator_id"] is not None,
        )
    ]
    for reply in row["replies"]:
        by_staff = reply["type"] == ReplyType.ADMIN
        author = (
            {"id": reply["administrator_id"], "login": reply["admin_login"], "name": reply["admin_name"]}
            if by_staff and reply["administrator_id"] is not None
            else None
        )
        out.append(
            _message(
                row, message_id=reply["id"], text=reply["body"], at=reply["created_at"], by=author, by_staff=by_staff
            )
        )
    return out


def ticket(row: Row) -> dict[str, Any]:
    """CLIENTXCMS's support ticket: its model's columns (a related service as ``related_type``/``related_id``;
    no staff subscribers in Hostlane), then Hostlane's public ``number``; its ``customer``, ``department``,
    ``messages`` and ``assignedTo`` (under ``assigned_to``, as Laravel names the relation) when loaded."""
    closed_by = row["closed_by"]
    out: dict[str, Any] = {
        "id": row["id"],
        "uuid": row["uuid"],
        "department_id": row["department_id"],
        "customer_id": row["customer_id"],
        "subject": row["subject"],
        "status": TICKET_STATUS_WORDS[row["status"]],
        "priority": TICKET_PRIORITY_WORDS[row["priority"]],
        "related_type": "service" if row["service_id"] is not None else None,
        "related_id": row["service_id"],
        "staff_subscribers": None,
        "assigned_to": row["assigned_to"],
        "closed_at": timestamp(row["closed_at"]),
        "close_reason": row["close_reason"],
        "closed_by": CLOSED_BY_WORDS[ReplyType(closed_by)] if closed_by else None,
        "closed_by_id": row["customer_id"] if closed_by == ReplyType.CLIENT else None,
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "number": row["number"],
    }
    if "customer" in row:
        out["customer"] = customer(row["customer"]) if row["customer"] is not None else None
    if "department" in row:
        out["department"] = department(row["department"]) if row["department"] is not None else None
    if "replies" in row:
        out["messages"] = messages(row)
    if "assignedTo" in row:
        out["assigned_to"] = staff(row["assignedTo"])
    return out


def ticket_outcome(row: Row, message: str) -> dict[str, Any]:
    """What CLIENTXCMS answers to a ticket's reply, close or reopen: the outcome and the ticket."""
    return {"message": message, "ticket": ticket(row)}


def ip_pool(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "network": row["network"],
        "gateway": row["gateway"],
        "assigned": row["assigned"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def ip_address(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "address": row["address"],
        "pool_id": row["pool_id"],
        "pool": row["pool"],
        "network": row["network"],
        "gateway": row["gateway"],
        "service_id": row["service_id"],
        "created_at": timestamp(row["created_at"]),
    }


def pdu(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "address": row["address"],
        "outlets": row["outlets"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def pdu_port(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "pdu_id": row["pdu_id"],
        "pdu": row["pdu"],
        "outlet": row["outlet"],
        "label": row["label"],
        "service_id": row["service_id"],
        "created_at": timestamp(row["created_at"]),
    }
