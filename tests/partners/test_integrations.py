"""The partner programme's rules: one integration per partner and environment, its secret kept only as a hash,
refreshed with an overlap, the client-credentials check (counted by the login ban) and the access tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hostlane.core import clock
from hostlane.core.errors import Unauthenticated
from hostlane.core.passwords import hash_secret
from hostlane.customers import service as customers
from hostlane.customers.schemas import CustomerCreate, CustomerUpdate
from hostlane.identity.errors import InvalidCredentials, LoginBanned, MissingPermission
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import AuditEntry, PartnerIntegration
from hostlane.partners import service as partners
from hostlane.partners.errors import IntegrationExists, IntegrationNotFound, PartnerNotFound, WrongEnvironment
from hostlane.partners.schemas import (
    AuthenticatedClient,
    Environment,
    IntegrationCreate,
    IntegrationRefresh,
    IssuedCredentials,
)
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.partners import make_integration, make_partner, refresh

IP = "203.0.113.7"


@pytest.fixture
def overlap(runtime: Runtime) -> Iterator[None]:
    """Refreshed secrets overlap the new ones for a minute; the clock is put back after the test."""
    runtime.settings.partner_secret_overlap_seconds = 60
    yield
    clock.set_offset(timedelta(0))


async def _authenticate(
    runtime: Runtime, client_id: str, secret: str, *, livemode: bool = True, ip: str = IP
) -> AuthenticatedClient:
    return await partners.authenticate_client(
        runtime.db, runtime.login_guard, ip=ip, client_id=client_id, client_secret=secret, livemode=livemode
    )


async def _token_principal(runtime: Runtime, token: str, *, livemode: bool = True) -> Principal:
    return await partners.principal_from_access_token(
        runtime.db, runtime.settings.secret_key, token, livemode=livemode, ip=IP
    )


def _pair(issued: IssuedCredentials) -> tuple[str, str]:
    return str(issued.integration["client_id"]), issued.client_secret


async def test_an_integration_keeps_only_the_hash_of_its_secret(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    assert len(issued.client_secret) == 64 and len(str(issued.integration["client_id"])) == 32
    assert "secret_hash" not in issued.integration and "previous_secret_hash" not in issued.integration
    async with runtime.db.reader() as session:
        row = await session.scalar(sa.select(PartnerIntegration))
        audits = (
            await session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "partner_integration"))
        ).all()
    assert row is not None and row.secret_hash == hash_secret(issued.client_secret)
    assert issued.client_secret not in str(
        [getattr(row, column.name) for column in PartnerIntegration.__table__.columns]
    )
    assert [entry.action for entry in audits] == ["partner_integration.create"]
    assert issued.client_secret not in str(audits[0].changes)
    assert audits[0].changes["client_id"] == row.client_id and audits[0].changes["environment"] == "live"


async def test_one_integration_per_partner_and_environment(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    with pytest.raises(IntegrationExists):
        await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    # The database holds the rule too, whatever a service forgets.
    with pytest.raises(IntegrityError):
        async with runtime.db.transaction() as session:
            session.add(
                PartnerIntegration(
                    livemode=True, customer_id=partner["id"], name="twin", client_id="x" * 32, secret_hash="0" * 64
                )
            )


async def test_only_a_partner_of_the_callers_mode_has_integrations(runtime: Runtime) -> None:
    plain = await make_customer(runtime)
    with pytest.raises(PartnerNotFound):
        await make_integration(runtime, int(plain["id"]))  # type: ignore[call-overload]
    live = await make_partner(runtime)
    with pytest.raises(PartnerNotFound):  # a live partner seen from test mode is not there
        await make_integration(runtime, int(live["id"]), livemode=False)  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        with pytest.raises(WrongEnvironment) as refused:
            await partners.create_integration(
                session,
                Principal.system(),
                int(live["id"]),  # type: ignore[call-overload]
                IntegrationCreate(name="shop", environment=Environment.TEST),
            )
    assert refused.value.fields == {"environment": ["The environment must be the partner's own: live."]}


async def test_setting_the_partner_flag_needs_the_partners_permissions(runtime: Runtime) -> None:
    staff = Principal(PrincipalKind.API_KEY, 1, frozenset({"customers:create", "customers:update"}))
    data = {"email": "p@example.com", "firstname": "P", "lastname": "Q", "country": "FR", "partner": True}
    async with runtime.db.transaction() as session:
        with pytest.raises(MissingPermission) as refused:
            await customers.create_customer(session, staff, CustomerCreate.model_validate(data))
    assert refused.value.permission == "partners:create"
    plain = await make_customer(runtime)
    async with runtime.db.transaction() as session:
        with pytest.raises(MissingPermission) as refused:
            await customers.update_customer(session, staff, int(plain["id"]), CustomerUpdate(partner=True))  # type: ignore[call-overload]
    assert refused.value.permission == "partners:update"
    allowed = Principal(PrincipalKind.API_KEY, 1, frozenset({"customers:update", "partners:update"}))
    async with runtime.db.transaction() as session:
        row = await customers.update_customer(session, allowed, int(plain["id"]), CustomerUpdate(partner=True))  # type: ignore[call-overload]
    assert row["partner"] is True


async def test_client_credentials_give_a_token_of_the_partner(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    client = await _authenticate(runtime, *_pair(issued))
    assert (client.customer_id, client.livemode, client.generation) == (partner["id"], True, 1)
    token = partners.issue_access_token(runtime.settings.secret_key, client)
    assert token.expires_in == 3600
    principal = await _token_principal(runtime, token.token)
    assert (principal.kind, principal.id, principal.scope, principal.livemode) == (
        PrincipalKind.PARTNER,
        issued.integration["id"],
        partner["id"],
        True,
    )
    # Of the other mode: no such client, and the token is refused.
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, *_pair(issued), livemode=False)
    with pytest.raises(Unauthenticated):
        await _token_principal(runtime, token.token, livemode=False)
    # Expired: refused.
    clock.set_offset(timedelta(seconds=3601))
    try:
        with pytest.raises(Unauthenticated):
            await _token_principal(runtime, token.token)
    finally:
        clock.set_offset(timedelta(0))


async def test_a_customer_that_leaves_the_programme_loses_its_tokens(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    token = partners.issue_access_token(runtime.settings.secret_key, await _authenticate(runtime, *_pair(issued)))
    async with runtime.db.transaction() as session:
        await customers.update_customer(session, Principal.system(), int(partner["id"]), CustomerUpdate(partner=False))  # type: ignore[call-overload]
    with pytest.raises(Unauthenticated):
        await _token_principal(runtime, token.token)
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, *_pair(issued))


async def test_a_wrong_secret_counts_toward_the_shared_ban(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    client_id, secret = _pair(await make_integration(runtime, int(partner["id"])))  # type: ignore[call-overload]
    for _ in range(runtime.settings.login_max_failures):
        with pytest.raises(InvalidCredentials):
            await _authenticate(runtime, client_id, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    with pytest.raises(LoginBanned):  # banned: even the right secret is refused unchecked
        await _authenticate(runtime, client_id, secret)


async def test_a_right_secret_clears_the_count(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    client_id, secret = _pair(await make_integration(runtime, int(partner["id"])))  # type: ignore[call-overload]
    for _ in range(runtime.settings.login_max_failures - 1):
        with pytest.raises(InvalidCredentials):
            await _authenticate(runtime, client_id, "wrong")
    await _authenticate(runtime, client_id, secret)
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, client_id, "wrong")
    await _authenticate(runtime, client_id, secret)


async def test_refresh_without_overlap_refuses_the_old_secret_at_once(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    first = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    old_token = partners.issue_access_token(runtime.settings.secret_key, await _authenticate(runtime, *_pair(first)))
    second = await refresh(runtime.db, int(partner["id"]))  # type: ignore[call-overload]
    assert second.client_secret != first.client_secret
    assert second.integration["client_id"] == first.integration["client_id"]
    assert second.integration["generation"] == 2 and second.integration["refreshed_at"] is not None
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, *_pair(first))
    with pytest.raises(Unauthenticated):
        await _token_principal(runtime, old_token.token)
    assert (await _authenticate(runtime, *_pair(second))).generation == 2


@pytest.mark.usefixtures("overlap")
async def test_refresh_with_overlap_keeps_the_old_pair_until_it_ends(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    first = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    old_token = partners.issue_access_token(runtime.settings.secret_key, await _authenticate(runtime, *_pair(first)))
    second = await refresh(runtime.db, int(partner["id"]), new_client_id=True)  # type: ignore[call-overload]
    assert second.integration["client_id"] != first.integration["client_id"]
    clock.set_offset(timedelta(seconds=59))
    assert (await _authenticate(runtime, *_pair(first))).generation == 1
    assert (await _authenticate(runtime, *_pair(second))).generation == 2
    await _token_principal(runtime, old_token.token)
    # The old secret never went with the new clientId, nor the new secret with the old one (each failure from
    # another address: three from one would ban it).
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, str(second.integration["client_id"]), first.client_secret, ip="198.51.100.1")
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, str(first.integration["client_id"]), second.client_secret, ip="198.51.100.2")
    clock.set_offset(timedelta(seconds=61))
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, *_pair(first), ip="198.51.100.3")
    with pytest.raises(Unauthenticated):
        await _token_principal(runtime, old_token.token)
    assert (await _authenticate(runtime, *_pair(second))).generation == 2


@pytest.mark.usefixtures("overlap")
async def test_a_second_refresh_ends_the_first_secret_even_within_the_overlap(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    first = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    second = await refresh(runtime.db, int(partner["id"]))  # type: ignore[call-overload]
    third = await refresh(runtime.db, int(partner["id"]))  # type: ignore[call-overload]
    with pytest.raises(InvalidCredentials):
        await _authenticate(runtime, *_pair(first))
    assert (await _authenticate(runtime, *_pair(second))).generation == 2
    assert (await _authenticate(runtime, *_pair(third))).generation == 3


async def test_refresh_needs_an_integration_of_the_environment(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    with pytest.raises(IntegrationNotFound):
        await refresh(runtime.db, int(partner["id"]))  # type: ignore[call-overload]
    await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    async with runtime.db.transaction() as session:
        with pytest.raises(IntegrationNotFound):
            await partners.refresh_integration(
                session,
                Principal.system(),
                int(partner["id"]),  # type: ignore[call-overload]
                Environment.TEST,
                IntegrationRefresh(),
            )
