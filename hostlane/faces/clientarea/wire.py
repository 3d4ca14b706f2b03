"""The client-area face's wire shapes, field by field as the document prints them, in HostBill's words.

Hostlane stores its own words (``paid``, ``service``, ``customer_reply``); the tables below turn them into
the document's (``Paid``, ``Hosting``, ``Customer-Reply``) and, where a client sends one, back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from fastapi import Request, Response
from pydantic import BaseModel

from hostlane.core.formats import render
from hostlane.core.money import format_amount, to_number
from hostlane.faces.common import ErrorInfo
from hostlane.faces.values import invoice_figures, invoice_state_message, plain_time
from hostlane.models import BillingCycle, InvoiceStatus, ItemType, ReplyType, ServiceStatus, TicketStatus

Row = Mapping[str, Any]

# HostBill's words for Hostlane's.
INVOICE_STATUS_WORDS: dict[str, str] = {
    InvoiceStatus.DRAFT: "Draft",
    InvoiceStatus.UNPAID: "Unpaid",
    InvoiceStatus.PAID: "Paid",
    InvoiceStatus.CANCELLED: "Cancelled",
    InvoiceStatus.REFUNDED: "Refunded",
    InvoiceStatus.COLLECTIONS: "Collections",
}
ITEM_TYPE_WORDS: dict[str, str] = {
    ItemType.SERVICE: "Hosting",
    ItemType.SETUP: "Setup",
    ItemType.OTHER: "Other",
    ItemType.METERED: "Item",  # WHMCS's word for a billable item (metered usage)
    ItemType.DISCOUNT: "Discount",  # a coupon's discount line (a negative amount)
}
TICKET_STATUS_WORDS: dict[str, str] = {
    TicketStatus.OPEN: "Open",
    TicketStatus.ANSWERED: "Answered",
    TicketStatus.CUSTOMER_REPLY: "Customer-Reply",
    TicketStatus.CLOSED: "Closed",
}
REPLY_TYPE_WORDS: dict[str, str] = {ReplyType.ADMIN: "Admin", ReplyType.CLIENT: "Client"}
SERVICE_STATUS_WORDS: dict[str, str] = {
    ServiceStatus.PENDING: "Pending",
    ServiceStatus.ACTIVE: "Active",
    ServiceStatus.SUSPENDED: "Suspended",
    ServiceStatus.EXPIRED: "Expired",
    ServiceStatus.TERMINATED: "Terminated",
    ServiceStatus.CANCELLED: "Cancelled",
}
CYCLE_WORDS: dict[str, str] = {
    BillingCycle.ONETIME: "One Time",
    BillingCycle.MONTHLY: "Monthly",
    BillingCycle.QUARTERLY: "Quarterly",
    BillingCycle.SEMIANNUALLY: "Semi-Annually",
    BillingCycle.ANNUALLY: "Annually",
    BillingCycle.BIENNIALLY: "Biennially",
    BillingCycle.TRIENNIALLY: "Triennially",
}
# The cycles a HostBill client may send when it orders: its codes and words, besides Hostlane's own.
CYCLES_FROM_WIRE: dict[str, BillingCycle] = {
    "m": BillingCycle.MONTHLY,
    "q": BillingCycle.QUARTERLY,
    "s": BillingCycle.SEMIANNUALLY,
    "a": BillingCycle.ANNUALLY,
    "b": BillingCycle.BIENNIALLY,
    "t": BillingCycle.TRIENNIALLY,
    "once": BillingCycle.ONETIME,
    "semi-annually": BillingCycle.SEMIANNUALLY,
    "one time": BillingCycle.ONETIME,
}


def _error_message(info: ErrorInfo) -> str:
    """The document's words for a domain error that names one of Hostlane's words."""
    if info.code == "invoice_state":
        return invoice_state_message(info, INVOICE_STATUS_WORDS)
    return info.message


class HostBillError(BaseModel):
    """HostBill's error: ``success`` false and the messages."""

    success: Literal[False]
    error: list[str]


def error(request: Request, info: ErrorInfo) -> Response:
    messages = [_error_message(info)] + [m for messages in info.fields.values() for m in messages if m != info.message]
    return render(request, {"success": False, "error": messages}, info.status, headers=info.headers or None)


def moment(value: dt.datetime | None) -> str | None:
    return plain_time(value)


def client(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "email": row["email"],
        "lastlogin": moment(row["last_login_at"]),
        "ip": row["last_login_ip"],
        "host": row["last_login_host"],
        "firstname": row["firstname"],
        "lastname": row["lastname"],
        "companyname": row["companyname"] or "",
        "address1": row["address1"] or "",
        "address2": row["address2"] or "",
        "city": row["city"] or "",
        "state": row["state"] or "",
        "postcode": row["postcode"] or "",
        "country": row["country"],
        "phonenumber": row["phone"] or "",
    }


def invoice_summary(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "date": row["date"].isoformat(),
        "dateorig": row["date"].isoformat(),
        "duedate": row["duedate"].isoformat(),
        "paybefore": row["duedate"].isoformat(),
        "total": format_amount(row["total_minor"], row["currency"]),
        "datepaid": moment(row["datepaid"]),
        "status": INVOICE_STATUS_WORDS[row["status"]],
        "merge_id": None,
        "number": row["number"],
        "currency": row["currency"],
    }


