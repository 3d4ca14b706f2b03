"""The application face's wire shapes: CLIENTXCMS's field names, Laravel's envelopes and errors.

Rows come straight from the database as mappings and are rendered once, here (no second
validation of what the database returned). Amounts are decimal strings (``"19.65"``), times are
Laravel's ISO form (``2026-11-23T10:30:00.000000Z``), dates ``YYYY-MM-DD``.

Hostlane stores its own words (``paid``, ``service``, ``customer_reply``); the tables below give the face's
words for them, and take them back where a client sends one (a filter, a ticket's new status).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from fastapi import Request, Response

from hostlane.billing import service as billing
from hostlane.config import get_settings
from hostlane.core.money import format_amount, to_decimal, to_number
from hostlane.core.pagination import ListQuery, ListSpec, Match, Page
from hostlane.faces.common import ErrorInfo, laravel_error
from hostlane.faces.face import page_urls, public_origin
from hostlane.faces.values import invoice_state_message, laravel_time, plain_time, rate
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


# An invoice's status in CLIENTXCMS's words (its Invoice::STATUS_*). Unpaid is its "pending": issued, awaiting
# payment. Collections (HostBill's: payment failed and the debt was handed on; kept from migrated data, never set by
# Hostlane) is its "failed": still owed, its payment failed. A declined card leaves a Hostlane invoice unpaid (a
# failed payment on a pending invoice), so no other invoice reads "failed".
INVOICE_STATUS_WORDS: dict[str, str] = {
    InvoiceStatus.DRAFT: "draft",
    InvoiceStatus.UNPAID: "pending",
    InvoiceStatus.PAID: "paid",
    InvoiceStatus.CANCELLED: "cancelled",
    InvoiceStatus.REFUNDED: "refunded",
    InvoiceStatus.COLLECTIONS: "failed",
}
# An invoice line's type in CLIENTXCMS's words: a service's charge for a period is "service" on the invoice of an
# order and "renewal" on any other (RENEWAL); staff's own line is a "custom_item". CLIENTXCMS folds a setup fee
# into its service's line (``unit_setup_ht``); Hostlane's own setup line says "setup", its fee in ``unit_setup_ht``.
ITEM_TYPE_WORDS = {
    ItemType.SERVICE: "service",
    ItemType.SETUP: "setup",
    ItemType.OTHER: "custom_item",
    ItemType.METERED: "usage",  # a month's metered displays of a CMS instance (partners' usage)
    ItemType.DISCOUNT: "discount",  # a coupon's discount (a negative price)
}
RENEWAL = "renewal"
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


# What an invoice list accepts, in CLIENTXCMS's names (its InvoiceController's filters, sorts and includes, and
# Hostlane's own), and the domain's name of each that differs.
INVOICE_LIST = ListSpec(
    filters={
        "id": Match.INTEGER,
        "customer_id": Match.INTEGER,
        "status": Match.EXACT,
        "invoice_number": Match.EXACT,
        "currency": Match.EXACT,
        "order_id": Match.INTEGER,
    },
    sorts=frozenset({"id", "customer_id", "status", "amount", "total", "due_date", "created_at", "updated_at"}),
    includes=billing.LIST_SPEC.includes,
)
INVOICE_NAMES = {"invoice_number": "number", "amount": "total", "due_date": "duedate"}


def invoice_query(query: ListQuery) -> ListQuery:
    """``filter[status]=pending,paid``, ``filter[invoice_number]`` and ``sort=-due_date`` in the domain's words."""
    query = _neutral_filter(query, "status", INVOICE_STATUS_FROM_WIRE)
    return replace(
        query,
        filters={INVOICE_NAMES.get(name, name): value for name, value in query.filters.items()},
        sort=[(INVOICE_NAMES.get(name, name), descending) for name, descending in query.sort],
    )


def ticket_query(query: ListQuery) -> ListQuery:
    return _filter_back(_filter_back(query, "status", TICKET_STATUS_WORDS), "priority", TICKET_PRIORITY_WORDS)


