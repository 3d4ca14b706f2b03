"""Sessions end with the account: suspending, banning, closing or deleting a customer, or changing its
password, ends every access token, refresh token and HTTP Basic login of that customer at once (and of no
other customer); disabling an administrator stops its API keys at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from hostlane.customers import sessions as customer_sessions
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin, make_api_key, make_customer, make_department
from tests.fixtures.http import basic, bearer
from tests.test_cli import cli, invoke

__all__ = ["cli"]  # the command-line fixture, shared with tests/test_cli.py

PASSWORD = "the customer's passphrase"
NEW_PASSWORD = "a brand new passphrase"
APPLICATION = "/api/application"


@dataclass
class Login:
    """A customer logged in twice over (a token pair), and its Basic credentials."""

    id: int
    email: str
    token: str
    refresh: str

    def basic(self) -> dict[str, str]:
        return basic(self.email, PASSWORD)


async def _login(runtime: Runtime, client: httpx.AsyncClient) -> Login:
    customer = await make_customer(runtime, password=PASSWORD)
    email = str(customer["email"])
    response = await client.post("/api/login", json={"username": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    pair = response.json()
    return Login(int(customer["id"]), email, pair["token"], pair["refresh"])  # type: ignore[call-overload]


async def _works(client: httpx.AsyncClient, login: Login) -> None:
    """The login's access token, a rotation of its refresh token and Basic all work."""
    assert (await client.get("/api/details", headers=bearer(login.token))).status_code == 200
    assert (await client.get("/api/details", headers=login.basic())).status_code == 200
    rotated = await client.post("/api/token", json={"refresh_token": login.refresh})
    assert rotated.status_code == 200, rotated.text
    login.token, login.refresh = rotated.json()["token"], rotated.json()["refresh"]
    assert (await client.get("/api/details", headers=bearer(login.token))).status_code == 200


async def _ended(client: httpx.AsyncClient, login: Login, *, password: str = PASSWORD) -> None:
    """Every way in of the login is refused: its access token, its refresh token, and Basic."""
    assert (await client.get("/api/details", headers=bearer(login.token))).status_code == 401
    department = await client.get("/api/ticket/departments", headers=bearer(login.token))
    assert department.status_code == 401
    refreshed = await client.post("/api/token", json={"refresh_token": login.refresh})
    assert refreshed.status_code == 401, refreshed.text
    assert (await client.get("/api/details", headers=basic(login.email, password))).status_code == 401


# (name, the request through the application face that ends the customer's sessions)
EVENTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("suspend", "PATCH", {"status": "suspended"}),
    ("ban", "PATCH", {"status": "banned"}),
    ("close", "PATCH", {"status": "closed"}),
    ("password", "PATCH", {"password": NEW_PASSWORD}),
    ("delete", "DELETE", None),
]


@pytest.mark.parametrize(("method", "body"), [(m, b) for _, m, b in EVENTS], ids=[name for name, _, _ in EVENTS])
async def test_an_account_event_ends_every_session_of_that_customer_only(
    runtime: Runtime, client: httpx.AsyncClient, method: str, body: dict[str, Any] | None
) -> None:
    key = await make_api_key(runtime, "customers:update", "customers:delete")
    victim, bystander = await _login(runtime, client), await _login(runtime, client)
    # A second login of the same customer, never used yet: it ends as well.
    other_device = await client.post("/api/login", json={"username": victim.email, "password": PASSWORD})
    second = Login(victim.id, victim.email, other_device.json()["token"], other_device.json()["refresh"])
    await _works(client, victim)

    changed = await client.request(method, f"{APPLICATION}/customers/{victim.id}", json=body, headers=bearer(key))
    assert changed.status_code == 200, changed.text

    await _ended(client, victim)
    await _ended(client, second)
    await _works(client, bystander)


async def test_after_a_password_change_the_new_password_logs_in_afresh(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime, "customers:update")
    victim = await _login(runtime, client)
    changed = await client.patch(
        f"{APPLICATION}/customers/{victim.id}", json={"password": NEW_PASSWORD}, headers=bearer(key)
    )
    assert changed.status_code == 200
    await _ended(client, victim)
    fresh = await client.post("/api/login", json={"username": victim.email, "password": NEW_PASSWORD})
    assert fresh.status_code == 200
    assert (await client.get("/api/details", headers=bearer(fresh.json()["token"]))).status_code == 200
    assert (await client.get("/api/details", headers=basic(victim.email, NEW_PASSWORD))).status_code == 200


