"""Routes of the client-area face (XSServer / HostBill User API)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response

from hostlane.billing import service as billing
from hostlane.core.errors import ValidationFailed
from hostlane.core.formats import FormatRoute, decode_body, media_type, render
from hostlane.core.money import format_amount
from hostlane.core.pagination import ListQuery
from hostlane.customers import service as customers
from hostlane.faces.clientarea import wire
from hostlane.faces.clientarea.auth import customer, livemode_of
from hostlane.faces.common import ClientIp, PathId, ReadSession, RuntimeDep, bearer_token
from hostlane.identity import customer_sessions
from hostlane.identity.principal import Principal

PREFIX = "/api"
router = APIRouter(prefix=PREFIX, tags=["clientarea"], route_class=FormatRoute)
Customer = Annotated[Principal, Depends(customer)]


async def _fields(request: Request, *names: str) -> dict[str, str]:
    """The named fields of a JSON, XML or form body (the document's clients send JSON or form fields)."""
    body = await request.body()
    if media_type(request.headers.get("content-type")) == "application/x-www-form-urlencoded":
        data: Any = dict(parse_qsl(body.decode("utf-8", "replace")))
    else:
        data = decode_body(body, request.headers.get("content-type")) or {}
    if not isinstance(data, dict):
        data = {}
    missing = [name for name in names if not isinstance(data.get(name), str) or not data.get(name)]
    if missing:
        raise ValidationFailed(
            f"The {missing[0]} field is required.",
            fields={name: [f"The {name} field is required."] for name in missing},
        )
    return {name: str(data[name]) for name in names}


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
    page = await billing.list_invoices(session, principal, ListQuery(page=1, per_page=10_000, sort=[("id", True)]))
    return render(request, {"invoices": [wire.invoice_summary(row) for row in page.items]})


@router.get("/invoice/{invoice_id}", summary="One invoice with its items")
async def invoice(request: Request, invoice_id: PathId, session: ReadSession, principal: Customer) -> Response:
    row = await billing.get_invoice(session, principal, invoice_id)
    owner = await customers.get_customer(session, principal, row["customer_id"])
    return render(request, {"invoice": wire.invoice_detail(row, owner)})
