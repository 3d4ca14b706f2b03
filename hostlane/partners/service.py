"""Rules of the partner programme: a partner's integrations (one OAuth2 client per environment, its secret shown
once and kept hashed, refreshed with an optional overlap), the client-credentials check and the access tokens of
the partner API, and what a partner reads of its account and of the price list.

A partner is a customer with ``partner`` set; its environment is its account's mode (the same person has a live
account and, on the test hosts, a test one), so an integration is live or test as its customer is, and a live
object is never reached from the test environment: every read is scoped by the caller's mode.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import service as billing
from hostlane.catalog import service as catalog
from hostlane.config import get_settings
from hostlane.core import clock, tokens
from hostlane.core.db import Database
from hostlane.core.errors import Unauthenticated
from hostlane.core.passwords import hash_secret, random_token, secret_matches
from hostlane.customers import service as customers
from hostlane.identity import audit
from hostlane.identity.bans import LoginGuard
from hostlane.identity.errors import InvalidCredentials
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import Customer, PartnerIntegration
from hostlane.partners import repository as repo
from hostlane.partners.errors import IntegrationExists, IntegrationNotFound, PartnerNotFound, WrongEnvironment
from hostlane.partners.schemas import (
    AccessToken,
    AuthenticatedClient,
    Environment,
    IntegrationCreate,
    IntegrationRefresh,
    IntegrationRename,
    IssuedCredentials,
)

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
