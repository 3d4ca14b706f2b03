"""The client area's wire shapes as the OpenAPI document shows them: one model per body its routes answer, field for
field as ``wire`` (and the routes' small envelopes) print them, in HostBill's types: ids and flags are strings
(``"12"``, ``"1"``), amounts decimal strings, an invoice's detail figures numbers.

They document; they never validate what is sent. The routes attach them with ``faces.face.success_responses``;
the document lists each in JSON and XML. Nothing else may appear in a body (``additionalProperties`` false), so
a field renamed in ``wire`` and not here fails the conformance fuzz (``tests/security/test_fuzz.py``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# A time as HostBill prints it (``2026-11-23 10:30:00``); a date (``2026-11-23``); an amount (``"19.65"``); an id or
# a count as a string (``"12"``); a flag (``"1"`` or ``"0"``).
Moment = str
Day = str
Amount = str
IdText = str
Flag = Literal["0", "1"]


class Shape(BaseModel):
    """A documented wire shape: every field listed, no other."""

    model_config = ConfigDict(extra="forbid")


class Tokens(Shape):
    """A login's or a refresh's new pair."""

    token: str
    refresh: str


class Done(Shape):
    """``{"status": true}``: the action was done (logout, revoke, a ticket opened or closed)."""

    status: Literal[True]


class ClientDetails(Shape):
    """``wire.client``."""

    id: IdText
    email: str
    lastlogin: Moment | None
    ip: str | None
    host: str | None
    firstname: str
    lastname: str
    companyname: str
    address1: str
    address2: str
    city: str
    state: str
    postcode: str
    country: str
    phonenumber: str


class Details(Shape):
    client: ClientDetails


class BalanceFigures(Shape):
    currency: str
    acc_balance: Amount
    acc_credit: Amount


class Balance(Shape):
    success: Literal[True]
    details: BalanceFigures


class InvoiceSummary(Shape):
    """``wire.invoice_summary``."""

    id: IdText
    date: Day
    dateorig: Day
    duedate: Day
    paybefore: Day
    total: Amount
    datepaid: Moment | None
    status: str
    merge_id: None
    number: str | None
    currency: str


class Invoices(Shape):
    invoices: list[InvoiceSummary]


class InvoiceLine(Shape):
    id: IdText
    invoice_id: IdText
    type: str
    item_id: IdText
    description: str
    amount: Amount
    taxed: Flag
    qty: str
    linetotal: Amount


class InvoiceClient(Shape):
    """``wire.client`` without its last login."""

    id: IdText
    email: str
    firstname: str
    lastname: str
    companyname: str
    address1: str
    address2: str
    city: str
    state: str
    postcode: str
    country: str
    phonenumber: str


class InvoiceDetail(Shape):
    """``wire.invoice_detail``: its figures are numbers, its rates HostBill's constants."""

    id: IdText
    status: str
    date: Day
    duedate: Day
    paybefore: Day
    datepaid: Moment | None
    subtotal: float
    credit: float
    tax: float
    taxrate: float
    tax2: float
    taxrate2: float
    taxexempt: Flag
    total: float
    rate: int
    rate2: int
    rate3: int
    notes: str
    items: list[InvoiceLine]
    client: InvoiceClient
    number: str | None
    currency: str


class OneInvoice(Shape):
    invoice: InvoiceDetail


class PaymentAnswer(Shape):
    """A payment's answer: received (200) or pending (202), and the invoice."""

    success: Literal[True]
    info: list[Literal["payment_received", "payment_pending"]]
    invoice: InvoiceSummary


class TicketSummary(Shape):
    """``wire.ticket_summary``."""

    client_read: Flag
    ticket_number: IdText
    date: Moment | None
    deptname: str
    subject: str
    status: str


class Tickets(Shape):
    tickets: list[TicketSummary]


class TicketOpened(Shape):
    """A new ticket's number."""

    ticket: int


class TicketHead(Shape):
    date: Moment | None
    ticket_number: IdText
    name: str
    email: str
    subject: str
    body: str
    status: str
    client_read: Flag
    deptname: str


class TicketReply(Shape):
    id: IdText
    name: str
    date: Moment | None
    body: str
    status: Literal["Sent"]
    type: str


class TicketDetail(Shape):
    """``wire.ticket_detail``."""

    ticket: TicketHead
    replies: list[TicketReply]


class ReplyAdded(Shape):
    info: list[Literal["reply_added"]]


class DepartmentEntry(Shape):
    """``wire.department``."""

    id: IdText
    name: str
    description: str


class Departments(Shape):
    depts: list[DepartmentEntry]


class ServiceSummary(Shape):
    """``wire.service_summary``."""

    id: IdText
    domain: str
    total: Amount
    status: str
    billingcycle: str
    next_due: Day | None
    category: str
    category_url: str
    name: str


class Services(Shape):
    services: list[ServiceSummary]


class ServiceDetail(Shape):
    """``wire.service_detail``."""

    id: IdText
    date_created: Day
    domain: str
    firstpayment: Amount
    total: Amount
    billingcycle: str
    next_due: Day | None
    next_invoice: Day | None
    status: str
    label: str
    name: str
    product_id: IdText
    currency: str


class OneService(Shape):
    service: ServiceDetail


class OrderedItem(Shape):
    id: IdText
    type: str
    name: str
    product_id: IdText


class OrderPlaced(Shape):
    """``wire.order_placed``."""

    order_num: int
    invoice_id: IdText
    total: Amount
    items: OrderedItem


class IpEntry(Shape):
    """``wire.ip_address``."""

    id: IdText
    ipaddress: str
    network: str
    prefix: str
    gateway: str
    version: Literal["4", "6"]


class Ips(Shape):
    success: Literal[True]
    ips: list[IpEntry]


class ReverseDns(Shape):
    """Each address of the service and its host name (``""`` when it has none)."""

    success: Literal[True]
    ipaddress: dict[str, str]


class PortEntry(Shape):
    """``wire.pdu_port``."""

    id: IdText
    pdu: str
    port: str
    label: str
    power: bool | None
    status: Literal["on", "off", "unknown"]


class Ports(Shape):
    success: Literal[True]
    ports: list[PortEntry]


class OnePort(Shape):
    success: Literal[True]
    port: PortEntry
