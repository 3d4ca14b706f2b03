"""The partner face's routes under ``/api/platform``: the token endpoint, the account and the price list, orders,
CMS instances and their display licences, and invoices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import HostlaneError
from hostlane.core.formats import render
from hostlane.core.pagination import MAX_PAGE
from hostlane.faces.common import (
    NO_STORE,
    ClientIp,
    PathId,
    ReadSession,
    RuntimeDep,
    documented_body,
    parse_model,
)
from hostlane.faces.face import error_responses, success_responses
from hostlane.faces.idempotency import claiming, remember
from hostlane.faces.partner import auth, wire
from hostlane.faces.partner.inputs import PlatformOrder
from hostlane.identity.principal import Principal
from hostlane.partners import service as partners
from hostlane.partners import usage as partner_usage

PREFIX = "/api/platform"
TAG = "partner"
router = APIRouter(prefix=PREFIX, tags=[TAG])
Partner = Annotated[Principal, Depends(auth.partner)]
# A route that creates something claims the request's Idempotency-Key for the partner (``faces.idempotency``).
ClaimingPartner = Annotated[Principal, Depends(claiming(auth.partner))]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="The page (50 a page, newest first).")]


class PlatformTokenRequest(BaseModel):
    """RFC 6749 4.4.2, with the client's credentials as form fields (or HTTP Basic instead)."""

    grant_type: str = Field(description="client_credentials")
    client_id: str | None = Field(default=None, description="The clientId, unless sent by HTTP Basic.")
    client_secret: str | None = Field(default=None, description="The clientSecret, unless sent by HTTP Basic.")


@router.post(
    "/authorize/access_token",
    summary="An access token for client credentials (OAuth2 client_credentials grant)",
    description="`grant_type=client_credentials` with the integration's clientId and clientSecret, as the form "
    "fields `client_id` and `client_secret` or as HTTP Basic. The test environment's credentials work on the test "
    "hosts only, the live ones on the others. A wrong secret counts toward the failed-login ban.",
    openapi_extra=documented_body(PlatformTokenRequest),
    responses={**success_responses(wire.Token), **error_responses(400, 401)},
)
async def access_token(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    return render(request, await auth.access_token(request, runtime, ip), headers=NO_STORE)


@router.get("/account", summary="The partner's account", responses=success_responses(wire.Account))
async def account(request: Request, session: ReadSession, principal: Partner) -> Response:
    return render(request, wire.account(await partners.account(session, principal)))


@router.get(
    "/products",
    summary="The price list: the products offered to partners, priced in the partner's currency",
    responses=success_responses(list[wire.Product]),  # type: ignore[arg-type]
)
async def products(request: Request, session: ReadSession, principal: Partner) -> Response:
    currency, rows = await partners.price_list(session, principal)
    return render(request, [wire.product(row, currency) for row in rows])


# Orders.


@router.post(
    "/orders",
    summary="Order from the price list: an order with its invoice (Idempotency-Key honoured)",
    description="Each item is a product of the price list; a CMS instance plan takes `displays` and `instanceName`. "
    "`autoPay: true` charges the saved card off-session; without a saved card, or when the charge fails, the "
    "invoice is e-mailed with a pay link and the order waits (`status: pending`). An order holding a monthly CMS "
    "instance plan needs a saved card: without one it is refused (402) and nothing is created. Paying the invoice "
    "provisions the instances.",
    status_code=201,
    openapi_extra=documented_body(PlatformOrder),
    responses={**success_responses(wire.Order, status=201), **error_responses(402, 409, 422)},
)
async def place_order(request: Request, runtime: RuntimeDep, principal: ClaimingPartner) -> Response:
    data = (await parse_model(request, PlatformOrder)).to_domain()

    async def keep(session: AsyncSession, row: dict[str, Any]) -> None:
        await remember(session, request, render(request, wire.order(row), 201))  # committed with the order

    try:
        row = await partners.place_order(runtime.db, principal, data, keep=keep)
    except HostlaneError as exc:
        raise wire.in_camel_case(exc) from None
    return render(request, wire.order(row), 201)


@router.get(
    "/orders",
    summary="The partner's orders, newest first",
    responses=success_responses(list[wire.Order]),  # type: ignore[arg-type]
)
async def list_orders(request: Request, session: ReadSession, principal: Partner, page: PageNumber = 1) -> Response:
    return render(request, [wire.order(row) for row in await partners.list_orders(session, principal, page=page)])


@router.get("/orders/{order_id}", summary="One order", responses=success_responses(wire.Order))
async def show_order(request: Request, order_id: PathId, session: ReadSession, principal: Partner) -> Response:
    return render(request, wire.order(await partners.order(session, principal, order_id)))


# CMS instances and their display licences.


@router.get(
    "/instances",
    summary="The partner's CMS instances",
    responses=success_responses(list[wire.Instance]),  # type: ignore[arg-type]
)
async def list_instances(request: Request, session: ReadSession, principal: Partner) -> Response:
    return render(request, [wire.instance(row) for row in await partners.instances(session, principal)])


@router.get("/instances/{instance_id}", summary="One CMS instance", responses=success_responses(wire.Instance))
async def show_instance(request: Request, instance_id: PathId, session: ReadSession, principal: Partner) -> Response:
    return render(request, wire.instance(await partners.instance(session, principal, instance_id)))


@router.get(
    "/licences",
    summary="Display licences per CMS instance: licensed, in use, expiry",
    responses=success_responses(list[wire.Licence]),  # type: ignore[arg-type]
)
async def licences(request: Request, session: ReadSession, principal: Partner) -> Response:
    return render(request, [wire.licence(row) for row in await partners.licences(session, principal)])


@router.get(
    "/usage",
    summary="Cloud usage per CMS instance in one month: displays, storage, bandwidth",
    description="The usage each of the partner's instances recorded for `month` (`YYYY-MM`), in this environment. "
    "A month is recorded once it has ended (by the next daily run); its metered displays are billed on the "
    "instance's next renewal invoice, at the plan's price per display, once.",
    responses={**success_responses(list[wire.Usage]), **error_responses(422)},  # type: ignore[arg-type]
)
async def usage(
    request: Request,
    session: ReadSession,
    principal: Partner,
    month: Annotated[str | None, Query(description="The month, YYYY-MM (e.g. 2026-12).")] = None,
) -> Response:
    rows = await partner_usage.of_month(session, principal, partner_usage.parse_month(month))
    return render(request, [wire.usage(row) for row in rows])


# Invoices.


@router.get(
    "/invoices",
    summary="The partner's invoices, newest first",
    responses=success_responses(list[wire.InvoiceSummary]),  # type: ignore[arg-type]
)
async def list_invoices(request: Request, session: ReadSession, principal: Partner, page: PageNumber = 1) -> Response:
    rows = await partners.list_invoices(session, principal, page=page)
    return render(request, [wire.invoice_summary(row) for row in rows])


@router.get("/invoices/{invoice_id}", summary="One invoice with its lines", responses=success_responses(wire.Invoice))
async def show_invoice(request: Request, invoice_id: PathId, session: ReadSession, principal: Partner) -> Response:
    return render(request, wire.invoice(await partners.invoice(session, principal, invoice_id)))
