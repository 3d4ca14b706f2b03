"""The application face's wire shapes as the OpenAPI document shows them: one model per function of ``wire`` that
builds a body, field for field, in the same order.

They document; they never validate what is sent (``wire`` renders rows once, without a second pass). The routes
attach them through ``kit.Resource`` (its ``shape``, wrapped in its list envelope or a page of one) or
``faces.face.success_responses``; the document lists each in JSON and XML (``faces.face.document_requests``).
A row's includes are optional fields (absent unless asked for); nothing else may appear (``additionalProperties``
false), so a field renamed in ``wire`` and not here fails the conformance fuzz (``tests/security/test_fuzz.py``).
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

# An ISO time as Laravel prints it (``2026-11-23T10:30:00.000000Z``); a date (``2026-11-23``); an amount as a decimal
# string (``"19.65"``).
Time = str
Day = str
Amount = str


class Shape(BaseModel):
    """A documented wire shape: every field listed, no other."""

    model_config = ConfigDict(extra="forbid")


class Message(Shape):
    """What an action that returns no row answers (``{"message": "Reset link sent"}``)."""

    message: str


class Customer(Shape):
    """``wire.customer``."""

    id: int
    firstname: str
    lastname: str
    email: str
    locale: str
    phone: str | None
    address: str | None
    address2: str | None
    city: str | None
    country: str
    region: str | None
    zipcode: str | None
    email_verified_at: Time | None
    balance: float
    last_login: Time | None
    is_confirmed: bool
    is_deleted: bool
    deleted_at: Time | None
    notes: str | None
    created_at: Time | None
    company_name: str | None
    billing_details: str | None
    currency: str
    status: str
    taxexempt: bool
    updated_at: Time | None
    partner: bool = Field(description="In the partner programme: may have integrations (`partners:*` to set it).")
    services: list[Service] = Field(default_factory=list, description="With include=services.")
    invoices: list[Invoice] = Field(default_factory=list, description="With include=invoices.")
    metadata: Any = Field(default=None, description="With include=metadata.")


class SavedPaymentMethod(Shape):
    """``wire.saved_payment_method``."""

    id: int
    customer_id: int
    gateway: str
    brand: str | None
    last4: str | None
    is_default: bool


class Metadata(Shape):
    """``wire.metadata``: a product's or group's key and value."""

    id: int
    model_id: int
    model_type: str
    key: str
    value: str | None
    created_at: Time | None
    updated_at: Time | None


class Group(Shape):
    """``wire.group``."""

    id: int
    name: str
    slug: str
    status: str
    description: str
    image: str | None
    pinned: bool
    sort_order: int
    parent_id: int | None
    created_at: Time | None
    updated_at: Time | None
    metadata: list[Metadata]
    groups: list[Group] = Field(default_factory=list, description="Its subgroups, where loaded.")
    products: list[Product] = Field(default_factory=list, description="Its products, where the key may read them.")


class Product(Shape):
    """``wire.product``."""

    id: int
    name: str
    status: str
    description: str
    sort_order: int
    group_id: int
    stock: int
    type: str
    pinned: bool
    image: str | None
    created_at: Time | None
    updated_at: Time | None
    metadata: list[Metadata]
    pricing: list[Pricing] = Field(default_factory=list, description="With include=pricing (or ?pricing=1).")
    group: Group | None = Field(default=None, description="With include=group.")


class PricingRow(Shape):
    """A pricing row of CLIENTXCMS: each cycle's amount and setup amount in one currency, a number, or null where
    not offered (``weekly`` always); ``related_type`` names what it prices."""

    id: int
    related_id: int
    related_type: str
    currency: str
    weekly: None
    setup_weekly: None
    onetime: float | None
    monthly: float | None
    quarterly: float | None
    semiannually: float | None
    annually: float | None
    biennially: float | None
    triennially: float | None
    setup_onetime: float | None
    setup_monthly: float | None
    setup_quarterly: float | None
    setup_semiannually: float | None
    setup_annually: float | None
    setup_biennially: float | None
    setup_triennially: float | None


class Pricing(PricingRow):
    """``wire.pricing``: a product's prices."""

    related_type: Literal["product"]
    created_at: Time | None
    updated_at: Time | None
    product: Product | None = Field(default=None, description="With include=product.")


