"""What the client API's tests share: a customer logged in over HTTP, TOTP codes, and the error shape."""

from __future__ import annotations

import httpx

from hostlane.core import clock, totp
from hostlane.customers import service as customers
from hostlane.customers import two_factor
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_customer
from tests.fixtures.http import assert_client_error, bearer

API = "/api/client"
PASSWORD = "password123456"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"

__all__ = ["API", "PASSWORD", "TOTP_SECRET", "assert_client_error", "bearer"]


async def customer(runtime: Runtime, **fields: object) -> dict[str, object]:
    return await make_customer(runtime, password=PASSWORD, **fields)


async def login(client: httpx.AsyncClient, email: object, password: str = PASSWORD) -> httpx.Response:
    return await client.post(f"{API}/auth/login", json={"email": email, "password": password})


async def logged_in(
    runtime: Runtime, client: httpx.AsyncClient, **fields: object
) -> tuple[dict[str, object], dict[str, str]]:
    """A new customer and the headers of a full-access token it logged in for."""
    row = await customer(runtime, **fields)
    answer = await login(client, row["email"])
    assert answer.status_code == 200, answer.text
    return row, bearer(answer.json()["token"], Accept="application/json")


def code(secret: str = TOTP_SECRET, *, steps: int = 0) -> str:
    """The authenticator app's code now (or ``steps`` of 30 s away)."""
    return totp.code_at(secret, clock.now().timestamp() + steps * totp.STEP_SECONDS)


async def enable_two_factor(runtime: Runtime, customer_id: object, secret: str = TOTP_SECRET) -> list[str]:
    """Turn the customer's second factor on (its recovery codes)."""
    principal = Principal.system()
    async with runtime.db.transaction() as session:
        return await two_factor.enable(
            session, principal, int(str(customer_id)), secret=secret, code=code(secret), key=runtime.settings.secret_key
        )


async def reset_token(runtime: Runtime, customer_id: object) -> str:
    """The token a reset-password mail would carry, issued now."""
    async with runtime.db.reader() as session:
        context = await customers.account_mail(
            session,
            Principal.system(),
            int(str(customer_id)),
            customers.RESET_LINK_MAIL,
            secret=runtime.settings.secret_key,
        )
    return str(context["token"])
