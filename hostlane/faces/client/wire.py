"""The client API's wire shapes: CLIENTXCMS's client resources (its ``Api/Client`` controllers' fields), Laravel's
validation errors, and the answers' models for the OpenAPI document.

Invoices, services and tickets start from the application face's shapes (``faces.application.wire``), the same
rows in the same words, and add what the client API's resources print besides (``formatted_total``,
``status_label``, ``department`` by name …)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from hostlane.billing.cards import Card
from hostlane.core.formats import render
from hostlane.core.money import format_amount, to_number
from hostlane.core.pagination import Page
from hostlane.faces.application import wire as application
from hostlane.faces.common import ErrorInfo
from hostlane.faces.values import plain_time
from hostlane.models import Customer, ServiceStatus, TicketStatus

Row = application.Row

# Refusals CLIENTXCMS's client API answers with a 400 and ``{"error": …}`` (Hostlane's domain says 409).
BAD_REQUESTS = {"ticket_closed", "ticket_already_closed", "ticket_not_closed", "conflict", "invoice_state"}


def error(request: Request, info: ErrorInfo) -> Response:
    """Laravel's validation error on 422 (``message`` and ``errors`` by field); any other refusal carries its
    sentence as ``message`` (Laravel's and Sanctum's) and as ``error`` (the client API's controllers' own key)."""
    status = 400 if info.code in BAD_REQUESTS and info.status == 409 else info.status
    body: dict[str, Any] = {"message": info.message}
    if status == 422:
        if info.fields:
            body["errors"] = info.fields
    else:
        body["error"] = info.message
    return render(request, body, status, headers=info.headers or None)


def timestamp(value: Any) -> str | None:
    """A time in UTC as Laravel's ``toIso8601String`` prints it: ``2026-11-23T10:30:00+00:00``."""
    text = plain_time(value)
    return None if text is None else f"{text[:10]}T{text[11:]}+00:00"


def formatted(amount_minor: int, currency: str) -> str:
    return f"{format_amount(amount_minor, currency)} {currency}"


def meta(page: Page) -> dict[str, int]:
    return {
        "current_page": page.query.page,
        "last_page": page.last_page,
        "per_page": page.query.per_page,
        "total": page.total,
    }