class ProductConfig(Shape):
    """A product's provisioning module settings."""

    type: str
    module: str | None
    config: dict[str, Any]


class Service(Shape):
    """``wire.service``."""

    id: int
    uuid: str
    customer_id: int
    name: str
    type: str
    billing: str
    currency: str
    server_id: int | None
    product_id: int
    invoice_id: int | None
    status: str
    expires_at: Time | None
    suspended_at: Time | None
    suspend_reason: str | None
    cancelled_at: Time | None
    cancelled_reason: str | None
    is_cancelled: bool
    notes: str | None
    description: None
    data: dict[str, Any]
    delivery_errors: str | None
    delivery_attempts: int
    renewals: int
    max_renewals: None
    trial_ends_at: None
    created_at: Time | None
    updated_at: Time | None
    price: Amount
    next_due_date: Day | None
    delivery_status: str
    delivery_action: str | None
    customer: Customer | None = Field(default=None, description="With include=customer.")
    product: Product | None = Field(default=None, description="With include=product.")


class ActionOutcome(Shape):
    """The outcome of a service's state change, as CLIENTXCMS serialises it."""

    service: Service
    success: bool
    message: str
    created_at: Time | None
    data: list[Any]


class ServiceAction(Shape):
    """``wire.action_result``: the service after suspend / unsuspend / expire, and the outcome."""

    data: Service
    result: ActionOutcome


class InvoiceItem(Shape):
    """``wire.invoice_item``."""

    id: int
    invoice_id: int
    name: str
    description: str
    quantity: int
    unit_price_ht: float
    unit_setup_ht: float
    unit_price_ttc: float
    unit_setup_ttc: float
    type: str
    related_id: int | None
    data: dict[str, Any]
    parent_id: None
    taxed: bool
    period_start: Day | None
    period_end: Day | None


class Payment(Shape):
    """``wire.payment``."""

    id: int
    invoice_id: int
    gateway: str
    transaction_id: str | None
    amount: float
    currency: str
    status: str
    error: str | None
    created_at: Time | None


class Invoice(Shape):
    """``wire.invoice``."""

    id: int
    customer_id: int
    invoice_number: str | None
    status: str
    due_date: Time
    paid_at: Time | None
    total: float
    subtotal: float
    tax: float
    setupfees: float
    balance: float
    fees: float
    currency: str
    notes: str
    created_at: Time | None
    updated_at: Time | None
    deleted_at: Time | None
    order_id: int | None
    date: Day | None
    taxrate: float
    taxrate2: float
    paid: float
    due: float
    items: list[InvoiceItem] = Field(default_factory=list, description="Its lines, where loaded.")
    payments: list[Payment] = Field(default_factory=list, description="Its payments, where loaded.")
    customer: Customer | None = Field(default=None, description="With include=customer.")


class InvoiceOutcome(Shape):
    """``wire.invoice_outcome``."""

    message: str
    invoice: Invoice


class OrderItem(Shape):
    id: int
    product_id: int
    billing: str
    qty: int
    price: Amount
    setup: Amount
    options: dict[str, Any]


class Order(Shape):
    """``wire.order``."""

    id: int
    customer_id: int
    status: str
    currency: str
    invoice_id: int | None
    items: list[OrderItem]
    created_at: Time | None
    updated_at: Time | None


class Department(Shape):
    """``wire.department``."""

    id: int
    name: str
    description: str
    icon: str
    staff_subscribers: None
    created_at: Time | None
    updated_at: Time | None
    tickets: list[Ticket] = Field(default_factory=list, description="With include=tickets.")


class Staff(Shape):
    """``wire.staff``."""

    id: int
    username: str
    firstname: str
    lastname: str


