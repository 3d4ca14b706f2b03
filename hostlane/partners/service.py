"""Rules of the partner programme: a partner's integrations (one OAuth2 client per environment, its secret shown
once and kept hashed, refreshed with an optional overlap), the client-credentials check and the access tokens of
the partner API, and what a partner reads of its account and of the price list.

A partner is a customer with ``partner`` set; its environment is its account's mode (the same person has a live
account and, on the test hosts, a test one), so an integration is live or test as its customer is, and a live
object is never reached from the test environment: every read is scoped by the caller's mode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.billing.errors import ChargeInProgress, InvoiceStateError, NoPaymentMethod, PaymentDeclined
from hostlane.catalog import service as catalog
from hostlane.config import get_settings
from hostlane.core import clock, tokens
from hostlane.core.db import Database
from hostlane.core.errors import Unauthenticated, ValidationFailed
from hostlane.core.pagination import ListQuery
from hostlane.core.passwords import hash_secret, random_token, secret_matches
from hostlane.customers import service as customers
from hostlane.drivers import modes
from hostlane.drivers.provisioning import ServiceContext
from hostlane.drivers.provisioning.cms_instance import DISPLAYS_KEY, IN_USE_KEY
from hostlane.drivers.provisioning.cms_instance import NAME as CMS_MODULE
from hostlane.identity import audit
from hostlane.identity.bans import LoginGuard
from hostlane.identity.errors import InvalidCredentials
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import BILLING_CYCLES, BillingCycle, Customer, InvoiceStatus, PartnerIntegration
from hostlane.orders import service as orders
from hostlane.orders.schemas import OrderCreate, OrderItemIn
from hostlane.partners import repository as repo
from hostlane.partners.errors import (
    CardRequired,
    IntegrationExists,
    IntegrationNotFound,
    PartnerNotFound,
    WrongEnvironment,
)
from hostlane.partners.schemas import (
    AccessToken,
    AuthenticatedClient,
    Environment,
    IntegrationCreate,
    IntegrationRefresh,
    IntegrationRename,
    IssuedCredentials,
    PartnerOrder,
    PartnerOrderItem,
)
from hostlane.services import service as services

CLIENT_ID_LENGTH = 32  # letters and digits: about 190 bits, public all the same
CLIENT_SECRET_LENGTH = 64  # about 380 bits: SHA-256 is enough to keep it (``core.passwords.hash_secret``)
TOKEN_AUDIENCE = "hostlane:platform"  # noqa: S105 - an audience, not a secret


# Integrations, as staff (the application face) and later the partner's own portal manage them.


async def _partner(session: AsyncSession, principal: Principal, customer_id: int) -> Customer:
    """The customer, if ``principal`` sees it and it is in the partner programme; else ``PartnerNotFound``."""
    customer = await customers.account(session, principal, customer_id)
    if customer is None or not customer.partner:
        raise PartnerNotFound()
    return customer


async def list_integrations(session: AsyncSession, principal: Principal, customer_id: int) -> list[dict[str, Any]]:
    """The partner's integrations in ``principal``'s mode (never a secret)."""
    await _partner(session, principal, customer_id)
    return await repo.of_customer(session, principal, customer_id)


async def create_integration(
    session: AsyncSession, principal: Principal, customer_id: int, data: IntegrationCreate
) -> IssuedCredentials:
    """Name the partner's integration in its environment: a new clientId and clientSecret, the secret returned
    here once and kept only as its hash. One per partner and environment (409 for a second: refresh it)."""
    customer = await _partner(session, principal, customer_id)
    if data.environment.livemode != customer.livemode:
        raise WrongEnvironment(Environment.of(customer.livemode))
    if await repo.lock_of_customer(session, principal, customer.id) is not None:
        raise IntegrationExists()
    secret = random_token(CLIENT_SECRET_LENGTH)
    integration = PartnerIntegration(
        livemode=customer.livemode,
        customer_id=customer.id,
        name=data.name,
        client_id=random_token(CLIENT_ID_LENGTH),
        secret_hash=hash_secret(secret),
        generation=1,
    )
    await audit.created(
        session,
        principal,
        integration,
        "partner_integration",
        {
            "customer_id": customer.id,
            "name": data.name,
            "client_id": integration.client_id,
            "environment": data.environment,
        },
    )
    return IssuedCredentials(await repo.INTEGRATION.one(session, principal, integration.id), secret)


async def refresh_integration(
    session: AsyncSession, principal: Principal, customer_id: int, environment: Environment, data: IntegrationRefresh
) -> IssuedCredentials:
    """A new clientSecret (and, if asked, a new clientId) for the partner's integration in ``environment``. The
    previous pair keeps working for ``HOSTLANE_PARTNER_SECRET_OVERLAP_SECONDS`` (0: not at all), and so do the
    access tokens it obtained; after that, never again."""
    customer = await _partner(session, principal, customer_id)
    integration = (
        await repo.lock_of_customer(session, principal, customer.id)
        if environment.livemode == customer.livemode
        else None
    )
    if integration is None:
        raise IntegrationNotFound()
    overlap = get_settings().partner_secret_overlap_seconds
    now = clock.now()
    if overlap > 0:
        integration.previous_client_id = integration.client_id
        integration.previous_secret_hash = integration.secret_hash
        integration.previous_expires_at = now + timedelta(seconds=overlap)
    else:
        integration.previous_client_id = integration.previous_secret_hash = integration.previous_expires_at = None
    secret = random_token(CLIENT_SECRET_LENGTH)
    if data.new_client_id:
        integration.client_id = random_token(CLIENT_ID_LENGTH)
    integration.secret_hash = hash_secret(secret)
    integration.generation += 1
    integration.refreshed_at = now
    await session.flush()
    audit.record(
        session,
        principal,
        "partner_integration.refresh",
        "partner_integration",
        integration.id,
        {"client_id": integration.client_id, "new_client_id": data.new_client_id, "overlap_seconds": overlap},
    )
    return IssuedCredentials(await repo.INTEGRATION.one(session, principal, integration.id), secret)


async def rename_integration(
    session: AsyncSession, principal: Principal, customer_id: int, environment: Environment, data: IntegrationRename
) -> dict[str, Any]:
    """Give the partner's integration in ``environment`` a new name; its clientId and secret are unchanged."""
    customer = await _partner(session, principal, customer_id)
    integration = (
        await repo.lock_of_customer(session, principal, customer.id)
        if environment.livemode == customer.livemode
        else None
    )
    if integration is None:
        raise IntegrationNotFound()
    before = integration.name
    integration.name = data.name
    await session.flush()
    audit.record(
        session,
        principal,
        "partner_integration.rename",
        "partner_integration",
        integration.id,
        {"from": before, "to": data.name},
    )
    return await repo.INTEGRATION.one(session, principal, integration.id)