def listed(page: Page, item: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A list's answer: its rows as ``item`` prints them (``data``) and where the page stands (``meta``)."""
    return {"data": [item(row) for row in page.items], "meta": meta(page)}


def login_customer(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "email": customer.email, "firstname": customer.firstname, "lastname": customer.lastname}


def profile(customer: Customer) -> dict[str, Any]:
    """The customer as its client API profile prints it (CLIENTXCMS's ``address``/``zipcode``/``region`` names)."""
    return {
        "id": customer.id,
        "email": customer.email,
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "company_name": customer.companyname,
        "address": customer.address1,
        "address2": customer.address2,
        "city": customer.city,
        "zipcode": customer.postcode,
        "region": customer.state,
        "country": customer.country,
        "phone": customer.phone,
        "balance": to_number(customer.credit_minor, customer.currency),
        "formatted_balance": formatted(customer.credit_minor, customer.currency),
        "currency": customer.currency,
        "locale": customer.locale,
        "email_verified": customer.email_verified_at is not None,
        "two_factor_enabled": customer.two_factor_secret is not None,
        "created_at": timestamp(customer.created_at),
    }


def invoice(row: Row) -> dict[str, Any]:
    """The application face's invoice, with the client resource's ``uuid`` (Hostlane's invoices have none: its
    number stands for it) and ``formatted_total``."""
    out = application.invoice(row)
    out["uuid"] = row["number"]
    out["formatted_total"] = formatted(row["total_minor"], row["currency"])
    return out


STATUS_LABELS = {
    ServiceStatus.PENDING: "Pending",
    ServiceStatus.ACTIVE: "Active",
    ServiceStatus.SUSPENDED: "Suspended",
    ServiceStatus.EXPIRED: "Expired",
    ServiceStatus.TERMINATED: "Terminated",
    ServiceStatus.CANCELLED: "Cancelled",
}


def service(row: Row, *, detail: bool = False) -> dict[str, Any]:
    """The client resource of a service: ``name``, ``type``, ``status`` and its ``status_label``, ``expires_at``;
    in detail the cycle, the price without and with tax (``price_ttc``: Hostlane taxes the invoice, not the
    service, so it is the price before tax until an invoice says otherwise), ``can_renew`` and the suspension."""
    status = row["status"]
    out: dict[str, Any] = {
        "id": row["id"],
        "uuid": row["uuid"],
        "name": row["name"],
        "type": row["type"],
        "status": application.SERVICE_STATUS_WORDS[status],
        "status_label": STATUS_LABELS[status],
        "expires_at": timestamp(row["expires_at"]),
        "next_due_date": application.day(row["next_due_date"]),
        "created_at": timestamp(row["created_at"]),
    }
    if detail:
        price = to_number(row["price_minor"], row["currency"])
        out |= {
            "billing_cycle": str(row["billing"]),
            "price_ht": price,
            "price_ttc": price,
            "currency": row["currency"],
            "formatted_price": formatted(row["price_minor"], row["currency"]),
            "can_renew": status in (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED, ServiceStatus.EXPIRED),
            "suspension": (
                {"reason": row["suspend_reason"], "suspended_at": timestamp(row["suspended_at"])}
                if status is ServiceStatus.SUSPENDED
                else None
            ),
        }
    return out


def department(row: Row) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": row["description"]}


def attachment(row: Row) -> dict[str, Any]:
    """A file of a ticket: its name (the sender's), size, the reply it came with, and where to download it."""
    return {
        "id": row["id"],
        "name": row["name"],
        "size": row["size"],
        "message_id": row["reply_id"],
        "created_at": timestamp(row["created_at"]),
        "url": f"/api/client/tickets/{row['ticket_id']}/attachments/{row['id']}",
    }


def ticket(
    row: Row,
    departments: Mapping[int, Row] | None = None,
    *,
    detail: bool = False,
    attachments: Sequence[Row] | None = None,
) -> dict[str, Any]:
    """The client resource of a ticket: the application face's columns, its department as ``{id, name}`` and, in
    detail, its messages and attachments."""
    out = application.ticket(row)
    found = row.get("department") or (departments or {}).get(row["department_id"])
    out["department"] = department(found) if found is not None else None
    out["is_closed"] = row["status"] is TicketStatus.CLOSED
    if detail:
        out["messages"] = application.messages(row)
        out["attachments"] = [attachment(item) for item in attachments or []]
    else:
        out.pop("messages", None)
    return out


def card(method: Card) -> dict[str, Any]:
    """A saved card as a payment source: its id, gateway, brand, last four digits and expiry."""
    return {
        "id": method.id,
        "gateway": method.gateway,
        "brand": method.brand,
        "last4": method.last4,
        "exp_month": method.exp_month,
        "exp_year": method.exp_year,
        "is_default": True,
    }


# The answers' models, for the OpenAPI document.


class Message(BaseModel):
    message: str


class CustomerBrief(BaseModel):
    id: int
    email: str
    firstname: str
    lastname: str


class LoginAnswer(BaseModel):
    requires_2fa: bool
    token: str
    token_type: str
    second_factor: str | None = None
    message: str | None = None
    customer: CustomerBrief | None = None


class Registered(BaseModel):
    message: str
    token: str
    token_type: str
    customer: dict[str, Any]


class DataAnswer(BaseModel):
    data: dict[str, Any]


class DataMessage(BaseModel):
    message: str
    data: dict[str, Any]


class Meta(BaseModel):
    current_page: int
    last_page: int
    per_page: int
    total: int


class DataPage(BaseModel):
    data: list[dict[str, Any]]
    meta: Meta
    filters: dict[str, Any] | None = None


class InvoiceAnswer(BaseModel):
    data: dict[str, Any]
    available_gateways: list[dict[str, Any]]


class PaymentAnswer(BaseModel):
    message: str
    paid: bool
    data: dict[str, Any]


class TwoFactorSetup(BaseModel):
    secret: str
    qr_code: str


class TwoFactorToggled(BaseModel):
    message: str
    enabled: bool
    recovery_codes: list[str] | None = None


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]


class Departments(BaseModel):
    departments: list[dict[str, Any]]
    priorities: dict[str, str]


class PaymentMethods(BaseModel):
    data: list[dict[str, Any]]
    default_payment_method: int | None


class Gateways(BaseModel):
    data: list[dict[str, Any]]


class CardSetup(BaseModel):
    message: str
    data: dict[str, Any]