# How CLIENTXCMS refuses what an invoice's status forbids, where it answers its own way: the domain's action ->
# (status code, message). Any other action is a 409 with the domain's sentence in this face's status words.
INVOICE_REFUSALS = {
    "issued": (400, "The invoice is not in drafts"),
    "taken back to draft": (400, "This invoice cannot be changed"),
    "sent": (400, "Only a pending invoice can be sent to the customer"),
    "deleted": (403, "Invoice cannot be deleted"),
}
EMPTY_INVOICE = "No items have been added to this invoice"


def _error_message(info: ErrorInfo) -> str:
    """The face's words for the domain errors that its document words itself."""
    if info.code == "invoice_state":
        return invoice_state_message(info, INVOICE_STATUS_WORDS)
    return info.message


# The header naming the permission a refused key lacks (CLIENTXCMS's body only says "Invalid ability provided.").
MISSING_PERMISSION_HEADER = "X-Missing-Permission"
# Refusals CLIENTXCMS answers with a status and words of its own (Hostlane's domain says 409, neutrally).
REFUSALS: dict[str, tuple[int, str]] = {
    "ticket_already_closed": (400, "Ticket is already closed"),
    "ticket_not_closed": (400, "Ticket is not closed"),
    "department_has_tickets": (403, "Unable to delete this department because it contains tickets."),
}


def _refusal(info: ErrorInfo) -> ErrorInfo:
    """A helpdesk refusal in CLIENTXCMS's status and words; a service's state in this face's words."""
    if info.code == "missing_permission":
        # Sanctum's words, as the real one answers; the permission it lacks goes in a header of its own.
        headers = {**info.headers, MISSING_PERMISSION_HEADER: str(info.context["permission"])}
        return replace(info, message="Invalid ability provided.", headers=headers)
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


def _invoice_refusal(info: ErrorInfo) -> ErrorInfo:
    """An invoice refusal as CLIENTXCMS answers it (a 400 or 403 with its message alone), else ``info``."""
    if info.code == "invoice_state" and info.context.get("action") in INVOICE_REFUSALS:
        status, message = INVOICE_REFUSALS[str(info.context["action"])]
        return replace(info, status=status, message=message)
    if info.code == "invoice_empty":
        return replace(info, status=400, message=EMPTY_INVOICE, fields={})
    return replace(info, message=_error_message(info))


def error(request: Request, info: ErrorInfo) -> Response:
    """Laravel's error shape, in this face's words."""
    return laravel_error(request, _invoice_refusal(_refusal(info)))


# Laravel's time (``2026-11-23T10:30:00.000000Z``): the function itself, not a call more per time of every row.
timestamp = laravel_time


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value: int | None, currency: str) -> str | None:
    return format_amount(value, currency) if value is not None else None


def customer(row: Row) -> dict[str, Any]:
    """A customer as CLIENTXCMS serialises its model: its names, in its order (Hostlane's ``address1`` is
    ``address``, ``state`` is ``region``, ``postcode`` is ``zipcode``, ``companyname`` is ``company_name``, the
    credit is ``balance``, a number; ``is_confirmed`` says the e-mail is verified). Not rendered: what Hostlane
    does not keep (``dark_mode``, ``gdpr_compliment``) and what no API should show (its ``totp_secret``,
    ``confirmation_token``). Last, Hostlane's own facts: ``currency``, ``status``, ``taxexempt``, ``updated_at``,
    ``partner`` (in the partner programme)."""
    out: dict[str, Any] = {
        "id": row["id"],
        "firstname": row["firstname"],
        "lastname": row["lastname"],
        "email": row["email"],
        "locale": row["locale"],
        "phone": row["phone"],
        "address": row["address1"],
        "address2": row["address2"],
        "city": row["city"],
        "country": row["country"],
        "region": row["state"],
        "zipcode": row["postcode"],
        "email_verified_at": timestamp(row["email_verified_at"]),
        "balance": to_number(row["credit_minor"], row["currency"]),
        "last_login": timestamp(row["last_login_at"]),
        "is_confirmed": row["email_verified_at"] is not None,
        "is_deleted": row["deleted_at"] is not None,
        "deleted_at": timestamp(row["deleted_at"]),
        "notes": row["notes"],
        "created_at": timestamp(row["created_at"]),
        "company_name": row["companyname"],
        "billing_details": row["billing_details"],
        "currency": row["currency"],
        "status": str(row["status"]),
        "taxexempt": row["taxexempt"],
        "updated_at": timestamp(row["updated_at"]),
        "partner": row["partner"],
    }
    if "services" in row:
        out["services"] = [service(item) for item in row["services"]]
    if "invoices" in row:
        out["invoices"] = [invoice(item) for item in row["invoices"]]
    if "metadata" in row:
        out["metadata"] = row["metadata"]
    return out