# The partner API's credentials: client credentials for an access token, the token for a Principal.


def _checked(row: dict[str, Any] | None, client_id: str, client_secret: str) -> AuthenticatedClient | None:
    """The client, if ``client_secret`` is the integration's current secret under its current clientId, or its
    previous pair while the overlap lasts. Both hashes are compared whichever matches."""
    if row is None:
        secret_matches(client_secret, "0" * 64)  # the same work for an unknown clientId
        return None
    current = secret_matches(client_secret, row["secret_hash"]) and row["client_id"] == client_id
    previous_until = row["previous_expires_at"]
    previous = (
        row["previous_secret_hash"] is not None
        and secret_matches(client_secret, row["previous_secret_hash"])
        and row["previous_client_id"] == client_id
        and previous_until is not None
        and previous_until > clock.now()
    )
    if not (current or previous):
        return None
    generation = row["generation"] if current else row["generation"] - 1
    return AuthenticatedClient(row["id"], row["customer_id"], row["livemode"], generation)


async def authenticate_client(
    db: Database, guard: LoginGuard, *, ip: str, client_id: str, client_secret: str, livemode: bool
) -> AuthenticatedClient:
    """The integration of these client credentials in this mode (a test clientId is unknown on a live host).

    As every login: the attempt reserves a try of the shared failed-login ban before the secret is checked (a
    banned address is refused unchecked), a wrong clientId or secret keeps it counted, a success clears it."""
    await guard.reserve(ip)
    async with db.reader() as session:
        row = await repo.client_credentials(session, livemode, client_id)
    client = _checked(row, client_id, client_secret)
    if client is None:
        raise InvalidCredentials()
    await guard.succeeded(ip)
    return client


