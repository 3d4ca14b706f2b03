"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from hostlane.core.counts import ListCount
from hostlane.core.db import Base
from hostlane.models.admin_session import AdminSession
from hostlane.models.administrator import Administrator
from hostlane.models.api_key import ApiKey
from hostlane.models.audit import AuditEntry
from hostlane.models.auth_failure import AuthFailure
from hostlane.models.billing import (
    CreditEntry,
    GatewayCustomer,
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
from hostlane.models.coupon import (
    EVERY_RENEWAL,
    FIRST_PAYMENT,
    Coupon,
    CouponProduct,
    CouponType,
    CouponUsage,
    CouponValue,
    ServiceCoupon,
)
from hostlane.models.customer import Customer, CustomerStatus
from hostlane.models.customer_token import RefreshToken, TokenFamily
from hostlane.models.idempotency import IdempotencyRecord
from hostlane.models.job import Job, JobStatus, SchedulerLock
from hostlane.models.network import IpAddress, IpPool, PduDevice, PduPort
from hostlane.models.order import Order, OrderItem, OrderStatus
from hostlane.models.partner import PartnerIntegration, PartnerUsage
from hostlane.models.project import (
    ActionStatus,
    Project,
    ProjectAction,
    ProjectFile,
    ProjectStatus,
    ProjectTicketLink,
    ProjectTimeLog,
    ProjectTopic,
)
from hostlane.models.provisioning import CancellationReason, ProvisioningServer, Subdomain, SubdomainHost, Visibility
from hostlane.models.service import BillingCycle, DeliveryStatus, Service, ServiceEvent, ServiceStatus
from hostlane.models.support import (
    ReplyType,
    SupportAttachment,
    SupportDepartment,
    SupportReply,
    SupportTicket,
    TicketPriority,
    TicketStatus,
)
from hostlane.models.telephony import (
    AdministratorEntity,
    CallerIdMode,
    LineTemplate,
    NumberInterval,
    PbxEntity,
    PbxLine,
    PbxServer,
    SipNaming,
    TemplateEntity,
    TemplateServer,
    VoicemailNumberMode,
)
from hostlane.models.web_session import WebSession

__all__ = [
    "BILLING_CYCLES",
    "EVERY_RENEWAL",
    "FIRST_PAYMENT",
    "ActionStatus",
    "AdminSession",
    "Administrator",
    "AdministratorEntity",
    "ApiKey",
    "AuditEntry",
    "AuthFailure",
    "Base",
    "BillingCycle",
    "CallerIdMode",
    "CancellationReason",
    "CatalogMetadata",
    "CatalogStatus",
    "Coupon",
    "CouponProduct",
    "CouponType",
    "CouponUsage",
    "CouponValue",
    "CreditEntry",
    "Customer",
    "CustomerStatus",
    "DeliveryStatus",
    "GatewayCustomer",
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
    "LineTemplate",
    "ListCount",
    "NumberInterval",
    "Order",
    "OrderItem",
    "OrderStatus",
    "PartnerIntegration",
    "PartnerUsage",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "PbxEntity",
    "PbxLine",
    "PbxServer",
    "PduDevice",
    "PduPort",
    "Pricing",
    "Product",
    "ProductGroup",
    "Project",
    "ProjectAction",
    "ProjectFile",
    "ProjectStatus",
    "ProjectTicketLink",
    "ProjectTimeLog",
    "ProjectTopic",
    "ProvisioningServer",
    "RefreshToken",
    "ReplyType",
    "SchedulerLock",
    "Service",
    "ServiceCoupon",
    "ServiceEvent",
    "ServiceStatus",
    "SipNaming",
    "Subdomain",
    "SubdomainHost",
    "SupportAttachment",
    "SupportDepartment",
    "SupportReply",
    "SupportTicket",
    "TaxRule",
    "TemplateEntity",
    "TemplateServer",
    "TicketPriority",
    "TicketStatus",
    "TokenFamily",
    "Visibility",
    "VoicemailNumberMode",
    "WebSession",
]
