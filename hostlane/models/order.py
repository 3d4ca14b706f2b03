"""Orders: what a customer asked to buy. Placing one makes an invoice and pending services."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostlane.core.db import Base, BigId, text_enum
from hostlane.models.columns import Timestamps, list_index
from hostlane.models.service import BillingCycle


class OrderStatus(StrEnum):
    PENDING = "pending"  # its invoice is unpaid
    ACTIVE = "active"  # paid; its services are being (or were) provisioned
    CANCELLED = "cancelled"


class Order(Timestamps, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_livemode_customer_id", "livemode", "customer_id"),
        # What the lists filter and sort on (issue 16).
        Index("ix_orders_livemode_invoice_id", "livemode", "invoice_id"),
        list_index("orders", "status"),
        list_index("orders", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    status: Mapped[OrderStatus] = mapped_column(text_enum(OrderStatus), default=OrderStatus.PENDING)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    billing: Mapped[BillingCycle] = mapped_column(text_enum(BillingCycle))
    qty: Mapped[int] = mapped_column(Integer, default=1)
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    setup_minor: Mapped[int] = mapped_column(sa.BigInteger)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