def issue_access_token(secret_key: str, client: AuthenticatedClient) -> AccessToken:
    """A bearer token for the client: signed, of its mode, naming its integration and secret generation, living
    ``HOSTLANE_PARTNER_TOKEN_SECONDS``."""
    lifetime = timedelta(seconds=get_settings().partner_token_seconds)
    claims = {
        "sub": str(client.integration_id),
        "cus": client.customer_id,
        "live": client.livemode,
        "gen": client.generation,
    }
    token = tokens.issue(secret_key, audience=TOKEN_AUDIENCE, lifetime=lifetime, claims=claims)
    return AccessToken(token, int(lifetime.total_seconds()), clock.now() + lifetime)


def partner_principal(integration_id: int, customer_id: int, livemode: bool, ip: str | None) -> Principal:
    """A partner sees only its own account: every query is scoped to its customer id, in its mode."""
    return Principal(PrincipalKind.PARTNER, integration_id, frozenset({"*"}), livemode, customer_id, ip)


async def principal_from_access_token(
    db: Database, secret_key: str, token: str, *, livemode: bool, ip: str | None
) -> Principal:
    """The partner of an access token presented in ``livemode``: refused (``Unauthenticated``) when it is forged,
    expired, of the other mode, or its integration is gone, its customer no longer an active partner, or its
    secret was refreshed (after the overlap)."""
    try:
        claims = tokens.read(secret_key, token, audience=TOKEN_AUDIENCE)
        integration_id, generation = int(claims["sub"]), claims["gen"]
    except (tokens.InvalidToken, KeyError, TypeError, ValueError):
        raise Unauthenticated() from None
    if claims.get("live") is not livemode or not isinstance(generation, int):
        raise Unauthenticated()
    async with db.reader() as session:
        holder = await repo.token_holder(session, integration_id)
    if holder is None or holder["livemode"] is not livemode or str(holder["customer_id"]) != str(claims.get("cus")):
        raise Unauthenticated()
    current = generation == holder["generation"]
    overlapping = (
        generation == holder["generation"] - 1
        and holder["previous_expires_at"] is not None
        and holder["previous_expires_at"] > clock.now()
    )
    if not (current or overlapping):
        raise Unauthenticated()
    return partner_principal(integration_id, holder["customer_id"], livemode, ip)


# What a partner reads through the partner API (its principal is scoped to itself).


def _own(principal: Principal) -> int:
    if principal.scope is None:
        raise PartnerNotFound()
    return principal.scope