async def test_a_suspended_customers_token_can_neither_order_nor_open_a_ticket(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime, "customers:update")
    department = await make_department(runtime)
    victim = await _login(runtime, client)
    ticket = {"dept_id": department["id"], "subject": "Help", "body": "Please."}
    assert (await client.post("/api/tickets", json=ticket, headers=bearer(victim.token))).status_code == 200
    await client.patch(f"{APPLICATION}/customers/{victim.id}", json={"status": "suspended"}, headers=bearer(key))
    assert (await client.post("/api/tickets", json=ticket, headers=bearer(victim.token))).status_code == 401
    assert (await client.post("/api/order/1", json={}, headers=bearer(victim.token))).status_code == 401


async def test_reactivating_a_customer_does_not_revive_its_old_sessions(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    key = await make_api_key(runtime, "customers:update")
    victim = await _login(runtime, client)
    url = f"{APPLICATION}/customers/{victim.id}"
    await client.patch(url, json={"status": "suspended"}, headers=bearer(key))
    await client.patch(url, json={"status": "active"}, headers=bearer(key))
    assert (await client.get("/api/details", headers=bearer(victim.token))).status_code == 401
    assert (await client.post("/api/token", json={"refresh_token": victim.refresh})).status_code == 401
    assert (await client.get("/api/details", headers=victim.basic())).status_code == 200  # Basic asks afresh


async def test_other_changes_leave_sessions_alone(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "customers:update")
    victim = await _login(runtime, client)
    url = f"{APPLICATION}/customers/{victim.id}"
    assert (await client.patch(url, json={"city": "Lyon", "status": "active"}, headers=bearer(key))).status_code == 200
    await _works(client, victim)


@pytest.mark.parametrize("change", [{"password": NEW_PASSWORD}, {"status": "suspended"}], ids=["password", "suspend"])
async def test_a_login_checked_just_before_the_account_changed_opens_no_session(
    runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, change: dict[str, str]
) -> None:
    """The account changes between a login's password check and the opening of its session: the login is
    refused, and does not write the old password's hash back over the new one."""
    key = await make_api_key(runtime, "customers:update")
    customer = await make_customer(runtime, password=PASSWORD)
    email, url = str(customer["email"]), f"{APPLICATION}/customers/{customer['id']}"
    check_password = customer_sessions.check_password

    async def check_then_change(*args: Any, **kwargs: Any) -> Any:
        checked = await check_password(*args, **kwargs)
        assert (await client.patch(url, json=change, headers=bearer(key))).status_code == 200
        return checked

    monkeypatch.setattr(customer_sessions, "check_password", check_then_change)
    login = await client.post("/api/login", json={"username": email, "password": PASSWORD})
    assert login.status_code == 401, login.text
    monkeypatch.setattr(customer_sessions, "check_password", check_password)
    assert (await client.get("/api/details", headers=basic(email, PASSWORD))).status_code == 401
    if "password" in change:
        assert (await client.get("/api/details", headers=basic(email, NEW_PASSWORD))).status_code == 200


async def test_a_disabled_administrators_api_keys_stop_at_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    admin, colleague = await make_admin(runtime), await make_admin(runtime)
    keys = [await make_api_key(runtime, admin=admin), await make_api_key(runtime, livemode=False, admin=admin)]
    other = await make_api_key(runtime, admin=colleague)
    for key in [*keys, other]:
        assert (await client.get(f"{APPLICATION}/customers", headers=bearer(key))).status_code == 200

    async with runtime.db.transaction() as session:
        disabled = await identity.disable_administrator(session, Principal.system(), admin.login)
    assert disabled.is_active is False

    for key in keys:
        assert (await client.get(f"{APPLICATION}/customers", headers=bearer(key))).status_code == 401
    assert (await client.get(f"{APPLICATION}/customers", headers=bearer(other))).status_code == 200


async def test_disable_admin_from_the_command_line(runtime: Runtime, client: httpx.AsyncClient, cli: CliRunner) -> None:
    admin = await make_admin(runtime)
    key = await make_api_key(runtime, admin=admin)
    assert (await client.get(f"{APPLICATION}/customers", headers=bearer(key))).status_code == 200
    code, out, _ = await invoke(cli, "disable-admin", admin.login)
    assert code == 0 and f"Administrator {admin.login} <{admin.email}> is disabled" in out
    assert (await client.get(f"{APPLICATION}/customers", headers=bearer(key))).status_code == 401
    code, _, err = await invoke(cli, "disable-admin", "nobody")
    assert code != 0 and "No administrator has the login 'nobody'." in err