class TicketMessage(Shape):
    """One of ``wire.messages``: the opening text (no id), then each reply."""

    id: int | None
    ticket_id: int
    customer_id: int | None
    admin_id: int | None
    message: str
    read_at: None
    edited_at: None
    created_at: Time | None
    updated_at: Time | None
    customer: Customer | None
    admin: Staff | None


class Ticket(Shape):
    """``wire.ticket``: ``assigned_to`` is the assignee's id, or with include=assignedTo the assignee."""

    id: int
    uuid: str
    department_id: int
    customer_id: int
    subject: str
    status: str
    priority: str
    related_type: Literal["service"] | None
    related_id: int | None
    staff_subscribers: None
    assigned_to: int | Staff | None
    closed_at: Time | None
    close_reason: str | None
    closed_by: str | None
    closed_by_id: int | None
    created_at: Time | None
    updated_at: Time | None
    number: int
    customer: Customer | None = Field(default=None, description="With include=customer.")
    department: Department | None = Field(default=None, description="With include=department.")
    messages: list[TicketMessage] = Field(default_factory=list, description="With include=messages.")


class TicketOutcome(Shape):
    """``wire.ticket_outcome``."""

    message: str
    ticket: Ticket


class IpPool(Shape):
    """``wire.ip_pool``."""

    id: int
    name: str
    network: str
    gateway: str | None
    assigned: int
    created_at: Time | None
    updated_at: Time | None


class IpAddress(Shape):
    """``wire.ip_address``."""

    id: int
    address: str
    pool_id: int
    pool: str
    network: str
    gateway: str | None
    service_id: int
    created_at: Time | None


class Pdu(Shape):
    """``wire.pdu``."""

    id: int
    name: str
    address: str
    outlets: int
    created_at: Time | None
    updated_at: Time | None


class PduPort(Shape):
    """``wire.pdu_port``."""

    id: int
    pdu_id: int
    pdu: str
    outlet: int
    label: str
    service_id: int
    created_at: Time | None


class Server(Shape):
    """``wire.server``."""

    id: int
    name: str
    hostname: str
    address: str
    port: int
    type: str
    status: str
    maxaccounts: int | None
    accounts: int
    created_at: Time | None
    updated_at: Time | None


class ConnectionCheck(Shape):
    """``wire.connection_check``."""

    success: bool
    status: int
    message: str


class CancellationReason(Shape):
    """``wire.cancellation_reason``."""

    id: int
    reason: str
    status: str
    created_at: Time | None
    updated_at: Time | None
    deleted_at: Time | None


class ReasonShare(Shape):
    reason_id: int
    reason: str
    count: int


class CancellationAnalytics(Shape):
    """``wire.cancellation_analytics``."""

    start_date: Day
    end_date: Day
    total_cancellations: int
    distribution: list[ReasonShare]


class SubdomainHost(Shape):
    """``wire.subdomain_host``."""

    id: int
    domain: str
    products: list[int]
    groups: list[int]
    created_at: Time | None
    updated_at: Time | None


class ActionLog(Shape):
    """``wire.action_log``."""

    id: int
    customer_id: int | None
    staff_id: int | None
    action: str
    model: str | None
    model_id: str | None
    payload: dict[str, Any]
    ip: str | None
    created_at: Time | None
    updated_at: Time | None


# The platform's answers.


class DatabaseHealth(Shape):
    status: Literal["ok", "error"]
    backend: str
    latency_ms: float | None = None


class Health(Shape):
    status: Literal["ok", "error"]
    version: str
    time: str
    database: DatabaseHealth


class Statistics(Shape):
    """``{"status": "ok", "statistics": {...}}``: the platform's figures (each domain adds its own)."""

    status: Literal["ok"]
    statistics: dict[str, Any]


class Licence(Shape):
    status: Literal["ok"]
    license: dict[str, Any]


# Laravel's envelopes of a list.

Item = TypeVar("Item", bound=BaseModel)


TOTAL_HELP = (
    "Rows in the list: exact when the list is unfiltered, on its last page, and when the filters match at most "
    "10,000 rows; past that, on PostgreSQL, the query planner's estimate (never fewer than the rows known to exist)."
)