async def account(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """The partner's account: the customer row, what it owes (``balance_minor``: its unpaid invoices), its credit,
    and the card an automatic payment would use (``card``: brand and last four digits, or None)."""
    customer_id = _own(principal)
    customer = await customers.get_customer(session, principal, customer_id)
    if not customer["partner"]:
        raise PartnerNotFound()
    owed = await billing.balance(session, principal, customer_id)
    card = await billing.saved_card(session, principal, customer_id)
    return {
        **customer,
        "balance_minor": owed["balance_minor"],
        "card": {"brand": card.brand, "last4": card.last4} if card is not None else None,
    }


async def price_list(session: AsyncSession, principal: Principal) -> tuple[str, list[dict[str, Any]]]:
    """The partner's currency, and the products offered to partners priced in it (``catalog.partner_price_list``)."""
    customer = await customers.get_customer(session, principal, _own(principal))
    currency = str(customer["currency"])
    return currency, await catalog.partner_price_list(session, principal, currency)


# Orders: a partner buys from its price list; the order and its invoice are the orders and billing domains'.

PLAN = "plan"  # the price list's word for a CMS instance plan (``catalog.PARTNER_KINDS``)
LIST_SIZE = 50  # a page of the partner's orders or invoices, newest first
# Kept with the order's answer (a face's Idempotency-Key answer), in the transaction that makes or settles it.
Keep = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


def _cycle(item: PartnerOrderItem, offered: dict[str, Any], kind: str, field: str) -> BillingCycle:
    pricing = offered["partner_pricing"]
    cycles = [BillingCycle(cycle) for cycle in BILLING_CYCLES if pricing[cycle] is not None]
    if item.cycle is not None:
        if item.cycle not in cycles:
            raise ValidationFailed.field(
                f"{field}.cycle", f"The product {offered['name']} is not offered {item.cycle}."
            )
        return item.cycle
    if kind == PLAN and BillingCycle.MONTHLY in cycles:
        return BillingCycle.MONTHLY
    return cycles[0]


async def _order_lines(
    session: AsyncSession, principal: Principal, customer_id: int, data: PartnerOrder
) -> list[OrderItemIn]:
    """The order's lines, each checked against the partner's price list; a monthly CMS instance plan without a
    saved card is ``CardRequired`` (402), before anything is written."""
    _, rows = await price_list(session, principal)
    offered = {row["id"]: row for row in rows}
    lines, monthly_plan = [], False
    for index, item in enumerate(data.items):
        field = f"items.{index}"
        row = offered.get(item.product_id)
        if row is None:
            raise ValidationFailed.field(
                f"{field}.product_id", f"The product {item.product_id} is not on your price list."
            )
        kind = str(row["partner_kind"])
        cycle = _cycle(item, row, kind, field)
        if kind == PLAN:
            if item.instance_name is None:
                raise ValidationFailed.field(f"{field}.instance_name", "A CMS instance plan needs the instance's name.")
            if item.displays is None:
                raise ValidationFailed.field(f"{field}.displays", "A CMS instance plan needs the number of displays.")
            if item.quantity != 1:
                raise ValidationFailed.field(f"{field}.quantity", "Order one CMS instance per item.")
            monthly_plan = monthly_plan or cycle is BillingCycle.MONTHLY
            lines.append(
                OrderItemIn(product_id=item.product_id, billing=cycle, units=item.displays, name=item.instance_name)
            )
        else:
            if item.displays is not None or item.instance_name is not None:
                name = "displays" if item.displays is not None else "instance_name"
                raise ValidationFailed.field(f"{field}.{name}", "Only a CMS instance plan takes displays and a name.")
            lines.append(OrderItemIn(product_id=item.product_id, billing=cycle, qty=item.quantity))
    if monthly_plan and await billing.saved_card(session, principal, customer_id) is None:
        raise CardRequired()
    return lines


async def order(session: AsyncSession, principal: Principal, order_id: int) -> dict[str, Any]:
    """The partner's order with its items and its invoice (``invoice``: the invoice's read shape, or None)."""
    row = await orders.get_order(session, principal, order_id)
    invoice = (
        await billing.get_invoice(session, principal, row["invoice_id"], includes=frozenset())
        if row["invoice_id"] is not None
        else None
    )
    return {**row, "invoice": invoice}


async def place_order(
    db: Database, principal: Principal, data: PartnerOrder, *, keep: Keep | None = None
) -> dict[str, Any]:
    """Order from the price list: the order, its pending services and its invoice (which the invoice mail sends
    with its pay link). ``auto_pay`` then charges the saved card off-session (billing's charge); without one, or
    if the charge fails, the invoice stays unpaid and the order waits for its payment. Paying the invoice
    provisions the services (billing's paid path). ``keep`` runs with the order's read shape in the transaction
    that places it and again in the one that settles its charge."""
    customer_id = _own(principal)
    async with db.transaction() as session:
        lines = await _order_lines(session, principal, customer_id, data)
        placed = await orders.place_order(session, principal, OrderCreate(customer_id=customer_id, items=lines))
        answer = await order(session, principal, placed["id"])
        if keep is not None:
            await keep(session, answer)
    invoice = answer["invoice"]
    if not data.auto_pay or invoice is None or InvoiceStatus(invoice["status"]) is not InvoiceStatus.UNPAID:
        return answer

    async def settled(session: AsyncSession, outcome: billing.PayOutcome) -> None:
        if outcome.paid:  # the order is active with its payment (the paid job would make it so a moment later)
            await orders.invoice_paid(session, invoice["id"])
            await session.flush()
        if keep is not None:
            await keep(session, await order(session, principal, placed["id"]))

    # Refused or declined: the invoice was mailed with its pay link when it was issued; the order waits for it.
    with contextlib.suppress(NoPaymentMethod, PaymentDeclined, ChargeInProgress, InvoiceStateError):
        await billing.pay_invoice(db, principal, invoice["id"], "card", on_settled=settled)
    async with db.reader() as session:
        return await order(session, principal, placed["id"])


async def list_orders(session: AsyncSession, principal: Principal, *, page: int = 1) -> list[dict[str, Any]]:
    """A page of the partner's orders, newest first, each with its items and its invoice (three queries)."""
    query = ListQuery(page=page, per_page=LIST_SIZE, sort=[("id", True)], includes=frozenset({"items"}))
    rows = (await orders.list_orders(session, principal, query)).items
    invoice_ids = [row["invoice_id"] for row in rows if row["invoice_id"] is not None]
    invoices: dict[int, dict[str, Any]] = {}
    if invoice_ids:
        found = await billing.list_invoices(
            session,
            principal,
            ListQuery(per_page=len(invoice_ids), filters={"id": ",".join(map(str, invoice_ids))}),
        )
        invoices = {row["id"]: row for row in found.items}
    return [{**row, "invoice": invoices.get(row["invoice_id"])} for row in rows]


# Invoices: billing's, scoped to the partner.


async def list_invoices(session: AsyncSession, principal: Principal, *, page: int = 1) -> list[dict[str, Any]]:
    query = ListQuery(page=page, per_page=LIST_SIZE, sort=[("id", True)])
    return (await billing.list_invoices(session, principal, query)).items


async def invoice(session: AsyncSession, principal: Principal, invoice_id: int) -> dict[str, Any]:
    return await billing.get_invoice(session, principal, invoice_id)


# CMS instances: services of products provisioned by the ``cms_instance`` module, and their display licences.


async def _with_plans(session: AsyncSession, principal: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    plans = await catalog.products_by_id(session, principal, sorted({row["product_id"] for row in rows}))
    return [{**row, "plan": plans.get(row["product_id"], {}).get("name"), "displays": _displays(row)} for row in rows]


def _displays(row: dict[str, Any]) -> int:
    return int((row["data"] or {}).get(DISPLAYS_KEY, 1))


async def instances(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    """The partner's CMS instances, oldest first: each service row with ``plan`` (the product's name) and
    ``displays`` (the displays ordered)."""
    return await _with_plans(session, principal, await services.of_module(session, principal, CMS_MODULE))


async def instance(session: AsyncSession, principal: Principal, service_id: int) -> dict[str, Any]:
    row = await services.one_of_module(session, principal, CMS_MODULE, service_id)
    return (await _with_plans(session, principal, [row]))[0]


async def _in_use(row: dict[str, Any]) -> int:
    """The displays in use on an instance, as its module reports them (the simulator keeps a number; a module that
    cannot be asked reported it with its last answer, kept on the service)."""
    module = modes.module_for(CMS_MODULE, livemode=bool(row["livemode"]))
    ask = getattr(module, "displays_in_use", None)
    if ask is not None:
        context = ServiceContext(
            service_id=row["id"],
            customer_id=row["customer_id"],
            product_id=row["product_id"],
            livemode=bool(row["livemode"]),
            config={},
            data=dict(row["data"] or {}),
        )
        reported = await ask(context)
        if isinstance(reported, int):
            return reported
    return int((row["data"] or {}).get(IN_USE_KEY, 0))


async def licences(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    """The display licences of each of the partner's instances: ``licensed`` (the displays ordered), ``in_use``
    (what the instance's module reports) and ``expires`` (the service's next due date)."""
    return [
        {
            "instance_id": row["id"],
            "instance_name": row["name"],
            "status": row["status"],
            "licensed": row["displays"],
            "in_use": await _in_use(row),
            "expires": row["next_due_date"],
        }
        for row in await instances(session, principal)
    ]
