from __future__ import annotations

import pytest
import sqlalchemy as sa

from hostlane.core.errors import Forbidden, Unauthenticated
from hostlane.identity import service as identity
from hostlane.identity.errors import ApiKeyNotFound, UnknownAdministrator, UnknownPermission
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.models import ApiKey, AuditEntry, Base
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin, make_api_key


async def _create(runtime: Runtime, email: str, *permissions: str, livemode: bool = True) -> identity.IssuedApiKey:
    async with runtime.db.transaction() as session:
        return await identity.create_api_key(
            session,
            Principal.system(ip="192.0.2.3"),
            name="billing sync",
            admin_email=email,
            permission_names=permissions,
            livemode=livemode,
        )


async def test_key_is_shown_once_and_its_secret_is_nowhere_in_the_database(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    issued = await _create(runtime, admin.email, "customers:index", "health")
    assert issued.plaintext.startswith("hl_live_")
    assert issued.key.prefix == issued.plaintext[:16]
    secret = issued.plaintext[16:]
    async with runtime.db.reader() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(sa.select(table))).all():
                assert secret not in repr(tuple(row)), f"secret found in {table.name}"
                assert issued.plaintext not in repr(tuple(row))


async def test_key_authenticates_with_its_permissions_and_mode(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    live = await _create(runtime, admin.email, "customers:index")
    test = await _create(runtime, admin.email, "*", livemode=False)
    assert test.plaintext.startswith("hl_test_")
    async with runtime.db.reader() as session:
        principal = await identity.authenticate_api_key(session, live.plaintext, ip="192.0.2.4")
        assert principal.livemode is True
        assert principal.can("customers:index") and not principal.can("customers:delete")
        test_principal = await identity.authenticate_api_key(session, test.plaintext, ip=None)
        assert test_principal.livemode is False and test_principal.can("services:suspend")
    async with runtime.db.reader() as session:  # another session: the touch was saved
        last_used = await session.scalar(sa.select(ApiKey.last_used_at).where(ApiKey.id == live.key.id))
    assert last_used is not None


@pytest.mark.parametrize("presented", ["", "hl_live_short", "Bearer", "hl_live_" + "A" * 48, "hl_prod_" + "A" * 48])
async def test_malformed_or_unknown_keys_are_unauthenticated(runtime: Runtime, presented: str) -> None:
    async with runtime.db.reader() as session:
        with pytest.raises(Unauthenticated):
            await identity.authenticate_api_key(session, presented, ip=None)


async def test_a_right_prefix_with_a_wrong_secret_is_unauthenticated(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    issued = await _create(runtime, admin.email, "*")
    forged = issued.plaintext[:16] + ("B" if issued.plaintext[16] != "B" else "C") + issued.plaintext[17:]
    async with runtime.db.reader() as session:
        with pytest.raises(Unauthenticated):
            await identity.authenticate_api_key(session, forged, ip=None)


async def test_revoked_key_stops_working_and_is_audited(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    issued = await _create(runtime, admin.email, "*")
    async with runtime.db.transaction() as session:
        await identity.revoke_api_key(session, Principal.system(), issued.key.prefix)
    async with runtime.db.reader() as session:
        with pytest.raises(Unauthenticated):
            await identity.authenticate_api_key(session, issued.plaintext, ip=None)
        actions = (await session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id))).all()
        created = await session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "api_key.create"))
    assert actions == ["administrator.create", "api_key.create", "api_key.revoke"]
    assert created is not None and created.ip == "192.0.2.3" and created.object_id == issued.key.id
    assert created.changes["permissions"] == ["*"]


async def test_revoking_an_unknown_prefix_is_not_found(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        with pytest.raises(ApiKeyNotFound):
            await identity.revoke_api_key(session, Principal.system(), "hl_live_nothere0")


async def test_unknown_permission_lists_the_valid_ones_and_creates_nothing(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    with pytest.raises(UnknownPermission) as error:
        await _create(runtime, admin.email, "customers:index", "customers:fly")
    assert "customers:fly" in error.value.message and "services:suspend" in error.value.message
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


async def test_the_documents_spelling_statitics_means_statistics(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    issued = await _create(runtime, admin.email, "statitics", "health,license")
    assert issued.key.permissions == ["statistics", "health", "license"]


async def test_unknown_administrator_email_lists_the_administrators(runtime: Runtime) -> None:
    admin = await make_admin(runtime)
    with pytest.raises(UnknownAdministrator) as error:
        await _create(runtime, "ghost@example.test", "*")
    assert admin.email in error.value.message


async def test_list_api_keys_shows_the_keys_of_the_mode_without_their_secret(runtime: Runtime) -> None:
    live = await make_api_key(runtime, "customers:index")
    await make_api_key(runtime, "*", livemode=False)
    async with runtime.db.reader() as session:
        keys = await identity.list_api_keys(session, Principal.system())
        with pytest.raises(Forbidden):
            limited = Principal(PrincipalKind.ADMIN, 1, frozenset({"customers:index"}), True, None, None)
            await identity.list_api_keys(session, limited)
    [key] = keys
    assert live.startswith(key["prefix"]) and key["permissions"] == ["customers:index"]
    assert key["owner"].startswith("admin") and key["revoked_at"] is None and "secret_hash" not in key