def invoice_detail(row: Row, customer: Row) -> dict[str, Any]:
    currency = row["currency"]
    return {
        "id": str(row["id"]),
        "status": INVOICE_STATUS_WORDS[row["status"]],
        "date": row["date"].isoformat(),
        "duedate": row["duedate"].isoformat(),
        "paybefore": row["duedate"].isoformat(),
        "datepaid": moment(row["datepaid"]),
        **invoice_figures(row, to_number),
        "taxexempt": "1" if row["taxexempt"] else "0",
        "total": to_number(row["total_minor"], currency),
        "rate": 1,
        "rate2": 0,
        "rate3": 1,
        "notes": row["notes"] or "",
        "items": [
            {
                "id": str(item["id"]),
                "invoice_id": str(item["invoice_id"]),
                "type": ITEM_TYPE_WORDS[item["type"]],
                "item_id": str(item["service_id"] or 0),
                "description": item["description"],
                "amount": format_amount(item["amount_minor"], currency),
                "taxed": "1" if item["taxed"] else "0",
                "qty": f"{item['qty']:.2f}",
                "linetotal": format_amount(item["linetotal_minor"], currency),
            }
            for item in row.get("items", [])
        ],
        "client": {key: value for key, value in client(customer).items() if key not in ("lastlogin", "ip", "host")},
        "number": row["number"],
        "currency": currency,
    }


def _flag(value: bool) -> str:
    return "1" if value else "0"


def ticket_summary(row: Row) -> dict[str, Any]:
    return {
        "client_read": _flag(row["client_read"]),
        "ticket_number": str(row["number"]),
        "date": moment(row["created_at"]),
        "deptname": row["deptname"],
        "subject": row["subject"],
        "status": TICKET_STATUS_WORDS[row["status"]],
    }


def ticket_detail(row: Row) -> dict[str, Any]:
    return {
        "ticket": {
            "date": moment(row["created_at"]),
            "ticket_number": str(row["number"]),
            "name": row["name"],
            "email": row["email"],
            "subject": row["subject"],
            "body": row["body"],
            "status": TICKET_STATUS_WORDS[row["status"]],
            "client_read": _flag(row["client_read"]),
            "deptname": row["deptname"],
        },
        "replies": [
            {
                "id": str(reply["id"]),
                "name": reply["name"],
                "date": moment(reply["created_at"]),
                "body": reply["body"],
                "status": "Sent",
                "type": REPLY_TYPE_WORDS[reply["type"]],
            }
            for reply in row["replies"]
        ],
    }


def department(row: Row) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "description": row["description"]}


def _service(row: Row, product: Row | None) -> dict[str, Any]:
    """What both service shapes say of a service, as HostBill words it."""
    return {
        "id": str(row["id"]),
        "domain": (row["data"] or {}).get("domain", ""),
        "total": format_amount(row["price_minor"], row["currency"]),
        "status": SERVICE_STATUS_WORDS[row["status"]],
        "billingcycle": CYCLE_WORDS[row["billing"]],
        "next_due": row["next_due_date"].isoformat() if row["next_due_date"] else None,
        "name": product["name"] if product else row["name"],
    }


def service_summary(row: Row, product: Row | None, group: Row | None) -> dict[str, Any]:
    common = _service(row, product)
    return {
        **{key: common[key] for key in ("id", "domain", "total", "status", "billingcycle", "next_due")},
        "category": group["name"] if group else "",
        "category_url": group["slug"] if group else "",
        "name": common["name"],
    }


def service_detail(row: Row, product: Row | None, next_invoice: str | None) -> dict[str, Any]:
    common = _service(row, product)
    return {
        "id": common["id"],
        "date_created": row["created_at"].astimezone(dt.UTC).date().isoformat(),
        "domain": common["domain"],
        "firstpayment": common["total"],
        "total": common["total"],
        "billingcycle": common["billingcycle"],
        "next_due": common["next_due"],
        "next_invoice": next_invoice,
        "status": common["status"],
        "label": row["name"],
        "name": common["name"],
        "product_id": str(row["product_id"]),
        "currency": row["currency"],
    }


def ip_address(row: Row) -> dict[str, Any]:
    network = row["network"]
    return {
        "id": str(row["id"]),
        "ipaddress": row["address"],
        "network": network,
        "prefix": network.partition("/")[2],
        "gateway": row["gateway"] or "",
        "version": "6" if ":" in row["address"] else "4",
    }


def pdu_port(row: Row) -> dict[str, Any]:
    power = row.get("power")
    return {
        "id": str(row["id"]),
        "pdu": row["pdu"],
        "port": str(row["outlet"]),
        "label": row["label"],
        "power": power,
        "status": "unknown" if power is None else ("on" if power else "off"),
    }


def order_placed(order: Row, invoice: Row, service: Row, product: Row) -> dict[str, Any]:
    """HostBill's answer to an order of one product: the order, its invoice and the new service."""
    return {
        "order_num": order["id"],
        "invoice_id": str(invoice["id"]),
        "total": format_amount(invoice["total_minor"], invoice["currency"]),
        "items": {
            "id": str(service["id"]),
            "type": ITEM_TYPE_WORDS[ItemType.SERVICE],
            "name": (service["data"] or {}).get("domain") or product["name"],
            "product_id": str(product["id"]),
        },
    }
