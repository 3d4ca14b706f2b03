"""The partner face's wire: the Xibo Platform API's JSON (camelCase, as Xibo's APIs and its PHP provider use), and
its error shape, RFC 6749's (``{"error": …, "error_description": …}``) for every failure of the face.

The token endpoint answers RFC 6749's own error words (``invalid_request``, ``invalid_client``,
``unsupported_grant_type`` …); a bearer route's 401 is RFC 6750's ``invalid_token``, with a ``WWW-Authenticate:
Bearer`` challenge; any other failure takes the word of its status (``not_found``, ``access_denied`` …), and a
refused field is named in ``errors`` (``{field: [messages]}``), as the other faces do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from hostlane.core.errors import HostlaneError
from hostlane.core.formats import render
from hostlane.core.money import format_amount
from hostlane.faces.common import ErrorInfo
from hostlane.models import BILLING_CYCLES

Row = Mapping[str, Any]

# The error words of RFC 6749 (5.2) and RFC 6750 (3.1): an error whose code is one of them keeps it.
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_token",
        "insufficient_scope",
        "access_denied",
    }
)
# Every other failure: the word of its status.
STATUS_ERRORS: dict[int, str] = {
    400: "invalid_request",
    401: "invalid_token",
    402: "payment_required",
    403: "access_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    502: "upstream_refused",
    503: "temporarily_unavailable",
}


class PlatformError(BaseModel):
    """The partner face's error (RFC 6749's shape): an error word, a sentence, and each refused field's messages."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="RFC 6749/6750's word (invalid_client, invalid_token …), else the status's.")
    error_description: str
    errors: dict[str, list[str]] | None = Field(default=None, description="On 422: each refused field's messages.")


def error(request: Request, info: ErrorInfo) -> Response:
    word = info.code if info.code in OAUTH_ERRORS else STATUS_ERRORS.get(info.status, "server_error")
    body: dict[str, Any] = {"error": word, "error_description": info.message}
    if info.fields:
        body["errors"] = info.fields
    return render(request, body, info.status, headers=info.headers or None)


# Successes.


class Token(BaseModel):
    """RFC 6749's access token response (5.1)."""

    access_token: str
    token_type: str = Field(description='Always "Bearer".')
    expires_in: int = Field(description="Seconds the token is good for.")


class Card(BaseModel):
    brand: str
    last4: str


class Account(BaseModel):
    """The partner's account."""

    id: int
    environment: str = Field(description="live or test: the environment of the host that answered.")
    company: str | None
    contactName: str  # Xibo's camelCase
    contactEmail: str
    currency: str
    balance: str = Field(description="What the partner owes on unpaid invoices, a decimal string.")
    credit: str = Field(description="The credit the partner holds, a decimal string.")
    card: Card | None = Field(description="The saved card automatic payments use, or null.")


class Price(BaseModel):
    cycle: str = Field(description="onetime, monthly, quarterly, semiannually, annually, biennially, triennially.")
    price: str
    setupFee: str


class Product(BaseModel):
    """One product of the price list."""

    id: int
    name: str
    description: str
    type: str = Field(description="plan (a CMS instance, billed monthly per display), addon, or item (one-off).")
    currency: str
    prices: list[Price]


def account(row: Row) -> dict[str, Any]:
    currency = str(row["currency"])
    card = row["card"]
    return {
        "id": row["id"],
        "environment": "live" if row["livemode"] else "test",
        "company": row["companyname"],
        "contactName": f"{row['firstname']} {row['lastname']}",
        "contactEmail": row["email"],
        "currency": currency,
        "balance": format_amount(row["balance_minor"], currency),
        "credit": format_amount(row["credit_minor"], currency),
        "card": {"brand": card["brand"], "last4": card["last4"]} if card is not None else None,
    }


def product(row: Row, currency: str) -> dict[str, Any]:
    pricing = row["partner_pricing"]
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "type": row["partner_kind"],
        "currency": currency,
        "prices": [
            {
                "cycle": cycle,
                "price": format_amount(pricing[cycle], currency),
                "setupFee": format_amount(pricing[f"setup_{cycle}"] or 0, currency),
            }
            for cycle in BILLING_CYCLES
            if pricing[cycle] is not None
        ],
    }


