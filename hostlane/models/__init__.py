"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from hostlane.core.db import Base
from hostlane.models.administrator import Administrator
from hostlane.models.api_key import ApiKey
from hostlane.models.audit import AuditEntry
from hostlane.models.auth_failure import AuthFailure
from hostlane.models.billing import (
    CreditEntry,
    Invoice,
    InvoiceItem,
    InvoiceSequence,
    InvoiceStatus,
    ItemType,
    Payment,
    PaymentMethod,
    PaymentStatus,
    TaxRule,
)
from hostlane.models.catalog import BILLING_CYCLES, CatalogMetadata, CatalogStatus, Pricing, Product, ProductGroup
from hostlane.models.customer import Customer, CustomerStatus
from hostlane.models.customer_token import RefreshToken, TokenFamily
from hostlane.models.idempotency import IdempotencyRecord
from hostlane.models.job import Job, JobStatus, SchedulerLock
from hostlane.models.network import IpAddress, IpPool, PduDevice, PduPort
from hostlane.models.order import Order, OrderItem, OrderStatus
from hostlane.models.service import BillingCycle, DeliveryStatus, Service, ServiceEvent, ServiceStatus
from hostlane.models.support import (
    ReplyType,
    SupportDepartment,
    SupportReply,
    SupportTicket,
    TicketPriority,
    TicketStatus,
)

__all__ = [
    "BILLING_CYCLES",
    "Administrator",
    "ApiKey",
    "AuditEntry",
    "AuthFailure",
    "Base",
    "BillingCycle",
    "CatalogMetadata",
    "CatalogStatus",
    "CreditEntry",
    "Customer",
    "CustomerStatus",
    "DeliveryStatus",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceItem",
    "InvoiceSequence",
    "InvoiceStatus",
    "IpAddress",
    "IpPool",
    "ItemType",
    "Job",
    "JobStatus",
    "Order",
    "OrderItem",
    "OrderStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "PduDevice",
    "PduPort",
    "Pricing",
    "Product",
    "ProductGroup",
    "RefreshToken",
    "ReplyType",
    "SchedulerLock",
    "Service",
    "ServiceEvent",
    "ServiceStatus",
    "SupportDepartment",
    "SupportReply",
    "SupportTicket",
    "TaxRule",
    "TicketPriority",
    "TicketStatus",
    "TokenFamily",
]
