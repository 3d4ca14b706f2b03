"""Customers, and their credit and saved payment methods."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from hostlane.billing import service as billing
from hostlane.billing.schemas import CreditIn, PaymentMethodIn
from hostlane.core.formats import render
from hostlane.customers import service as customers
from hostlane.faces.application import wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.inputs import CustomerCreate, CustomerUpdate
from hostlane.faces.application.routes.kit import Resource, face_router
from hostlane.faces.common import PathId, WriteSession
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal

router = face_router()
# Mounted after the invoices, where these routes stood when they shared one module with them.
money_router = face_router()

CUSTOMERS = Resource(router, "/customers", one="customer", spec=customers.LIST_SPEC, wire=wire.customer)
CUSTOMERS.index(customers.list_customers, summary="List customers")
CUSTOMERS.create(CustomerCreate, customers.create_customer, summary="Create a customer")
CUSTOMERS.show_including(customers.get_customer, summary="Show a customer")
CUSTOMERS.update(CustomerUpdate, customers.update_customer, summary="Update a customer (partial)")


@router.delete("/customers/{customer_id}", summary="Delete a customer (force=1 terminates its services)")
async def delete_customer(
    request: Request,
    customer_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:delete")],
    force: Annotated[bool, Query()] = False,
) -> Response:
    return render(request, wire.customer(await customers.delete_customer(session, principal, customer_id, force=force)))


@money_router.post("/customers/{customer_id}/credit", summary="Add credit (spent on unpaid invoices first)")
async def add_credit(
    request: Request,
    customer_id: PathId,
    body: CreditIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    row = await billing.add_credit_amount(session, principal, customer_id, body)
    return await remember(session, request, render(request, wire.customer(row)))


@money_router.post("/customers/{customer_id}/payment-methods", status_code=201, summary="Save a payment method")
async def save_payment_method(
    request: Request,
    customer_id: PathId,
    body: PaymentMethodIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    method = await billing.save_payment_method(session, principal, customer_id, gateway=body.gateway, token=body.token)
    return render(request, wire.saved_payment_method(method, customer_id), 201)