# The catalogue: groups, products, pricings, their metadata and images.

# A stored image is served back under this path of the face (``routes/catalog.py``), by its key.
STORAGE_PATH = "/api/application/storage/"
# CLIENTXCMS names the owner of a metadata row by its model's class (Laravel's morph type).
METADATA_OWNER_WORDS = {"product": r"App\Models\Store\Product", "group": r"App\Models\Store\Group"}
# Every pricing of Hostlane prices a product: CLIENTXCMS's ``related_type`` word for one.
PRICING_RELATED_TYPE = "product"
# The cycles CLIENTXCMS's pricings have, in its column order; Hostlane bills no weekly cycle (always null).
PRICING_CYCLES = ("onetime", "monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")
UNBILLED_CYCLES = ("weekly",)


def image_url(key: str | None) -> str | None:
    """Where a stored image is fetched: absolute with HOSTLANE_PUBLIC_URL, else a path on this server."""
    if key is None:
        return None
    return f"{get_settings().public_url or ''}{STORAGE_PATH}{key}"


def metadata(row: Row) -> dict[str, Any]:
    owner = "product" if row["product_id"] is not None else "group"
    return {
        "id": row["id"],
        "model_id": row[f"{owner}_id"],
        "model_type": METADATA_OWNER_WORDS[owner],
        "key": row["key"],
        "value": row["value"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def group(row: Row) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "name": row["name"],
        "slug": row["slug"],
        "status": str(row["status"]),
        "description": row["description"],
        "image": image_url(row["image"]),
        "pinned": row["pinned"],
        "sort_order": row["sort_order"],
        "parent_id": row["parent_id"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "metadata": [metadata(item) for item in row.get("metadata", [])],
    }
    if "groups" in row:
        out["groups"] = [group(item) for item in row["groups"]]
    if "products" in row:
        out["products"] = [product(item) for item in row["products"]]
    return out


def product(row: Row) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "name": row["name"],
        "status": str(row["status"]),
        "description": row["description"],
        "sort_order": row["sort_order"],
        "group_id": row["group_id"],
        "stock": row["stock"],
        "type": row["type"],
        "pinned": row["pinned"],
        "image": image_url(row["image"]),
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "metadata": [metadata(item) for item in row.get("metadata", [])],
    }
    if "pricing" in row:
        out["pricing"] = [pricing(item) for item in row["pricing"]]
    if "group" in row:
        out["group"] = group(row["group"]) if row["group"] is not None else None
    return out


def _price(value: int | None, currency: str) -> float | None:
    """A pricing's amount as CLIENTXCMS prints it: a JSON number (``4.99``), or null when not offered."""
    return to_number(value, currency) if value is not None else None


def pricing_row(
    row: Row, related_id: int, related_type: str, amount: Callable[[int | None, str], int | float | None]
) -> dict[str, Any]:
    """A pricing row of CLIENTXCMS (a product's prices, a coupon's values): each cycle's amount then each cycle's
    setup amount, printed by ``amount``, with the cycles Hostlane does not bill as null."""
    currency = row["currency"]
    out: dict[str, Any] = {
        "id": row["id"],
        "related_id": related_id,
        "related_type": related_type,
        "currency": currency,
    }
    for name in UNBILLED_CYCLES:
        out[name] = out[f"setup_{name}"] = None
    for name in PRICING_CYCLES:
        out[name] = amount(row[name], currency)
    for name in PRICING_CYCLES:
        out[f"setup_{name}"] = amount(row[f"setup_{name}"], currency)
    return out


def pricing(row: Row) -> dict[str, Any]:
    out = pricing_row(row, row["product_id"], PRICING_RELATED_TYPE, _price)
    out["created_at"] = timestamp(row["created_at"])
    out["updated_at"] = timestamp(row["updated_at"])
    if "product" in row:
        out["product"] = product(row["product"]) if row["product"] is not None else None
    return out


# Coupons, as CLIENTXCMS's Coupon model serialises (``usages`` is its counter of uses; ``unique_use`` a flag Hostlane
# has no use for, always false). Its values are pricing rows (``related_type`` "coupon"): a fixed coupon's in the
# row's currency, a percent coupon's in percent; each row also says the order's minimum in its currency, and
# ``minimum_order_amount`` is the first row's (0 without one).
COUPON_RELATED_TYPE = "coupon"


def _coupon_value(value: int | None, kind: str, currency: str) -> int | float | None:
    if value is None:
        return None
    return rate(value) if kind == "percent" else to_number(value, currency)


def coupon_pricing(row: Row, kind: str) -> dict[str, Any]:
    currency = row["currency"]
    out = pricing_row(row, row["coupon_id"], COUPON_RELATED_TYPE, lambda value, _: _coupon_value(value, kind, currency))
    out["minimum_order_amount"] = to_number(row["minimum_minor"], currency)
    out["created_at"] = timestamp(row["created_at"])
    out["updated_at"] = timestamp(row["updated_at"])
    return out


def coupon_usage(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "coupon_id": row["coupon_id"],
        "customer_id": row["customer_id"],
        "used_at": timestamp(row["used_at"]),
        "amount": to_number(row["amount_minor"], row["currency"]),
        "created_at": timestamp(row["used_at"]),
        "updated_at": timestamp(row["used_at"]),
        "currency": row["currency"],
        "order_id": row["order_id"],
        "invoice_id": row["invoice_id"],
    }


def coupon(row: Row) -> dict[str, Any]:
    kind = str(row["type"])
    values = row.get("pricing") or []
    out: dict[str, Any] = {
        "id": row["id"],
        "code": row["code"],
        "type": kind,
        "applied_month": row["applied_month"],
        "free_setup": row["free_setup"],
        "start_at": timestamp(row["start_at"]),
        "end_at": timestamp(row["end_at"]),
        "first_order_only": row["first_order_only"],
        "max_uses": row["max_uses"],
        "max_uses_per_customer": row["max_uses_per_customer"],
        # With ``include=usages`` the relation takes the counter's place, as in Laravel's serialisation.
        "usages": [coupon_usage(item) for item in row["usages"]] if "usages" in row else row["uses"],
        "unique_use": False,
        "customer_id": row["customer_id"],
        "products_required": list(row["products_required"] or []),
        "minimum_order_amount": to_number(values[0]["minimum_minor"], values[0]["currency"]) if values else 0,
        "is_global": row["is_global"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "deleted_at": None,
    }
    if "products" in row:
        out["products"] = [product(item) for item in row["products"]]
    if "pricing" in row:
        out["pricing"] = [coupon_pricing(item, kind) for item in values]
    if "customer" in row:
        out["customer"] = customer(row["customer"]) if row["customer"] is not None else None
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
    """CLIENTXCMS's service: its model's columns (``trial_ends_at``, ``max_renewals`` and ``description`` are
    features Hostlane has not, so null), then Hostlane's own price, next due date and delivery state.
    ``expires_at`` is the date the service is paid until; ``cancelled_at`` is when its cancellation takes effect
    (ahead, for one asked at the end of the period: ``is_cancelled`` turns true once it has)."""
    status = row["status"]
    out = {
        "id": row["id"],
        "uuid": row["uuid"],
        "customer_id": row["customer_id"],
        "name": row["name"],
        "type": row["type"],
        "billing": str(row["billing"]),
        "currency": row["currency"],
        "server_id": row["server_id"],
        "product_id": row["product_id"],
        "invoice_id": row.get("invoice_id"),
        "status": SERVICE_STATUS_WORDS[status],
        "expires_at": timestamp(row["expires_at"]),
        "suspended_at": timestamp(row["suspended_at"]),
        "suspend_reason": row["suspend_reason"],
        "cancelled_at": timestamp(row["cancelled_at"] or row["cancel_at"]),
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


def integration(row: Row) -> dict[str, Any]:
    """A partner's integration: the face's own names, and the Xibo Platform document's ``clientId``, the name a
    partner copies it under. Never the secret, nor its hash."""
    return {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "name": row["name"],
        "environment": "live" if row["livemode"] else "test",
        "clientId": row["client_id"],
        "created_at": timestamp(row["created_at"]),
        "refreshed_at": timestamp(row["refreshed_at"]),
    }


def issued_integration(row: Row, client_secret: str) -> dict[str, Any]:
    """The integration as it is created or refreshed, with its ``clientSecret``: the only answer that holds it."""
    return {**integration(row), "clientSecret": client_secret}


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

    url = page_urls(request, base)

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


def _cursor_pages(request: Request, page: Page) -> dict[str, Any]:
    """What Laravel's ``CursorPaginator::toArray`` says about a page read by ``cursor``: no numbers, no total."""
    base = public_origin(request, get_settings()) + request.url.path

    def url(cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return f"{base}?{request.url.remove_query_params('page').include_query_params(cursor=cursor).query}"

    return {
        "path": base,
        "per_page": page.query.per_page,
        "next_cursor": page.next_cursor,
        "next_page_url": url(page.next_cursor),
        "prev_cursor": page.prev_cursor,
        "prev_page_url": url(page.prev_cursor),
    }


def paginated(request: Request, page: Page, item: Callable[[Row], dict[str, Any]]) -> dict[str, Any]:
    """Laravel's resource-collection envelope: ``data``, ``links`` and ``meta`` (customers, services, invoices);
    for a page read by ``cursor``, as Laravel wraps a cursor paginator (``links`` first and last null, ``meta``
    ``path``, ``per_page``, ``next_cursor``, ``prev_cursor``)."""
    if page.by_cursor:
        about = _cursor_pages(request, page)
        return {
            "data": [item(row) for row in page.items],
            "links": {"first": None, "last": None, "prev": about["prev_page_url"], "next": about["next_page_url"]},
            "meta": {name: about[name] for name in ("path", "per_page", "next_cursor", "prev_cursor")},
        }
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
    (products, groups, pricings, the helpdesk): ``current_page``, ``data``, ``first_page_url`` … ``total``; for a
    page read by ``cursor``, Laravel's plain cursor paginator (``data``, ``path``, ``per_page``, ``next_cursor``,
    ``next_page_url``, ``prev_cursor``, ``prev_page_url``)."""
    if page.by_cursor:
        return {"data": [item(row) for row in page.items], **_cursor_pages(request, page)}
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


def _midnight(value: dt.date) -> str:
    """A date as Laravel prints a ``datetime`` cast of it: midnight UTC (an invoice's ``due_date``)."""
    return f"{value.isoformat()}T00:00:00.000000Z"


def invoice(row: Row) -> dict[str, Any]:
    """An invoice as CLIENTXCMS's Invoice model serialises it (amounts as JSON numbers; ``tax`` is both tax levels,
    so ``total`` is ``subtotal`` + ``tax``; ``setupfees`` is the part of ``subtotal`` that is setup fees;
    ``balance`` the customer's credit spent on it; no fees are ever added), then Hostlane's own fields: the
    order, the invoice date, the tax rates, what was paid and what is due. CLIENTXCMS's ``uuid``, ``paymethod``,
    ``external_id``, ``payment_method_id`` and ``billing_address`` have no counterpart and are not printed."""
    currency = row["currency"]

    def number(minor: int) -> float:
        return to_number(int(minor), currency)

    out: dict[str, Any] = {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "invoice_number": row["number"],
        "status": INVOICE_STATUS_WORDS[row["status"]],
        "due_date": _midnight(row["duedate"]),
        "paid_at": timestamp(row["datepaid"]),
        "total": number(row["total_minor"]),
        "subtotal": number(row["subtotal_minor"]),
        "tax": number(row["tax_minor"] + row["tax2_minor"]),
        "setupfees": number(row["setup_minor"]),
        "balance": number(row["credit_minor"]),
        "fees": number(0),
        "currency": currency,
        "notes": row["notes"] or "",
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "deleted_at": timestamp(row["deleted_at"]),
        "order_id": row["order_id"],
        "date": day(row["date"]),
        "taxrate": rate(row["taxrate_milli"]),
        "taxrate2": rate(row["taxrate2_milli"]),
        "paid": number(row["paid_minor"]),
        "due": number(row["due_minor"]),
    }
    if "items" in row:
        out["items"] = [invoice_item(item, row) for item in row["items"]]
    if "payments" in row:
        out["payments"] = [payment(item) for item in row["payments"]]
    if "customer" in row:
        out["customer"] = customer(row["customer"]) if row["customer"] is not None else None
    return out


def invoice_item(row: Row, invoice: Row) -> dict[str, Any]:
    """A line as CLIENTXCMS's InvoiceItem serialises it: unit prices without tax (``_ht``) and with the invoice's
    taxes (``_ttc``), a setup line's price as its setup fee; ``related_id`` is the service the line charges for.
    Then Hostlane's own: whether the line is taxed, and the period it charges for."""
    currency = invoice["currency"]
    unit = row["amount_minor"]
    with_tax = billing.with_tax(unit, invoice["taxrate_milli"], invoice["taxrate2_milli"], taxed=row["taxed"])
    price, setup = (0, unit) if row["type"] is ItemType.SETUP else (unit, 0)
    price_ttc, setup_ttc = (0, with_tax) if row["type"] is ItemType.SETUP else (with_tax, 0)
    renewal = row["type"] is ItemType.SERVICE and invoice["order_id"] is None
    return {
        "id": row["id"],
        "invoice_id": row["invoice_id"],
        "name": row["description"],
        "description": row["description"],
        "quantity": row["qty"],
        "unit_price_ht": to_number(price, currency),
        "unit_setup_ht": to_number(setup, currency),
        "unit_price_ttc": to_number(price_ttc, currency),
        "unit_setup_ttc": to_number(setup_ttc, currency),
        "type": RENEWAL if renewal else ITEM_TYPE_WORDS[row["type"]],
        "related_id": row["service_id"],
        "data": {},
        "parent_id": None,
        "taxed": row["taxed"],
        "period_start": day(row["period_start"]),
        "period_end": day(row["period_end"]),
    }


def invoice_outcome(row: Row, message: str) -> dict[str, Any]:
    """What CLIENTXCMS answers to an invoice's validate, edit and notify: the outcome and the invoice."""
    return {"message": message, "invoice": invoice(row)}


def payment(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "invoice_id": row["invoice_id"],
        "gateway": row["gateway"],
        "transaction_id": row["reference"],
        "amount": to_number(row["amount_minor"], row["currency"]),
        "currency": row["currency"],
        "status": str(row["status"]),
        "error": row["error"],
        "created_at": timestamp(row["created_at"]),
    }


# The columns of an invoice export, as CLIENTXCMS's administration exports them; a row's cells in
# ``invoice_export_row`` (those Hostlane has no value for are left empty).
INVOICE_EXPORT_HEADER = (
    "ID",
    "Client",
    "Billing Address",
    "Due Date",
    "Total",
    "Tax",
    "Setup Fees",
    "Currency",
    "Status",
    "External ID",
    "Notes",
    "Payment Method",
    "Fees",
    "Invoice Number",
    "Paid At",
    "UUID",
    "Payment Method ID",
    "Balance",
)


def invoice_export_row(row: Row) -> list[Any]:
    currency = row["currency"]
    owner = row.get("customer")

    def amount(minor: int) -> Any:
        return to_decimal(int(minor), currency)

    if owner is not None:
        client = f"{owner['firstname']} {owner['lastname']}".strip()
        place = " ".join(part for part in (owner["state"], owner["city"], owner["postcode"]) if part)
        lines = [
            owner["companyname"] or client,
            owner["email"],
            " ".join(part for part in (owner["address1"], owner["address2"]) if part),
            place,
            owner["country"],
        ]
        address = " ".join(line for line in lines if line)
    else:
        client, address = "Unknown", ""
    return [
        row["id"],
        client,
        address,
        f"{row['duedate'].isoformat()} 00:00:00",
        amount(row["total_minor"]),
        amount(row["tax_minor"] + row["tax2_minor"]),
        amount(row["setup_minor"]),
        currency,
        INVOICE_STATUS_WORDS[row["status"]],
        None,
        row["notes"] or "",
        None,
        amount(0),
        row["number"],
        plain_time(row["datepaid"]),
        None,
        None,
        amount(row["credit_minor"]),
    ]


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


# Provisioning servers, cancellation reasons, subdomain hosts and action logs: CLIENTXCMS's models as it serialises
# them (a server's ``username`` and ``password`` are hidden there too, and never leave Hostlane here).


def server(row: Row) -> dict[str, Any]:
    """A provisioning server; ``accounts`` (Hostlane's) is how many live services it holds."""
    return {
        "id": row["id"],
        "name": row["name"],
        "hostname": row["hostname"],
        "address": row["address"],
        "port": row["port"],
        "type": row["module"],
        "status": str(row["status"]),
        "maxaccounts": row["max_accounts"],
        "accounts": row["accounts"],
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def connection_check(ok: bool, message: str) -> dict[str, Any]:
    """What ``POST /servers/test`` answers: whether the server answered and took the credentials."""
    return {"success": ok, "status": 200 if ok else 500, "message": message}


def cancellation_reason(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "reason": row["reason"],
        "status": str(row["status"]),
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
        "deleted_at": timestamp(row["deleted_at"]),
    }


def cancellation_analytics(report: Row) -> dict[str, Any]:
    return {
        "start_date": day(report["start_date"]),
        "end_date": day(report["end_date"]),
        "total_cancellations": report["total"],
        "distribution": [
            {"reason_id": one["reason_id"], "reason": one["reason"], "count": one["count"]}
            for one in report["distribution"]
        ],
    }


def subdomain_host(row: Row) -> dict[str, Any]:
    """A subdomain host; its domain with the leading dot CLIENTXCMS shows (``.example.net``)."""
    return {
        "id": row["id"],
        "domain": f".{row['domain']}",
        "products": list(row["products"] or []),
        "groups": list(row["groups"] or []),
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def action_log(row: Row) -> dict[str, Any]:
    """An audit entry as CLIENTXCMS's action log: ``staff_id`` the administrator who acted (directly or with an
    API key of theirs), ``customer_id`` the customer who did, ``model``/``model_id`` the object, ``payload`` the
    changes (secrets masked); Hostlane's actions keep their own names (``service.suspended``)."""
    return {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "staff_id": row["staff_id"],
        "action": row["action"],
        "model": row["object_type"],
        "model_id": str(row["object_id"]) if row["object_id"] is not None else None,
        "payload": row["changes"] or {},
        "ip": row["ip"],
        "created_at": timestamp(row["at"]),
        "updated_at": timestamp(row["at"]),
    }
