"""Customers: CRUD, the account actions (confirm, resend_confirmation, send_password, action/…), and their
credit and saved payment methods."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.billing.schemas import CreditIn, PaymentMethodIn
from hostlane.core.formats import render
from hostlane.core.pagination import ListQuery, Page
from hostlane.customers import service as customers
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.includes import CUSTOMER_INCLUDES, attach_customer_includes
from hostlane.faces.application.inputs import CustomerAction, CustomerCreate, CustomerUpdate
from hostlane.faces.application.routes.kit import Resource, Row, face_router
from hostlane.faces.common import PathId, WriteSession
from hostlane.faces.face import success_responses
from hostlane.faces.idempotency import remember
from hostlane.identity.principal import Principal

router = face_router()
# Mounted after the invoices, where these routes stood when they shared one module with them.
money_router = face_router()

# CLIENTXCMS's includes: the customers domain's (services), and what the face attaches (invoices, metadata).
LIST_SPEC = dataclasses.replace(customers.LIST_SPEC, includes=customers.LIST_SPEC.includes | CUSTOMER_INCLUDES.keys())


async def _list_including(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    page = await customers.list_customers(session, principal, query)
    await attach_customer_includes(session, principal, page.items, query.includes)
    return page


async def _get_including(
    session: AsyncSession, principal: Principal, customer_id: int, /, *, includes: frozenset[str]
) -> Row:
    row = await customers.get_customer(session, principal, customer_id, includes=includes)
    await attach_customer_includes(session, principal, [row], includes)
    return row


CUSTOMERS = Resource(router, "/customers", one="customer", spec=LIST_SPEC, wire=wire.customer, shape=schemas.Customer)
CUSTOMERS.index(_list_including, summary="List customers")
CUSTOMERS.create(CustomerCreate, customers.create_customer, summary="Create a customer")
CUSTOMERS.show_including(_get_including, summary="Show a customer")
CUSTOMERS.update(CustomerUpdate, customers.update_customer, summary="Update a customer (partial)")


@router.delete(
    "/customers/{customer_id}",
    summary="Delete a customer (force=1 terminates its services)",
    responses=CUSTOMERS.answers(),
)
async def delete_customer(
    request: Request,
    customer_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:delete")],
    force: Annotated[bool, Query()] = False,
) -> Response:
    return render(request, wire.customer(await customers.delete_customer(session, principal, customer_id, force=force)))


@router.post(
    "/customers/{customer_id}/confirm", summary="Mark a customer's e-mail verified", responses=CUSTOMERS.answers()
)
async def confirm_customer(
    request: Request,
    customer_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    return render(request, wire.customer(await customers.confirm_email(session, principal, customer_id)))


@router.post(
    "/customers/{customer_id}/resend_confirmation",
    summary="Mail the customer a verification link",
    responses=success_responses(schemas.Message),
)
async def resend_confirmation(
    request: Request,
    customer_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    await customers.send_email_verification(session, principal, customer_id)
    return render(request, {"message": "Verification link sent"})


@router.post(
    "/customers/{customer_id}/send_password",
    summary="Mail the customer a password reset link",
    responses=success_responses(schemas.Message),
)
async def send_password(
    request: Request,
    customer_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    await customers.send_password_reset(session, principal, customer_id)
    return render(request, {"message": "Reset link sent"})


CustomerActionName = Literal["suspend", "reactivate", "ban", "disable2FA"]


@router.post(
    "/customers/{customer_id}/action/{action}",
    summary="Suspend, reactivate or ban a customer, or remove its second factor (disable2FA)",
    responses=CUSTOMERS.answers(),
)
async def customer_action(
    request: Request,
    customer_id: PathId,
    action: Annotated[CustomerActionName, Path()],
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
    body: CustomerAction | None = None,
) -> Response:
    given = body or CustomerAction()
    if action == "suspend":
        row = await customers.suspend_customer(session, principal, customer_id, given.to_domain())
    elif action == "ban":
        row = await customers.ban_customer(session, principal, customer_id, given.to_domain())
    elif action == "reactivate":
        row = await customers.reactivate_customer(session, principal, customer_id, notify=given.notify)
    else:
        row = await customers.disable_two_factor(session, principal, customer_id)
    return render(request, wire.customer(row))


@money_router.post(
    "/customers/{customer_id}/credit",
    summary="Add credit (spent on unpaid invoices first)",
    responses=CUSTOMERS.answers(),
)
async def add_credit(
    request: Request,
    customer_id: PathId,
    body: CreditIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    row = await billing.add_credit_amount(session, principal, customer_id, body)
    return await remember(session, request, render(request, wire.customer(row)))


@money_router.post(
    "/customers/{customer_id}/payment-methods",
    status_code=201,
    summary="Save a payment method",
    responses=success_responses(schemas.SavedPaymentMethod, 201),
)
async def save_payment_method(
    request: Request,
    customer_id: PathId,
    body: PaymentMethodIn,
    session: WriteSession,
    principal: Annotated[Principal, needs("customers:update")],
) -> Response:
    method = await billing.save_payment_method(session, principal, customer_id, gateway=body.gateway, token=body.token)
    return render(request, wire.saved_payment_method(method, customer_id), 201)
