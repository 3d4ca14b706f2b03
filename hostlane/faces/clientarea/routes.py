"""Routes of the client-area face (XSServer / HostBill User API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.billing.schemas import InvoicePayment
from hostlane.catalog import service as catalog
from hostlane.core.errors import ValidationFailed
from hostlane.core.formats import FormatRoute, render
from hostlane.core.money import format_amount
from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.customers import sessions as customer_sessions
from hostlane.faces.clientarea import schemas, wire
from hostlane.faces.clientarea.auth import customer
from hostlane.faces.clientarea.inputs import CustomerTicketOpen, ProductOrder, ReplyIn, parse, required
from hostlane.faces.common import (
    NO_STORE,
    ClientIp,
    PathId,
    ReadSession,
    RuntimeDep,
    WriteSession,
    bearer_token,
    documented_body,
    livemode_of,
)
from hostlane.faces.face import error_responses, success_responses
from hostlane.faces.idempotency import claiming, remember
from hostlane.identity.principal import Principal
from hostlane.network import service as network
from hostlane.network.schemas import PowerIn, RdnsIn
from hostlane.orders import service as orders
from hostlane.services import service as services
from hostlane.support import service as support

PREFIX = "/api"
router = APIRouter(prefix=PREFIX, tags=["clientarea"], route_class=FormatRoute)
# The caller of every route but the four that log in and out: it also claims the request's Idempotency-Key.
Customer = Annotated[Principal, Depends(claiming(customer))]
TicketNumber = PathId  # a ticket's public number
ALL = 10_000  # the client area's lists are whole (HostBill's are); a customer's own rows stay few


@router.post(
    "/login",
    summary="Log in: an access token and a refresh token",
    openapi_extra=documented_body(["username", "password"]),
    responses=success_responses(schemas.Tokens),
)
async def login(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    fields = await required(request, "username", "password")
    pair = await customer_sessions.login(
        runtime.db,
        runtime.login_guard,
        runtime.settings.secret_key,
        ip=ip,
        host=request.headers.get("user-agent"),
        email=fields["username"],
        password=fields["password"],
        livemode=livemode_of(request, runtime.settings.test_hosts),
    )
    return render(request, {"token": pair.token, "refresh": pair.refresh}, headers=NO_STORE)


@router.post(
    "/token",
    summary="A new token pair for a refresh token (each refresh token works once)",
    openapi_extra=documented_body(["refresh_token"]),
    responses=success_responses(schemas.Tokens),
)
async def refresh(request: Request, runtime: RuntimeDep) -> Response:
    fields = await required(request, "refresh_token")
    pair = await customer_sessions.refresh(runtime.db, runtime.settings.secret_key, fields["refresh_token"])
    return render(request, {"token": pair.token, "refresh": pair.refresh}, headers=NO_STORE)


@router.post(
    "/revoke",
    summary="End a login: pass its refresh token, or call with its access token",
    openapi_extra=documented_body(["refresh_token"], required=False),
    responses=success_responses(schemas.Done),
)
async def revoke(request: Request, runtime: RuntimeDep) -> Response:
    token = bearer_token(request)
    if token is None:
        token = (await required(request, "refresh_token"))["refresh_token"]
    if not await customer_sessions.revoke(runtime.db, runtime.settings.secret_key, token):
        raise ValidationFailed("The token is not valid.", fields={"refresh_token": ["The token is not valid."]})
    return render(request, {"status": True}, headers=NO_STORE)


@router.post("/logout", summary="Invalidate the authorization token", responses=success_responses(schemas.Done))
async def logout(request: Request, runtime: RuntimeDep, _: Annotated[Principal, Depends(customer)]) -> Response:
    if (token := bearer_token(request)) is not None:
        await customer_sessions.revoke(runtime.db, runtime.settings.secret_key, token)
    return render(request, {"status": True}, headers=NO_STORE)


@router.get("/details", summary="My account's registration details", responses=success_responses(schemas.Details))
async def details(request: Request, session: ReadSession, principal: Customer) -> Response:
    row = await customers.get_customer(session, principal, principal.scope or 0)
    return render(request, {"client": wire.client(row)})


@router.get(
    "/balance", summary="Unpaid invoices total and account credit", responses=success_responses(schemas.Balance)
)
async def balance(request: Request, session: ReadSession, principal: Customer) -> Response:
    figures = await billing.balance(session, principal, principal.scope or 0)
    currency = figures["currency"]
    return render(
        request,
        {
            "success": True,
            "details": {
                "currency": currency,
                "acc_balance": format_amount(figures["balance_minor"], currency),
                "acc_credit": format_amount(figures["credit_minor"], currency),
            },
        },
    )


@router.get("/invoice", summary="All invoices under my account", responses=success_responses(schemas.Invoices))
async def invoices(request: Request, session: ReadSession, principal: Customer) -> Response:
    page = await billing.list_invoices(session, principal, ListQuery(page=1, per_page=ALL, sort=[("id", True)]))
    return render(request, {"invoices": [wire.invoice_summary(row) for row in page.items]})


@router.get(
    "/invoice/{invoice_id}", summary="One invoice with its items", responses=success_responses(schemas.OneInvoice)
)
async def invoice(request: Request, invoice_id: PathId, session: ReadSession, principal: Customer) -> Response:
    row = await billing.get_invoice(session, principal, invoice_id)
    owner = await customers.get_customer(session, principal, row["customer_id"])
    return render(request, {"invoice": wire.invoice_detail(row, owner)})


# Support


@router.get("/tickets", summary="List support tickets under my account", responses=success_responses(schemas.Tickets))
async def tickets(request: Request, session: ReadSession, principal: Customer) -> Response:
    query = ListQuery(page=1, per_page=ALL, sort=[("updated_at", True), ("id", True)])
    page = await support.list_tickets(session, principal, query)
    return render(request, {"tickets": [wire.ticket_summary(row) for row in page.items]})


@router.post(
    "/tickets",
    summary="Submit a new ticket (Idempotency-Key)",
    openapi_extra=documented_body(CustomerTicketOpen),
    responses=success_responses(schemas.TicketOpened),
)
async def open_ticket(request: Request, session: WriteSession, principal: Customer) -> Response:
    data = await parse(request, CustomerTicketOpen)
    row = await support.open_ticket(session, principal, data.ticket())
    return await remember(session, request, render(request, {"ticket": row["number"]}))


@router.get(
    "/tickets/{number}",
    summary="Ticket details, with all replies (marks the ticket read)",
    responses=success_responses(schemas.TicketDetail),
)
async def ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    return render(request, wire.ticket_detail(await support.read_ticket(session, principal, number)))


@router.post(
    "/tickets/{number}",
    summary="Reply to a ticket (re-opens it if closed)",
    openapi_extra=documented_body(ReplyIn),
    responses=success_responses(schemas.ReplyAdded),
)
async def reply_ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    ticket_id = await support.ticket_id(session, principal, number)
    await support.reply(session, principal, ticket_id, await parse(request, ReplyIn))
    return await remember(session, request, render(request, {"info": ["reply_added"]}))


@router.put("/tickets/{number}/open", summary="Re-open a closed ticket", responses=success_responses(schemas.Done))
async def reopen_ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    await support.reopen_ticket(session, principal, await support.ticket_id(session, principal, number))
    return render(request, {"status": True})


@router.put("/tickets/{number}/close", summary="Close a ticket", responses=success_responses(schemas.Done))
async def close_ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    await support.close_ticket(session, principal, await support.ticket_id(session, principal, number))
    return render(request, {"status": True})


@router.get("/ticket/departments", summary="The ticket departments", responses=success_responses(schemas.Departments))
async def departments(request: Request, session: ReadSession, principal: Customer) -> Response:
    rows = await support.all_departments(session, principal)
    return render(request, {"depts": [wire.department(row) for row in rows]})


# Services and orders


@router.get("/service", summary="List services under my account", responses=success_responses(schemas.Services))
async def service_list(request: Request, session: ReadSession, principal: Customer) -> Response:
    page = await services.list_services(session, principal, ListQuery(page=1, per_page=ALL, sort=[("id", True)]))
    products = await catalog.products_by_id(session, principal, [row["product_id"] for row in page.items])
    groups = await catalog.groups_by_id(session, principal, [p["group_id"] for p in products.values()])
    rows = []
    for row in page.items:
        product = products.get(row["product_id"])
        rows.append(wire.service_summary(row, product, groups.get(product["group_id"]) if product else None))
    return render(request, {"services": rows})


@router.get("/service/{service_id}", summary="Service details", responses=success_responses(schemas.OneService))
async def service_detail(request: Request, service_id: PathId, session: ReadSession, principal: Customer) -> Response:
    row = await services.get_service(session, principal, service_id)
    product = (await catalog.products_by_id(session, principal, [row["product_id"]])).get(row["product_id"])
    next_invoice = billing.next_invoice_date(row["next_due_date"])
    day = next_invoice.isoformat() if next_invoice is not None else None
    return render(request, {"service": wire.service_detail(row, product, day)})


@router.post(
    "/order/{product_id}",
    summary="Order a product: an invoice and a pending service (Idempotency-Key)",
    openapi_extra=documented_body(ProductOrder, required=False),
    responses=success_responses(schemas.OrderPlaced),
)
async def order(request: Request, product_id: PathId, session: WriteSession, principal: Customer) -> Response:
    data = await parse(request, ProductOrder)
    placed = await orders.order_product(
        session,
        principal,
        product_id,
        cycle=data.cycle,
        options=data.options(),
        coupon=data.promocode,
        coupon_field="promocode",
    )
    answer = wire.order_placed(placed.order, placed.invoice, placed.service, placed.product)
    return await remember(session, request, render(request, answer))


def _payment_answer(request: Request, outcome: billing.PayOutcome) -> Response:
    # Not paid after a charge: the gateway did not answer in time, and the charge settles (or not) when it does.
    info = "payment_received" if outcome.paid else "payment_pending"
    body = {"success": True, "info": [info], "invoice": wire.invoice_summary(outcome.invoice)}
    return render(request, body, 200 if outcome.paid else 202)


@router.post(
    "/invoice/{invoice_id}/pay",
    summary="Pay an invoice with the saved card or with account credit",
    responses={
        **success_responses(schemas.PaymentAnswer),
        202: {
            "description": "The card charge's outcome is not known yet: `payment_pending`",
            "model": schemas.PaymentAnswer,
        },
        **error_responses(402),
    },
    openapi_extra=documented_body(InvoicePayment, required=False),
)
async def pay_invoice(request: Request, invoice_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    data = await parse(request, InvoicePayment)

    async def keep_answer(session: AsyncSession, outcome: billing.PayOutcome) -> None:
        await remember(session, request, _payment_answer(request, outcome))  # committed with the payment

    outcome = await billing.pay_invoice(runtime.db, principal, invoice_id, data.method, on_settled=keep_answer)
    return _payment_answer(request, outcome)


# Network and power of a service


@router.get(
    "/service/{service_id}/ip",
    summary="List the service's IP addresses",
    responses=success_responses(schemas.Ips),
)
async def service_ips(request: Request, service_id: PathId, session: ReadSession, principal: Customer) -> Response:
    rows = await network.service_addresses(session, principal, service_id)
    return render(request, {"success": True, "ips": [wire.ip_address(row) for row in rows]})


def _rdns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"success": True, "ipaddress": {row["address"]: row["ptr"] or "" for row in rows}}


@router.get(
    "/service/{service_id}/rdns",
    summary="Reverse DNS of the service's IP addresses",
    responses={**success_responses(schemas.ReverseDns), **error_responses(502, 503)},
)
async def service_rdns(request: Request, service_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    return render(
        request,
        _rdns(await network.reverse_dns(runtime.db, principal, runtime.dns_for(principal.livemode), service_id)),
    )


@router.post(
    "/service/{service_id}/rdns",
    summary="Update reverse DNS: {ipaddress: {<ip>: <host name>}}",
    responses={**success_responses(schemas.ReverseDns), **error_responses(502, 503)},
    openapi_extra=documented_body(RdnsIn),
)
async def update_rdns(request: Request, service_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    data = await parse(request, RdnsIn)
    rows = await network.set_reverse_dns(runtime.db, principal, runtime.dns_for(principal.livemode), service_id, data)
    return render(request, _rdns(rows))


@router.get(
    "/service/{service_id}/pdu",
    summary="List the PDU ports assigned to the service",
    responses={**success_responses(schemas.Ports), **error_responses(502, 503)},
)
async def service_pdu(request: Request, service_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    rows = await network.ports_with_power(runtime.db, principal, runtime.pdu_for(principal.livemode), service_id)
    return render(request, {"success": True, "ports": [wire.pdu_port(row) for row in rows]})


@router.get(
    "/service/{service_id}/pdu/{port_id}",
    summary="The power of a PDU port",
    responses={**success_responses(schemas.OnePort), **error_responses(502, 503)},
)
async def pdu_port(
    request: Request, service_id: PathId, port_id: PathId, runtime: RuntimeDep, principal: Customer
) -> Response:
    row = await network.port_with_power(runtime.db, principal, runtime.pdu_for(principal.livemode), service_id, port_id)
    return render(request, {"success": True, "port": wire.pdu_port(row)})


@router.post(
    "/service/{service_id}/pdu/{port_id}",
    summary="Power a PDU port on (true) or off (false)",
    responses={**success_responses(schemas.OnePort), **error_responses(502, 503)},
    openapi_extra=documented_body(PowerIn),
)
async def set_pdu_port(
    request: Request, service_id: PathId, port_id: PathId, runtime: RuntimeDep, principal: Customer
) -> Response:
    data = await parse(request, PowerIn)
    row = await network.set_power(
        runtime.db, principal, runtime.pdu_for(principal.livemode), service_id, port_id, on=data.power
    )
    return render(request, {"success": True, "port": wire.pdu_port(row)})
