"""Renaming a partner's integration: the name changes (audited), its clientId and secret do not; the other
environment's or another customer's integration is not found."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hostlane.customers.sessions import customer_principal
from hostlane.identity.principal import Principal
from hostlane.models import AuditEntry
from hostlane.partners import service as partners
from hostlane.partners.errors import IntegrationNotFound, PartnerNotFound
from hostlane.partners.schemas import Environment, IntegrationRename
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.partners import make_integration, make_partner


async def test_a_partner_renames_its_integration_and_keeps_its_credentials(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    customer_id = int(str(partner["id"]))
    issued = await make_integration(runtime, customer_id, name="Old name")
    principal = customer_principal(customer_id, True, None)
    async with runtime.db.transaction() as session:
        renamed = await partners.rename_integration(
            session, principal, customer_id, Environment.LIVE, IntegrationRename(name="  New name  ")
        )
    assert renamed["name"] == "New name" and renamed["client_id"] == issued.integration["client_id"]
    assert "secret_hash" not in renamed
    async with runtime.db.reader() as session:
        (shown,) = await partners.list_integrations(session, principal, customer_id)
        entry = await session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "partner_integration.rename"))
    assert shown["name"] == "New name"
    assert entry is not None and entry.changes == {"from": "Old name", "to": "New name"}
    client = await partners.authenticate_client(
        runtime.db,
        runtime.login_guard,
        ip="203.0.113.9",
        client_id=str(issued.integration["client_id"]),
        client_secret=issued.client_secret,
        livemode=True,
    )
    assert client.customer_id == customer_id


async def test_renaming_elsewhere_is_not_found(runtime: Runtime) -> None:
    partner = await make_partner(runtime)
    customer_id = int(str(partner["id"]))
    await make_integration(runtime, customer_id)
    other = await make_customer(runtime)
    rename = IntegrationRename(name="Mine now")
    async with runtime.db.transaction() as session:
        with pytest.raises(IntegrationNotFound):  # a live partner has no test integration
            await partners.rename_integration(session, Principal.system(), customer_id, Environment.TEST, rename)
        with pytest.raises(PartnerNotFound):  # another customer's
            await partners.rename_integration(
                session, customer_principal(int(str(other["id"])), True, None), customer_id, Environment.LIVE, rename
            )
        with pytest.raises(PartnerNotFound):  # not a partner
            await partners.rename_integration(
                session, Principal.system(), int(str(other["id"])), Environment.LIVE, rename
            )