def camel(name: str) -> str:
    """A domain field's name in Xibo's words: ``items.0.instance_name`` -> ``items.0.instanceName``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def in_camel_case(error: HostlaneError) -> HostlaneError:
    """The domain's refusal with its fields named as this face's input names them."""
    error.fields = {camel(name): messages for name, messages in error.fields.items()}
    return error


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class InvoiceSummary(BaseModel):
    id: int
    number: str | None
    status: str = Field(description="unpaid, paid, cancelled, refunded or collections.")
    date: str
    dueDate: str
    datePaid: str | None
    currency: str
    subtotal: str
    tax: str
    total: str
    due: str = Field(description="What is left to pay, a decimal string.")
    orderId: int | None


class InvoiceLine(BaseModel):
    description: str
    quantity: int = Field(description="How many: a month's metered displays, else 1 for most lines.")
    unitPrice: str = Field(description="The price of one (a display for a metered line), a decimal string.")
    amount: str = Field(description="What the line costs before tax: quantity x unitPrice, a decimal string.")
    instanceId: int | None = Field(description="The instance (service) the line bills, if any.")


class Invoice(InvoiceSummary):
    items: list[InvoiceLine]


def invoice_summary(row: Row) -> dict[str, Any]:
    currency = str(row["currency"])
    return {
        "id": row["id"],
        "number": row["number"],
        "status": str(row["status"]),
        "date": _day(row["date"]),
        "dueDate": _day(row["duedate"]),
        "datePaid": row["datepaid"].isoformat() if row["datepaid"] is not None else None,
        "currency": currency,
        "subtotal": format_amount(row["subtotal_minor"], currency),
        "tax": format_amount(row["tax_minor"] + row["tax2_minor"], currency),
        "total": format_amount(row["total_minor"], currency),
        "due": format_amount(max(row["due_minor"], 0), currency),
        "orderId": row["order_id"],
    }


def invoice(row: Row) -> dict[str, Any]:
    currency = str(row["currency"])
    return {
        **invoice_summary(row),
        "items": [
            {
                "description": item["description"],
                "quantity": item["qty"],
                "unitPrice": format_amount(item["amount_minor"], currency),
                "amount": format_amount(item["linetotal_minor"], currency),
                "instanceId": item["service_id"],
            }
            for item in row.get("items", [])
        ],
    }


class OrderLine(BaseModel):
    productId: int
    cycle: str
    quantity: int
    displays: int | None
    instanceName: str | None
    price: str = Field(description="The unit price (per display for a plan), a decimal string.")
    setupFee: str


class Order(BaseModel):
    id: int
    status: str = Field(description="pending (waiting for its invoice's payment), active, cancelled or fraud.")
    currency: str
    createdAt: str
    items: list[OrderLine]
    invoice: InvoiceSummary | None


def order(row: Row) -> dict[str, Any]:
    currency = str(row["currency"])
    return {
        "id": row["id"],
        "status": str(row["status"]),
        "currency": currency,
        "createdAt": row["created_at"].isoformat(),
        "items": [
            {
                "productId": item["product_id"],
                "cycle": str(item["billing"]),
                "quantity": item["qty"],
                "displays": (item["options"] or {}).get("units"),
                "instanceName": (item["options"] or {}).get("name"),
                "price": format_amount(item["price_minor"], currency),
                "setupFee": format_amount(item["setup_minor"], currency),
            }
            for item in row["items"]
        ],
        "invoice": invoice_summary(row["invoice"]) if row["invoice"] is not None else None,
    }


class Instance(BaseModel):
    """A CMS instance."""

    id: int
    name: str
    url: str | None = Field(description="The instance's address, once provisioned.")
    status: str = Field(description="pending (until its order is paid), active, suspended, terminated, cancelled …")
    plan: str | None = Field(description="The plan's name.")
    displays: int = Field(description="The display licences ordered.")
    cycle: str
    nextDueDate: str | None


def instance(row: Row) -> dict[str, Any]:
    data = row["data"] or {}
    return {
        "id": row["id"],
        "name": row["name"],
        "url": data.get("url") if isinstance(data.get("url"), str) else None,
        "status": str(row["status"]),
        "plan": row["plan"],
        "displays": row["displays"],
        "cycle": str(row["billing"]),
        "nextDueDate": _day(row["next_due_date"]),
    }


class Licence(BaseModel):
    """The display licences of one instance."""

    instanceId: int
    instanceName: str
    status: str = Field(description="The instance's status.")
    licensed: int = Field(description="Displays licensed (ordered).")
    inUse: int = Field(description="Displays in use, as the instance reports them.")
    expires: str | None = Field(description="The day the licences run to unless renewed: the next due date.")


def licence(row: Row) -> dict[str, Any]:
    return {
        "instanceId": row["instance_id"],
        "instanceName": row["instance_name"],
        "status": str(row["status"]),
        "licensed": row["licensed"],
        "inUse": row["in_use"],
        "expires": _day(row["expires"]),
    }


class Usage(BaseModel):
    """One CMS instance's cloud usage in one month."""

    instanceId: int
    instanceName: str | None
    month: str = Field(description="YYYY-MM.")
    displays: int = Field(description="The metered displays of the month (what its usage bills).")
    storage: int = Field(description="Storage used, in bytes.")
    bandwidth: int = Field(description="Bandwidth used in the month, in bytes.")
    billedInvoiceId: int | None = Field(description="The invoice that billed the month's displays, once billed.")


def usage(row: Row) -> dict[str, Any]:
    return {
        "instanceId": row["service_id"],
        "instanceName": row["instance_name"],
        "month": f"{row['month']:%Y-%m}",
        "displays": row["displays"],
        "storage": row["storage_bytes"],
        "bandwidth": row["bandwidth_bytes"],
        "billedInvoiceId": row["billed_invoice_id"],
    }
