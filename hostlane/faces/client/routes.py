"""Routes of the client API (CLIENTXCMS's ``routes/api-client.php``) under ``/api/client``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from hostlane.billing import service as billing
from hostlane.core.errors import NotFound, ValidationFailed
from hostlane.core.fields import MAX_ID
from hostlane.core.formats import MULTIPART, FormatRoute, media_type, render
from hostlane.core.forms import multipart_files
from hostlane.core.pagination import MAX_PAGE, ListQuery
from hostlane.customers import service as customers
from hostlane.customers import sessions as customer_sessions
from hostlane.customers import two_factor
from hostlane.customers.errors import InvalidAccountToken
from hostlane.customers.sessions import FULL_ACCESS, PENDING_TOKEN_LIFETIME, SECOND_FACTOR_PENDING, ApiLogin
from hostlane.faces.application import wire as application
from hostlane.faces.client import inputs, wire
from hostlane.faces.client.auth import Customer, Login, Unclaimed, pending_second_factor
from hostlane.faces.common import (
    NO_STORE,
    ClientIp,
    PathId,
    ReadSession,
    RuntimeDep,
    WriteSession,
    documented_body,
    livemode_of,
    parse_model,
)
from hostlane.faces.face import error_responses, success_responses
from hostlane.faces.idempotency import remember
from hostlane.identity.bans import CodeGuard, Policy
from hostlane.identity.errors import InvalidCredentials
from hostlane.identity.principal import Principal
from hostlane.models import Customer as CustomerRow
from hostlane.models import TicketPriority
from hostlane.runtime import Runtime
from hostlane.services import service as services
from hostlane.support import service as support

PREFIX = "/api/client"
router = APIRouter(prefix=PREFIX, tags=["client"], route_class=FormatRoute)

FAILED_LOGIN = "These credentials do not match our records."
INVALID_RESET = "This password reset token is invalid."
TOKEN_TYPE = "Bearer"  # noqa: S105 - the scheme's name, not a secret
ISSUER = "Hostlane"  # the name an authenticator app shows beside the code
# Wrong second-factor codes: the real one lets six through a minute per customer, then answers 429.
SECOND_FACTOR_POLICY_MAX = 6
DEFAULT_PER_PAGE = 15  # Laravel's paginate()

PerPage = Annotated[int, Query(ge=1, le=100)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def _second_factor_guard(runtime: Runtime) -> CodeGuard:
    """Wrong codes counted per customer (not per address: a pending token is one customer's), in the store of the
    shared login ban."""
    minute = timedelta(minutes=1)
    return CodeGuard(runtime.login_guard.store, Policy("client-2fa", SECOND_FACTOR_POLICY_MAX, minute, minute))


async def _account(runtime: Runtime, principal: Principal) -> CustomerRow:
    async with runtime.db.reader() as session:
        row = await customers.account(session, principal, principal.scope or 0)
    if row is None:
        raise NotFound()
    return row


async def _full_token(runtime: Runtime, request: Request, account: CustomerRow, ip: str) -> str:
    return await customer_sessions.open_api_session(
        runtime.db,
        runtime.settings.secret_key,
        account,
        ip=ip,
        host=request.headers.get("user-agent"),
        abilities=frozenset({FULL_ACCESS}),
    )


# Authentication


@router.post(
    "/auth/login",
    summary="Log in with e-mail and password: a personal access token (or a pending one when 2FA is on)",
    openapi_extra=documented_body(inputs.Login),
    responses=success_responses(wire.LoginAnswer),
)
async def login(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    data = await parse_model(request, inputs.Login)
    try:
        account = await customer_sessions.check_password(
            runtime.db,
            runtime.login_guard,
            ip=ip,
            email=str(data.email),
            password=data.password,
            livemode=livemode_of(request, runtime.settings.test_hosts),
        )
    except InvalidCredentials:
        raise ValidationFailed.field("email", FAILED_LOGIN) from None
    if two_factor.enabled(account):
        token = await customer_sessions.open_api_session(
            runtime.db,
            runtime.settings.secret_key,
            account,
            ip=ip,
            host=request.headers.get("user-agent"),
            abilities=frozenset({SECOND_FACTOR_PENDING}),
            lifetime=PENDING_TOKEN_LIFETIME,
        )
        body: dict[str, Any] = {
            "requires_2fa": True,
            "second_factor": "totp",
            "token": token,
            "token_type": TOKEN_TYPE,
            "message": "Enter the code of your authenticator app (or a recovery code) at /auth/2fa/verify.",
        }
        return render(request, body, headers=NO_STORE)
    token = await _full_token(runtime, request, account, ip)
    body = {
        "requires_2fa": False,
        "token": token,
        "token_type": TOKEN_TYPE,
        "customer": wire.login_customer(account),
    }
    return render(request, body, headers=NO_STORE)


@router.post(
    "/auth/2fa/verify",
    summary="The second factor of a login: a code of the app or a recovery code, with the pending token",
    openapi_extra=documented_body(inputs.SecondFactor),
    responses=success_responses(wire.LoginAnswer),
)
async def verify_second_factor(
    request: Request,
    runtime: RuntimeDep,
    ip: ClientIp,
    login: Annotated[ApiLogin, Depends(pending_second_factor)],
) -> Response:
    guard = _second_factor_guard(runtime)
    who = f"customer:{login.principal.scope}"
    await guard.reserve(who)
    data = await parse_model(request, inputs.SecondFactor)
    async with runtime.db.transaction() as session:
        passed = await two_factor.check_code(
            session, login.principal, login.principal.scope or 0, code=data.code, key=runtime.settings.secret_key
        )
    if not passed:
        raise ValidationFailed.field("code", two_factor.INVALID_CODE)
    await guard.succeeded(who)
    await customer_sessions.end_login(runtime.db, login.family_id)
    account = await _account(runtime, login.principal)
    token = await _full_token(runtime, request, account, ip)
    body = {"requires_2fa": False, "token": token, "token_type": TOKEN_TYPE, "customer": wire.login_customer(account)}
    return render(request, body, headers=NO_STORE)


@router.post(
    "/auth/register",
    status_code=201,
    summary="Open an account: it is logged in at once (a personal access token)",
    openapi_extra=documented_body(inputs.Register),
    responses=success_responses(wire.Registered, 201),
)
async def register(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    data = await parse_model(request, inputs.Register)
    livemode = livemode_of(request, runtime.settings.test_hosts)
    async with runtime.db.transaction() as session:
        created = await customers.create_customer(session, Principal.system(livemode=livemode), data.customer())
    async with runtime.db.reader() as session:
        row = await customers.account(session, Principal.system(livemode=livemode), int(created["id"]))
    assert row is not None
    token = await _full_token(runtime, request, row, ip)
    body = {
        "message": "Your account has been created.",
        "token": token,
        "token_type": TOKEN_TYPE,
        "customer": {**wire.login_customer(row), "email_verified": row.email_verified_at is not None},
    }
    return render(request, body, 201, headers=NO_STORE)


FORGOT_ANSWER = "If an account uses this address, a link to reset its password has been sent to it."


@router.post(
    "/auth/forgot-password",
    summary="Mail a password reset link (the same answer whether the address has an account or not)",
    openapi_extra=documented_body(inputs.ForgotPassword),
    responses=success_responses(wire.Message),
)
async def forgot_password(request: Request, runtime: RuntimeDep) -> Response:
    data = await parse_model(request, inputs.ForgotPassword)
    async with runtime.db.transaction() as session:
        await customers.request_password_reset(
            session,
            livemode=livemode_of(request, runtime.settings.test_hosts),
            email=str(data.email),
            origin=None,
        )
    return render(request, {"message": FORGOT_ANSWER})


@router.post(
    "/auth/reset-password",
    summary="Set a new password with the mailed token (every login of the account ends)",
    openapi_extra=documented_body(inputs.ResetPassword),
    responses=success_responses(wire.Message),
)
async def reset_password(request: Request, runtime: RuntimeDep) -> Response:
    data = await parse_model(request, inputs.ResetPassword)
    livemode = livemode_of(request, runtime.settings.test_hosts)
    try:
        async with runtime.db.transaction() as session:
            row = await customers.reset_password(
                session,
                secret=runtime.settings.secret_key,
                token=data.token,
                password=data.password,
                email=str(data.email),
            )
            if row["livemode"] != livemode:
                raise InvalidAccountToken()
    except InvalidAccountToken:
        raise ValidationFailed.field("email", INVALID_RESET) from None
    return render(request, {"message": "Your password has been reset."})


@router.post("/auth/logout", summary="End this token's login", responses=success_responses(wire.Message))
async def logout(request: Request, runtime: RuntimeDep, login: Login) -> Response:
    await customer_sessions.end_login(runtime.db, login.family_id)
    return render(request, {"message": "You have been logged out."}, headers=NO_STORE)


# Profile


@router.get("/profile", summary="My account", responses=success_responses(wire.DataAnswer))
async def profile(request: Request, runtime: RuntimeDep, principal: Customer) -> Response:
    return render(request, {"data": wire.profile(await _account(runtime, principal))})


@router.put(
    "/profile",
    summary="Change my account's details (only the fields sent)",
    openapi_extra=documented_body(inputs.ProfileUpdate, required=False),
    responses=success_responses(wire.DataMessage),
)
async def update_profile(request: Request, session: WriteSession, principal: Customer) -> Response:
    data = await parse_model(request, inputs.ProfileUpdate)
    row = await customers.update_customer(session, principal, principal.scope or 0, data.changes())
    brief = {name: row[name] for name in ("id", "email", "firstname", "lastname")}
    return render(request, {"message": "Your profile has been updated.", "data": brief})


@router.put(
    "/profile/password",
    summary="Change my password: every token of the account ends (this one too)",
    openapi_extra=documented_body(inputs.PasswordChange),
    responses=success_responses(wire.Message),
)
async def change_password(request: Request, runtime: RuntimeDep, ip: ClientIp, principal: Customer) -> Response:
    data = await parse_model(request, inputs.PasswordChange)
    await customer_sessions.change_password(
        runtime.db, runtime.login_guard, principal, ip=ip, current=data.current_password, new=data.password
    )
    return render(request, {"message": "Your password has been changed; log in again."}, headers=NO_STORE)


@router.delete(
    "/profile",
    summary="Delete my account (refused while it has live services); every token ends",
    openapi_extra=documented_body(inputs.AccountDeletion),
    responses=success_responses(wire.Message),
)
async def delete_account(request: Request, runtime: RuntimeDep, ip: ClientIp, principal: Customer) -> Response:
    data = await parse_model(request, inputs.AccountDeletion)
    account = await _account(runtime, principal)
    try:
        await customer_sessions.check_password(
            runtime.db,
            runtime.login_guard,
            ip=ip,
            email=account.email,
            password=data.password,
            livemode=principal.livemode,
        )
    except InvalidCredentials:
        raise ValidationFailed.field("password", "The password is incorrect.") from None
    async with runtime.db.transaction() as session:
        await customers.delete_customer(session, principal, account.id)
    return render(request, {"message": "Your account has been deleted."}, headers=NO_STORE)


@router.get(
    "/profile/2fa/setup",
    summary="A new TOTP secret for my authenticator app (shown once; nothing is kept until POST /profile/2fa)",
    responses=success_responses(wire.TwoFactorSetup),
)
async def two_factor_setup(request: Request, runtime: RuntimeDep, principal: Customer) -> Response:
    setup = two_factor.new_setup(await _account(runtime, principal), issuer=ISSUER)
    return render(request, {"secret": setup.secret, "qr_code": setup.uri}, headers=NO_STORE)


@router.post(
    "/profile/2fa",
    summary="Enable 2FA (secret + code: the recovery codes, shown once) or, when on, disable it (code)",
    openapi_extra=documented_body(inputs.TwoFactorToggle),
    responses=success_responses(wire.TwoFactorToggled),
)
async def two_factor_toggle(
    request: Request, runtime: RuntimeDep, session: WriteSession, principal: Unclaimed
) -> Response:
    data = await parse_model(request, inputs.TwoFactorToggle)
    customer_id, key = principal.scope or 0, runtime.settings.secret_key
    account = await customers.account(session, principal, customer_id)
    if account is not None and two_factor.enabled(account):
        await two_factor.disable(session, principal, customer_id, code=data.code, key=key)
        return render(request, {"message": "Two-factor authentication is disabled.", "enabled": False})
    if data.secret is None:
        raise ValidationFailed.field("secret", "The secret field is required.")
    codes = await two_factor.enable(session, principal, customer_id, secret=data.secret, code=data.code, key=key)
    body = {"message": "Two-factor authentication is enabled.", "enabled": True, "recovery_codes": codes}
    return render(request, body, headers=NO_STORE)


@router.get(
    "/profile/2fa/recovery-codes",
    summary="New recovery codes in place of the old ones (shown once: only their hashes are kept)",
    responses=success_responses(wire.RecoveryCodes),
)
async def recovery_codes(request: Request, session: WriteSession, principal: Unclaimed) -> Response:
    codes = await two_factor.renew_recovery_codes(session, principal, principal.scope or 0)
    return render(request, {"recovery_codes": codes}, headers=NO_STORE)


# Invoices

INVOICE_FILTERS = {
    word: str(status) for word, status in application.INVOICE_STATUS_FROM_WIRE.items() if word != "draft"
}


def _status_filter(name: str, value: str | None, table: dict[str, str]) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if value not in table:
        raise ValidationFailed.field(name, f"The selected {name} is invalid: one of {', '.join(sorted(table))}.")
    return {"status": table[value]}


@router.get(
    "/invoices", summary="My invoices (drafts never show); ?filter=<status>", responses=success_responses(wire.DataPage)
)
async def invoices(
    request: Request,
    session: ReadSession,
    principal: Customer,
    filter: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> Response:
    query = ListQuery(page, per_page, _status_filter("filter", filter, INVOICE_FILTERS), [("id", True)])
    found = await billing.list_invoices(session, principal, query)
    body = {
        **wire.listed(found, wire.invoice),
        "filters": {"status": filter, "available": sorted(INVOICE_FILTERS)},
    }
    return render(request, body)


def _gateways(livemode: bool) -> list[dict[str, Any]]:
    """How an invoice can be paid: the account's credit, and the saved card's gateway when the mode has one."""
    out = [{"uuid": "balance", "name": "Account balance"}]
    if (gateway := billing.card_gateway(livemode=livemode)) is not None:
        out.append({"uuid": gateway, "name": "Saved card"})
    return out


@router.get(
    "/invoices/{invoice_id}",
    summary="One of my invoices with its lines",
    responses=success_responses(wire.InvoiceAnswer),
)
async def invoice(request: Request, invoice_id: PathId, session: ReadSession, principal: Customer) -> Response:
    row = await billing.get_invoice(session, principal, invoice_id)
    return render(request, {"data": wire.invoice(row), "available_gateways": _gateways(principal.livemode)})


async def _pdf(runtime: Runtime, principal: Principal, invoice_id: int, disposition: str) -> Response:
    async with runtime.db.reader() as session:
        document, name = await billing.invoice_pdf(session, principal, invoice_id, seller=runtime.settings.seller)
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"', "Cache-Control": "private, no-store"}
    return Response(document, media_type="application/pdf", headers=headers)


PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The invoice as a PDF"}
}


@router.get("/invoices/{invoice_id}/pdf", summary="The invoice as a PDF, shown inline", responses=PDF)
async def invoice_pdf(invoice_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    return await _pdf(runtime, principal, invoice_id, "inline")


@router.get("/invoices/{invoice_id}/download", summary="The invoice as a PDF file to save", responses=PDF)
async def invoice_download(invoice_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    return await _pdf(runtime, principal, invoice_id, "attachment")


PAID = "The invoice is paid."
PENDING = "The payment is being processed; the invoice is paid once the gateway confirms it."
PAY_RESPONSES = {
    **success_responses(wire.PaymentAnswer),
    202: {"description": "The card charge's outcome is not known yet", "model": wire.PaymentAnswer},
    **error_responses(402),
}


def _paid(request: Request, outcome: billing.PayOutcome) -> Response:
    body = {"message": PAID if outcome.paid else PENDING, "paid": outcome.paid, "data": wire.invoice(outcome.invoice)}
    return render(request, body, 200 if outcome.paid else 202)


@router.post(
    "/invoices/{invoice_id}/pay/{gateway}",
    summary="Pay an invoice with the saved card of a gateway (`GET /payment-methods/gateways`)",
    responses=PAY_RESPONSES,
)
async def pay(
    request: Request,
    invoice_id: PathId,
    gateway: Annotated[str, Path(max_length=64)],
    runtime: RuntimeDep,
    principal: Customer,
) -> Response:
    if gateway == "balance":
        method = "credit"
    elif gateway in ("card", billing.card_gateway(livemode=principal.livemode)):
        method = "card"
    else:
        raise NotFound("Gateway not found.")
    return _paid(request, await billing.pay_invoice(runtime.db, principal, invoice_id, method))  # type: ignore[arg-type]


@router.post("/invoices/{invoice_id}/balance", summary="Pay an invoice with my account credit", responses=PAY_RESPONSES)
async def pay_with_balance(request: Request, invoice_id: PathId, runtime: RuntimeDep, principal: Customer) -> Response:
    return _paid(request, await billing.pay_invoice(runtime.db, principal, invoice_id, "credit"))


# Services

SERVICE_FILTERS = {
    word: ",".join(str(status) for status, said in application.SERVICE_STATUS_WORDS.items() if said == word)
    for word in set(application.SERVICE_STATUS_WORDS.values())
}


@router.get("/services", summary="My services; ?status=<status>", responses=success_responses(wire.DataPage))
async def service_list(
    request: Request,
    session: ReadSession,
    principal: Customer,
    status: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> Response:
    query = ListQuery(page, per_page, _status_filter("status", status, SERVICE_FILTERS), [("id", True)])
    found = await services.list_services(session, principal, query)
    return render(request, wire.listed(found, wire.service))


@router.get("/services/{service_id}", summary="One of my services", responses=success_responses(wire.DataAnswer))
async def service_detail(request: Request, service_id: PathId, session: ReadSession, principal: Customer) -> Response:
    return render(
        request, {"data": wire.service(await services.get_service(session, principal, service_id), detail=True)}
    )


# Tickets

TICKET_FILTERS = {
    word: ",".join(str(status) for status, said in application.TICKET_STATUS_WORDS.items() if said == word)
    for word in set(application.TICKET_STATUS_WORDS.values())
}
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/tickets", summary="My support tickets; ?filter=<status>", responses=success_responses(wire.DataPage))
async def tickets(
    request: Request,
    session: ReadSession,
    principal: Customer,
    filter: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNumber = 1,
    per_page: PerPage = DEFAULT_PER_PAGE,
) -> Response:
    query = ListQuery(
        page, per_page, _status_filter("filter", filter, TICKET_FILTERS), [("updated_at", True), ("id", True)]
    )
    found = await support.list_tickets(session, principal, query)
    departments = {row["id"]: row for row in await support.all_departments(session, principal)}
    body = {
        **wire.listed(found, lambda row: wire.ticket(row, departments)),
        "filters": {"status": filter, "available": sorted(TICKET_FILTERS)},
    }
    return render(request, body)


@router.get(
    "/tickets/departments",
    summary="The departments a ticket can go to, and the priorities",
    responses=success_responses(wire.Departments),
)
async def departments(request: Request, session: ReadSession, principal: Customer) -> Response:
    rows = await support.all_departments(session, principal)
    priorities = {str(priority): str(priority).capitalize() for priority in TicketPriority}
    return render(request, {"departments": [wire.department(row) for row in rows], "priorities": priorities})


@router.post(
    "/tickets",
    status_code=201,
    summary="Open a ticket (Idempotency-Key); files as a multipart body's attachments[0], attachments[1] …",
    openapi_extra=documented_body(inputs.TicketCreate),
    responses=success_responses(wire.DataMessage, 201),
)
async def open_ticket(request: Request, session: WriteSession, principal: Customer) -> Response:
    data = await parse_model(request, inputs.TicketCreate)
    row = await support.open_ticket(session, principal, data.ticket())
    uploads = await _attachments(request)
    files = await support.attach(session, principal, row["id"], uploads) if uploads else []
    shown = wire.ticket(row, detail=True, attachments=files)
    answer = render(request, {"message": "Your ticket has been opened.", "data": shown}, 201)
    return await remember(session, request, answer)


async def _attachments(request: Request) -> list[support.NewAttachment]:
    """The files of a multipart body, each in its own field (``attachments[0]``, ``attachments[1]`` …)."""
    content_type = request.headers.get("content-type") or ""
    if media_type(content_type) != MULTIPART:
        return []
    return [
        support.NewAttachment(upload.filename, upload.data)
        for name, upload in sorted(multipart_files(await request.body(), content_type).items())
        if name.startswith("attachment")
    ]


@router.get(
    "/tickets/{ticket_id}", summary="One of my tickets with its messages", responses=success_responses(wire.DataAnswer)
)
async def ticket(request: Request, ticket_id: TicketId, session: ReadSession, principal: Customer) -> Response:
    row = await support.get_ticket(session, principal, ticket_id, includes={"replies", "department"})
    files = await support.ticket_attachments(session, principal, ticket_id)
    return render(request, {"data": wire.ticket(row, detail=True, attachments=files)})


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    summary="Download a file of my ticket",
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file, as a download"}},
)
async def attachment(ticket_id: TicketId, attachment_id: PathId, session: ReadSession, principal: Customer) -> Response:
    row, data = await support.read_attachment(session, principal, ticket_id, attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(row['name'])}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "private, no-store"}
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.post(
    "/tickets/{ticket_id}/reply",
    summary="Reply to an open ticket (a closed one is a 400: reopen it first); files as in POST /tickets",
    openapi_extra=documented_body(inputs.TicketReply),
    responses=success_responses(wire.DataMessage),
)
async def reply(request: Request, ticket_id: TicketId, session: WriteSession, principal: Customer) -> Response:
    data = await parse_model(request, inputs.TicketReply)
    row = await support.reply(session, principal, ticket_id, data.reply(), reopens=False)
    if uploads := await _attachments(request):
        newest = max(int(item["id"]) for item in row["replies"])
        await support.attach(session, principal, ticket_id, uploads, reply_id=newest)
    files = await support.ticket_attachments(session, principal, ticket_id)
    shown = wire.ticket(row, detail=True, attachments=files)
    answer = render(request, {"message": "Your reply has been sent.", "data": shown})
    return await remember(session, request, answer)


@router.post("/tickets/{ticket_id}/close", summary="Close my ticket", responses=success_responses(wire.DataMessage))
async def close(request: Request, ticket_id: TicketId, session: WriteSession, principal: Customer) -> Response:
    row = await support.close_ticket(session, principal, ticket_id, strict=True)
    return render(request, {"message": "The ticket has been closed.", "data": wire.ticket(row, detail=True)})


@router.post(
    "/tickets/{ticket_id}/reopen", summary="Reopen my closed ticket", responses=success_responses(wire.DataMessage)
)
async def reopen(request: Request, ticket_id: TicketId, session: WriteSession, principal: Customer) -> Response:
    row = await support.reopen_ticket(session, principal, ticket_id, strict=True)
    return render(request, {"message": "The ticket has been reopened.", "data": wire.ticket(row, detail=True)})


# Payment methods


def _card_gateway(livemode: bool, gateway: str | None = None) -> str:
    name = billing.card_gateway(livemode=livemode)
    if name is None or (gateway is not None and gateway != name):
        raise NotFound("Gateway not found.")
    return name


@router.get("/payment-methods", summary="My saved payment methods", responses=success_responses(wire.PaymentMethods))
async def payment_methods(request: Request, session: ReadSession, principal: Customer) -> Response:
    card = await billing.saved_card(session, principal, principal.scope or 0)
    body = {"data": [wire.card(card)] if card else [], "default_payment_method": card.id if card else None}
    return render(request, body)


@router.get(
    "/payment-methods/gateways",
    summary="The gateways a payment method can be added with",
    responses=success_responses(wire.Gateways),
)
async def gateways(request: Request, principal: Customer) -> Response:
    name = billing.card_gateway(livemode=principal.livemode)
    rows = [{"uuid": name, "name": name, "can_add_source": True}] if name is not None else []
    return render(request, {"data": rows})


@router.post(
    "/payment-methods/{gateway}",
    summary="Add a card: without a body, a setup to confirm in the browser; then its `setup_id` to save it "
    "(in the test environment, `card`: a test card number)",
    openapi_extra=documented_body(inputs.CardIn, required=False),
    responses={**success_responses(wire.CardSetup), 201: {"description": "The card is saved", "model": wire.CardSetup}},
)
async def add_payment_method(
    request: Request, gateway: Annotated[str, Path(max_length=64)], runtime: RuntimeDep, principal: Customer
) -> Response:
    _card_gateway(principal.livemode, gateway)
    data = await parse_model(request, inputs.CardIn)
    customer_id = principal.scope or 0
    if data.card is not None:
        card = await billing.add_test_card(runtime.db, principal, customer_id, data.card)
    elif data.setup_id is not None:
        card = await billing.finish_card_setup(runtime.db, principal, customer_id, data.setup_id)
    else:
        started = await billing.start_card_setup(runtime.db, principal, customer_id)
        setup = {"gateway": started.gateway, "setup_id": started.setup_id, "client_secret": started.client_secret}
        return render(
            request, {"message": "Confirm the card, then send its setup_id.", "data": setup}, headers=NO_STORE
        )
    return render(request, {"message": "The card has been saved.", "data": wire.card(card)}, 201)


@router.put(
    "/payment-methods/{source}/default",
    summary="Make a saved method the default (the one a renewal is charged to)",
    responses=success_responses(wire.Message),
)
async def default_payment_method(
    request: Request, source: PathId, session: ReadSession, principal: Customer
) -> Response:
    card = await billing.saved_card(session, principal, principal.scope or 0)
    if card is None or card.id != source:
        raise NotFound("Payment method not found.")
    return render(request, {"message": "This payment method is the default."})


@router.delete(
    "/payment-methods/{source}", summary="Remove a saved payment method", responses=success_responses(wire.Message)
)
async def delete_payment_method(
    request: Request, source: PathId, session: WriteSession, principal: Customer
) -> Response:
    await billing.remove_card(session, principal, principal.scope or 0, source)
    return render(request, {"message": "The payment method has been removed."})