class PageLink(Shape):
    url: str | None
    label: str
    active: bool


class PageLinks(Shape):
    first: str
    last: str
    prev: str | None
    next: str | None


class PageMeta(Shape):
    current_page: int
    from_: int | None = Field(alias="from")
    last_page: int
    links: list[PageLink]
    path: str
    per_page: int
    to: int | None
    total: int = Field(description=TOTAL_HELP)


class Paginated(Shape, Generic[Item]):
    """``wire.paginated``: Laravel's resource collection."""

    data: list[Item]
    links: PageLinks
    meta: PageMeta


class CursorLinks(Shape):
    first: None
    last: None
    prev: str | None
    next: str | None


class CursorMeta(Shape):
    path: str
    per_page: int
    next_cursor: str | None
    prev_cursor: str | None


class CursorPaginated(Shape, Generic[Item]):
    """``wire.paginated`` of a page read by ``cursor``: Laravel's resource collection of a cursor paginator."""

    data: list[Item]
    links: CursorLinks
    meta: CursorMeta


class FlatCursorPaginated(Shape, Generic[Item]):
    """``wire.flat_paginated`` of a page read by ``cursor``: Laravel's plain cursor paginator."""

    data: list[Item]
    path: str
    per_page: int
    next_cursor: str | None
    next_page_url: str | None
    prev_cursor: str | None
    prev_page_url: str | None


class FlatPaginated(Shape, Generic[Item]):
    """``wire.flat_paginated``: Laravel's plain paginator (also a show answered as a page of one)."""

    current_page: int
    data: list[Item]
    first_page_url: str
    from_: int | None = Field(alias="from")
    last_page: int
    last_page_url: str
    links: list[PageLink]
    next_page_url: str | None
    path: str
    per_page: int
    prev_page_url: str | None
    to: int | None
    total: int = Field(description=TOTAL_HELP)


class Held(Shape, Generic[Item]):
    """What ``kit.Holding`` lists: ``{"data": [...]}``."""

    data: list[Item]


class Integration(Shape):
    """``wire.integration``: a partner's integration, never its secret. ``clientId`` keeps the Xibo Platform
    document's name, the one a partner copies it under."""

    id: int
    customer_id: int
    name: str
    environment: Literal["live", "test"]
    clientId: str  # the document's name
    created_at: Time
    refreshed_at: Time | None


class IssuedIntegration(Integration):
    """``wire.issued_integration``: the integration with its ``clientSecret``, answered once (creation, refresh)
    and never again."""

    clientSecret: str  # the document's name


for _model in (Customer, Group, Product, Pricing, Service, Invoice, Department, Ticket):
    _model.model_rebuild()


class CouponPricing(PricingRow):
    """``wire.coupon_pricing``: a coupon's values in one currency (a fixed amount, or a percentage)."""

    related_type: Literal["coupon"]
    minimum_order_amount: float
    created_at: Time | None
    updated_at: Time | None


class CouponUsage(Shape):
    """``wire.coupon_usage``: one use of a coupon by an order."""

    id: int
    coupon_id: int
    customer_id: int
    used_at: Time | None
    amount: float
    created_at: Time | None
    updated_at: Time | None
    currency: str
    order_id: int
    invoice_id: int | None


class Coupon(Shape):
    """``wire.coupon``. ``usages`` counts the uses, or lists them with include=usages."""

    id: int
    code: str
    type: Literal["percent", "fixed"]
    applied_month: int
    free_setup: bool
    start_at: Time | None
    end_at: Time | None
    first_order_only: bool
    max_uses: int
    max_uses_per_customer: int
    usages: int | list[CouponUsage]
    unique_use: bool
    customer_id: int | None
    products_required: list[int]
    minimum_order_amount: float
    is_global: bool
    created_at: Time | None
    updated_at: Time | None
    deleted_at: None
    products: list[Product] | None = Field(default=None, description="With include=products.")
    pricing: list[CouponPricing] | None = Field(default=None, description="Always.")
    customer: Customer | None = Field(default=None, description="With include=customer.")
