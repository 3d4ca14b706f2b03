"""The hostlane command, as an operator uses it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hostlane.cli import app
from hostlane.config import Settings, use_settings
from hostlane.demo import demo_credentials
from hostlane.models import Administrator, ApiKey, Customer, PartnerIntegration
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.http import bearer
from tests.fixtures.partners import TOKEN_PATH


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    monkeypatch.setenv("HOSTLANE_DATABASE_URL", settings.database_url)
    if settings.database_schema:
        monkeypatch.setenv("HOSTLANE_DATABASE_SCHEMA", settings.database_schema)
    monkeypatch.setenv("HOSTLANE_SECRET_KEY", settings.secret_key)
    use_settings(None)
    yield CliRunner()
    use_settings(settings)


async def invoke(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    """Run the command in a thread: it starts its own event loop, as it does from a shell."""
    result = await asyncio.to_thread(cli.invoke, app, list(args))
    return result.exit_code, result.stdout, result.stderr


async def test_create_admin_then_key_prints_a_working_key_last(
    runtime: Runtime, cli: CliRunner, client_for: ClientFactory
) -> None:
    code, out, _ = await invoke(
        cli,
        "create-admin",
        "alice",
        "--email",
        "alice@example.test",
        "--password",
        "s3cret-enough",
        "--super-admin",
    )
    assert code == 0, out
    assert "alice <alice@example.test> created" in out
    code, out, _ = await invoke(
        cli, "create-api-key", "sync", "alice@example.test", "--permissions=health", "--permissions=statitics"
    )
    assert code == 0, out
    key = out.strip().splitlines()[-1]
    assert key.startswith("hl_live_") and len(key) == 56
    client = client_for()
    headers = bearer(key)
    health = await client.get("/api/application/health", headers=headers)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert (await client.get("/api/application/statistics", headers=headers)).status_code == 200
    assert (await client.get("/api/application/license", headers=headers)).status_code == 403

    code, out, _ = await invoke(cli, "revoke-api-key", key[:16])
    assert code == 0 and f"API key {key[:16]} ('sync') is revoked." in out
    assert (await client.get("/api/application/health", headers=headers)).status_code == 401


async def test_test_mode_key(runtime: Runtime, cli: CliRunner) -> None:
    await invoke(cli, "create-admin", "bob", "--email", "bob@example.test", "--password", "s3cret-enough")
    code, out, _ = await invoke(cli, "create-api-key", "sandbox", "bob@example.test", "--permissions=*", "--test")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith("hl_test_")


async def test_unknown_permission_or_email_is_an_error_listing_what_is_valid(runtime: Runtime, cli: CliRunner) -> None:
    await invoke(cli, "create-admin", "carol", "--email", "carol@example.test", "--password", "s3cret-enough")
    code, _, err = await invoke(cli, "create-api-key", "x", "carol@example.test", "--permissions=customers:fly")
    assert code == 1
    assert "Unknown permission(s): customers:fly" in err and "services:unsuspend" in err
    code, _, err = await invoke(cli, "create-api-key", "x", "nobody@example.test", "--permissions=*")
    assert code == 1
    assert "No administrator has the e-mail 'nobody@example.test'" in err and "carol@example.test" in err
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


async def test_short_password_and_duplicate_admin_are_refused(runtime: Runtime, cli: CliRunner) -> None:
    code, _, err = await invoke(cli, "create-admin", "dave", "--email", "dave@example.test", "--password", "short")
    assert code == 1 and "at least 8 characters" in err
    assert (await invoke(cli, "create-admin", "dave", "--email", "dave@example.test", "--password", "longenough1"))[
        0
    ] == 0
    code, _, err = await invoke(cli, "create-admin", "dave", "--email", "d2@example.test", "--password", "longenough1")
    assert code == 1 and "already exists" in err


async def test_revoking_an_unknown_prefix_fails(runtime: Runtime, cli: CliRunner) -> None:
    code, _, err = await invoke(cli, "revoke-api-key", "hl_live_nothere0")
    assert code == 1 and "No API key has this prefix." in err


async def test_demo_loads_once_and_prints_the_same_credentials(
    runtime: Runtime, cli: CliRunner, client_for: ClientFactory
) -> None:
    first = await invoke(cli, "demo")
    second = await invoke(cli, "demo")
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    credentials = demo_credentials(runtime.settings.secret_key)
    assert credentials.api_key in first[1] and credentials.admin_password in first[1]
    async with runtime.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Administrator)) == 1
        assert await session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 2
        # The catalogue in both modes, four live customers, and in test mode one customer and the partner.
        assert await session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 6
    response = await client_for().get("/api/application/health", headers=bearer(credentials.api_key))
    assert response.status_code == 200
    headers = bearer(credentials.api_key)
    products = (await client_for().get("/api/application/products?pricing=1&per_page=100", headers=headers)).json()
    names = [product["name"] for product in products["data"]]
    assert "Dedicated Server DS-1" in names and "SIP Line" in names and "Signage CMS Instance" in names
    assert {p["currency"] for p in products["data"][0]["pricing"]} == {"EUR", "USD"}
    listed = (await client_for().get("/api/application/services?per_page=100", headers=headers)).json()
    assert {s["status"] for s in listed["data"]} == {"active", "suspended", "pending", "expired"}


async def test_permissions_lists_the_catalogue(cli: CliRunner) -> None:
    code, out, _ = await invoke(cli, "permissions")
    assert code == 0
    assert "customers:index" in out and "services:suspend" in out and out.splitlines()[0].startswith("*")


async def test_create_customer(runtime: Runtime, cli: CliRunner) -> None:
    code, out, _ = await invoke(cli, "create-customer", "jane.doe@example.com", "--password", "long-enough-1")
    assert code == 0, out
    assert "Customer jane.doe@example.com created (id 1, live mode)." in out
    async with runtime.db.reader() as session:
        customer = await session.scalar(sa.select(Customer))
    assert customer is not None and customer.firstname == "Jane Doe" and customer.password_hash
    assert customer.password_hash != "long-enough-1" and customer.livemode is True
    code, _, err = await invoke(cli, "create-customer", "jane.doe@example.com")
    assert code == 1 and "The email has already been taken." in err
    code, _, err = await invoke(cli, "create-customer", "not-an-email", "--country", "ZZ")
    assert code == 1 and "email" in err and "country" in err


async def test_billing_run_command(runtime: Runtime, cli: CliRunner) -> None:
    import datetime as dt

    from hostlane.core import clock
    from tests.fixtures.factories import make_service

    with clock.frozen_at(dt.datetime(2026, 12, 2, 12)):  # the command's thread runs in this context too
        await make_service(runtime, next_due_date=dt.date(2027, 1, 1))
        code, out, _ = await invoke(cli, "billing", "run", "--date", "2026-12-20")
        assert code == 0, out
        assert "Billing run for 2026-12-20: 1 renewal invoice(s)" in out
        code, out, _ = await invoke(cli, "billing", "run", "--date", "2026-12-20")
        assert "0 renewal invoice(s)" in out  # exactly once
        code, _, err = await invoke(cli, "billing", "run", "--date", "20/12/2026")
        assert code == 2 and "--date must be YYYY-MM-DD" in err


async def test_tax_rules_from_the_command_line_apply_to_invoices(runtime: Runtime, cli: CliRunner) -> None:
    import datetime as dt

    from hostlane.billing import service as billing
    from hostlane.billing.service import NewItem
    from hostlane.identity.principal import Principal
    from tests.fixtures.factories import make_customer

    code, out, _ = await invoke(cli, "tax", "add", "FR", "20", "--name", "TVA")
    assert code == 0 and "Tax rule TVA: 20 % at level 1 for FR." in out
    assert (await invoke(cli, "tax", "add", "FR", "5.5"))[0] == 0  # replaces the FR level-1 rule
    code, _, err = await invoke(cli, "tax", "add", "ZZ", "5")
    assert code == 1 and "ZZ is not an ISO 3166-1 country code" in err
    code, _, err = await invoke(cli, "tax", "add", "FR", "12.3456")
    assert code == 1 and "at most 3 decimals" in err
    code, out, _ = await invoke(cli, "tax", "list")
    assert out.count("level 1") == 1 and "5.5 %" in out
    customer = await make_customer(runtime, country="FR")
    async with runtime.db.transaction() as session:
        invoice = await billing.issue_invoice(
            session,
            Principal.system(),
            int(customer["id"]),  # type: ignore[call-overload]
            items=[NewItem("Hosting", 10000)],
            due_on=dt.date(2030, 1, 1),
        )
    assert (invoice.tax_minor, invoice.taxrate_milli, invoice.total_minor) == (550, 5500, 10550)


async def test_the_demo_partner_gets_a_token_on_the_test_host_with_the_printed_credentials(
    runtime: Runtime, cli: CliRunner, client_for: ClientFactory
) -> None:
    code, out, _ = await invoke(cli, "demo", "--port", "8123", "--test-hosts", "test.localhost")
    assert code == 0, out
    credentials = demo_credentials(runtime.settings.secret_key)
    assert f"partner API clientId     {credentials.partner_client_id}   (test environment)" in out
    assert f"partner API secret       {credentials.partner_client_secret}" in out
    assert "partner API (test)       http://test.localhost:8123/api/platform" in out
    async with runtime.db.reader() as session:
        stored = await session.scalar(sa.select(PartnerIntegration))
    assert stored is not None and stored.livemode is False and stored.client_id == credentials.partner_client_id
    assert credentials.partner_client_secret not in str(stored.secret_hash)  # only its hash is kept
    runtime.settings.test_hosts = ["test.localhost"]
    fields = {
        "grant_type": "client_credentials",
        "client_id": credentials.partner_client_id,
        "client_secret": credentials.partner_client_secret,
    }
    on_test = await client_for(base_url="http://test.localhost").post(TOKEN_PATH, data=fields)
    assert on_test.status_code == 200 and on_test.json()["token_type"] == "Bearer"
    token = on_test.json()["access_token"]
    account = await client_for(base_url="http://test.localhost").get("/api/platform/account", headers=bearer(token))
    assert account.json()["contactEmail"] == "partner@signage.example" and account.json()["environment"] == "test"
    on_live = await client_for().post(TOKEN_PATH, data=fields)
    assert on_live.status_code == 401  # a test integration gets no live token
