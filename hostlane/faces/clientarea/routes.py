"""Routes of the client-area face (XSServer / HostBill User API)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from hostlane.billing import charging
from hostlane.billing import service as billing
from hostlane.billing.errors import NoPaymentMethod
from hostlane.billing.schemas import InvoicePayment
from hostlane.catalog import service as catalog
from hostlane.core.errors import ValidationFailed
from hostlane.core.formats import FormatRoute, decode_body, media_type, render
from hostlane.core.idempotency import remember
from hostlane.core.money import format_amount
from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.faces.clientarea import wire
from hostlane.faces.clientarea.auth import customer, livemode_of
from hostlane.faces.clientarea.inputs import CustomerTicketOpen, ProductOrder, ReplyIn
from hostlane.faces.common import ClientIp, PathId, ReadSession, RuntimeDep, WriteSession, bearer_token
from hostlane.identity import customer_sessions
from hostlane.identity.principal import Principal
from hostlane.models import InvoiceStatus
from hostlane.network import service as network
from hostlane.network.schemas import PowerIn, RdnsIn
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.services import service as services
from hostlane.support import service as support

PREFIX = "/api"
router = APIRouter(prefix=PREFIX, tags=["clientarea"], route_class=FormatRoute)
Customer = Annotated[Principal, Depends(customer)]
Input = TypeVar("Input", bound=BaseModel)
TicketNumber = PathId  # a ticket's public number
ALL = 10_000  # the client area's lists are whole (HostBill's are); a customer's own rows stay few


async def _data(request: Request) -> dict[str, Any]:
    """The fields of a JSON, XML or form body (the document's clients send JSON or form fields)."""
    body = await request.body()
    form = media_type(request.headers.get("content-type")) == "application/x-www-form-urlencoded"
    if form and not body.lstrip().startswith(b"{"):  # a JSON object sent with curl's default type is JSON
        data: Any = dict(parse_qsl(body.decode("utf-8", "replace")))
    elif form:
        data = decode_body(body, "application/json")
    else:
        data = decode_body(body, request.headers.get("content-type")) or {}
    return data if isinstance(data, dict) else {}


async def _fields(request: Request, *names: str) -> dict[str, str]:
    """The named text fields, each required."""
    data = await _data(request)
    missing = [name for name in names if not isinstance(data.get(name), str) or not data.get(name)]
    if missing:
        raise ValidationFailed(
            f"The {missing[0]} field is required.",
            fields={name: [f"The {name} field is required."] for name in missing},
        )
    return {name: str(data[name]) for name in names}


async def _parsed(request: Request, model: type[Input]) -> Input:
    """The body validated by ``model``; refusals are the face's 422, naming the fields."""
    data = await _data(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None


@router.post("/login", summary="Log in: an access token and a refresh token")
async def login(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    fields = await _fields(request, "username", "password")
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
    return render(request, {"token": pair.token, "refresh": pair.refresh})


@router.post("/token", summary="A new token pair for a refresh token (each refresh token works once)")
async def refresh(request: Request, runtime: RuntimeDep) -> Response:
    fields = await _fields(request, "refresh_token")
    pair = await customer_sessions.refresh(runtime.db, runtime.settings.secret_key, fields["refresh_token"])
    return render(request, {"token": pair.token, "refresh": pair.refresh})


@router.post("/revoke", summary="End a login: pass its refresh token, or call with its access token")
async def revoke(request: Request, runtime: RuntimeDep) -> Response:
    token = bearer_token(request)
    if token is None:
        token = (await _fields(request, "refresh_token"))["refresh_token"]
    if not await customer_sessions.revoke(runtime.db, runtime.settings.secret_key, token):
        raise ValidationFailed("The token is not valid.", fields={"refresh_token": ["The token is not valid."]})
    return render(request, {"status": True})


@router.post("/logout", summary="Invalidate the authorization token")
async def logout(request: Request, runtime: RuntimeDep, _: Customer) -> Response:
    if (token := bearer_token(request)) is not None:
        await customer_sessions.revoke(runtime.db, runtime.settings.secret_key, token)
    return render(request, {"status": True})


@router.get("/details", summary="My account's registration details")
async def details(request: Request, session: ReadSession, principal: Customer) -> Response:
    row = await customers.get_customer(session, principal, principal.scope or 0)
    return render(request, {"client": wire.client(row)})


@router.get("/balance", summary="Unpaid invoices total and account credit")
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


@router.get("/invoice", summary="All invoices under my account")
async def invoices(request: Request, session: ReadSession, principal: Customer) -> Response:
    page = await billing.list_invoices(session, principal, ListQuery(page=1, per_page=ALL, sort=[("id", True)]))
    return render(request, {"invoices": [wire.invoice_summary(row) for row in page.items]})


@router.get("/invoice/{invoice_id}", summary="One invoice with its items")
async def invoice(request: Request, invoice_id: PathId, session: ReadSession, principal: Customer) -> Response:
    row = await billing.get_invoice(session, principal, invoice_id)
    owner = await customers.get_customer(session, principal, row["customer_id"])
    return render(request, {"invoice": wire.invoice_detail(row, owner)})


# Support


@router.get("/tickets", summary="List support tickets under my account")
async def tickets(request: Request, session: ReadSession, principal: Customer) -> Response:
    query = ListQuery(page=1, per_page=ALL, sort=[("updated_at", True), ("id", True)])
    page = await support.list_tickets(session, principal, query)
    return render(request, {"tickets": [wire.ticket_summary(row) for row in page.items]})


@router.post("/tickets", summary="Submit a new ticket (Idempotency-Key)")
async def open_ticket(request: Request, session: WriteSession, principal: Customer) -> Response:
    data = await _parsed(request, CustomerTicketOpen)
    row = await support.open_ticket(session, principal, data.ticket())
    return await remember(session, request, render(request, {"ticket": row["number"]}))


@router.get("/tickets/{number}", summary="Ticket details, with all replies (marks the ticket read)")
async def ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    return render(request, wire.ticket_detail(await support.read_ticket(session, principal, number)))


@router.post("/tickets/{number}", summary="Reply to a ticket (re-opens it if closed)")
async def reply_ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    ticket_id = await support.ticket_id(session, principal, number)
    await support.reply(session, principal, ticket_id, await _parsed(request, ReplyIn))
    return await remember(session, request, render(request, {"info": ["reply_added"]}))


@router.put("/tickets/{number}/open", summary="Re-open a closed ticket")
async def reopen_ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    await support.reopen_ticket(session, principal, await support.ticket_id(session, principal, number))
    return render(request, {"status": True})


@router.put("/tickets/{number}/close", summary="Close a ticket")
async def close_ticket(request: Request, number: TicketNumber, session: WriteSession, principal: Customer) -> Response:
    await support.close_ticket(session, principal, await support.ticket_id(session, principal, number))
    return render(request, {"status": True})


@router.get("/ticket/departments", summary="The ticket departments")
async def departments(request: Request, session: ReadSession, principal: Customer) -> Response:
    rows = await support.all_departments(session, principal)
    return render(request, {"depts": [wire.department(row) for row in rows]})


# Services and orders


@router.get("/service", summary="List services under my account")
async def service_list(request: Request, session: ReadSession, principal: Customer) -> Response:
    page = await services.list_services(session, principal, ListQuery(page=1, per_page=ALL, sort=[("id", True)]))
    products = await catalog.products_by_id(session, principal, [row["product_id"] for row in page.items])
    groups = await catalog.groups_by_id(session, principal, [p["group_id"] for p in products.values()])
    rows = []
    for row in page.items:
        product = products.get(row["product_id"])
        rows.append(wire.service_summary(row, product, groups.get(product["group_id"]) if product else None))
    return render(request, {"services": rows})


@router.get("/service/{service_id}", summary="Service details")
async def service_detail(
    request: Request, service_id: PathId, runtime: RuntimeDep, session: ReadSession, principal: Customer
) -> Response:
    row = await services.get_service(session, principal, service_id)
    product = (await catalog.products_by_id(session, principal, [row["product_id"]])).get(row["product_id"])
    due = row["next_due_date"]
    next_invoice = (due - dt.timedelta(days=runtime.settings.invoice_days_before_due)).isoformat() if due else None
    return render(request, {"service": wire.service_detail(row, product, next_invoice)})


@router.post("/order/{product_id}", summary="Order a product: an invoice and a pending service (Idempotency-Key)")
async def order(request: Request, product_id: PathId, session: WriteSession, principal: Customer) -> Response:
    data = await _parsed(request, ProductOrder)
    product = await catalog.get_product(session, principal, product_id)  # 404 for a product that does not exist
    placed = await orders.place_order(
        session,
        principal,
        OrderCreate(
            customer_id=principal.scope or 0,
            items=[OrderItemIn(product_id=product_id, billing=data.cycle, options=data.options())],
        ),
    )
    invoice = await billing.get_invoice(session, principal, placed["invoice_id"])
    service = await services.get_service(session, principal, (await billing.service_ids_on(session, invoice["id"]))[0])
    return await remember(session, request, render(request, wire.order_placed(placed, invoice, service, product)))


@router.post("/invoice/{invoice_id}/pay", summary="Pay an invoice with the saved card or with account credit")
async def pay_invoice(request: Request, invoice_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    data = await _parsed(request, InvoicePayment)
    method = data.method
    if method != "credit":
        try:
            await charging.charge_invoice(runtime.db, principal, invoice_id)
        except NoPaymentMethod:
            if method == "card":
                raise
            method = "credit"  # no saved card: the credit is the only way left
    if method == "credit":
        async with runtime.db.transaction() as session:
            await billing.pay_with_credit(session, principal, invoice_id)
    async with runtime.db.reader() as session:
        row = await billing.get_invoice(session, principal, invoice_id)
    # Not paid after a charge: the gateway did not answer in time, and the charge settles (or not) when it does.
    paid = row["status"] == InvoiceStatus.PAID
    info = "payment_received" if paid else "payment_pending"
    return render(
        request, {"success": True, "info": [info], "invoice": wire.invoice_summary(row)}, 200 if paid else 202
    )


# Network and power of a service


@router.get("/service/{service_id}/ip", summary="List the service's IP addresses")
async def service_ips(request: Request, service_id: PathId, session: ReadSession, principal: Customer) -> Response:
    rows = await network.service_addresses(session, principal, service_id)
    return render(request, {"success": True, "ips": [wire.ip_address(row) for row in rows]})


def _rdns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"success": True, "ipaddress": {row["address"]: row["ptr"] or "" for row in rows}}


@router.get("/service/{service_id}/rdns", summary="Reverse DNS of the service's IP addresses")
async def service_rdns(request: Request, service_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    return render(
        request,
        _rdns(await network.reverse_dns(runtime.db, principal, runtime.dns_for(principal.livemode), service_id)),
    )


@router.post("/service/{service_id}/rdns", summary="Update reverse DNS: {ipaddress: {<ip>: <host name>}}")
async def update_rdns(request: Request, service_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    data = await _parsed(request, RdnsIn)
    rows = await network.set_reverse_dns(runtime.db, principal, runtime.dns_for(principal.livemode), service_id, data)
    return render(request, _rdns(rows))


@router.get("/service/{service_id}/pdu", summary="List the PDU ports assigned to the service")
async def service_pdu(request: Request, service_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    rows = await network.ports_with_power(runtime.db, principal, runtime.pdu_for(principal.livemode), service_id)
    return render(request, {"success": True, "ports": [wire.pdu_port(row) for row in rows]})


@router.get("/service/{service_id}/pdu/{port_id}", summary="The power of a PDU port")
async def pdu_port(
    request: Request, service_id: PathId, port_id: PathId, runtime: RuntimeDep, principal: Customer
) -> Response:
    row = await network.port_with_power(runtime.db, principal, runtime.pdu_for(principal.livemode), service_id, port_id)
    return render(request, {"success": True, "port": wire.pdu_port(row)})


@router.post("/service/{service_id}/pdu/{port_id}", summary="Power a PDU port on (true) or off (false)")
async def set_pdu_port(
    request: Request, service_id: PathId, port_id: PathId, runtime: RuntimeDep, principal: Customer
) -> Response:
    data = await _parsed(request, PowerIn)
    row = await network.set_power(
        runtime.db, principal, runtime.pdu_for(principal.livemode), service_id, port_id, on=data.power
    )
    return render(request, {"success": True, "port": wire.pdu_port(row)})
