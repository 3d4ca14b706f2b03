"""The partner face over HTTP: the token endpoint (RFC 6749), bearer auth, live and test never mixing, the account
and the price list, and the face's error shape."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from hostlane.billing import service as billing
from hostlane.core import clock
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_pricing, make_product
from tests.fixtures.http import assert_platform_error, bearer
from tests.fixtures.partners import TOKEN_PATH, credentials, make_integration, make_partner, refresh

ACCOUNT = "/api/platform/account"
PRODUCTS = "/api/platform/products"
ACCOUNT_FIELDS = {
    "id",
    "environment",
    "company",
    "contactName",
    "contactEmail",
    "currency",
    "balance",
    "credit",
    "card",
}


@pytest.fixture(autouse=True)
def clock_back() -> Iterator[None]:
    yield
    clock.set_offset(timedelta(0))


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def _token(client: httpx.AsyncClient, form: dict[str, str]) -> str:
    response = await client.post(TOKEN_PATH, data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# The token endpoint.


async def test_client_credentials_as_form_fields_get_a_bearer_token(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    response = await live.post(TOKEN_PATH, data=credentials(issued))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["access_token"].count(".") == 2
    assert response.headers["cache-control"] == "no-store" and response.headers["pragma"] == "no-cache"
    assert (await live.get(ACCOUNT, headers=bearer(body["access_token"]))).status_code == 200


async def test_client_credentials_over_http_basic(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    response = await live.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=_basic(str(issued.integration["client_id"]), issued.client_secret),
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


async def test_a_json_body_is_understood_too(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    response = await live.post(TOKEN_PATH, json=credentials(issued))
    assert response.status_code == 200, response.text


async def test_a_wrong_secret_is_invalid_client(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    response = await live.post(TOKEN_PATH, data={**credentials(issued), "client_secret": "not-the-secret"})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "Client authentication failed."}
    assert response.headers["cache-control"] == "no-store"
    basic = await live.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=_basic(str(issued.integration["client_id"]), "wrong"),
    )
    assert_platform_error(basic, 401, "Client authentication failed.")
    assert basic.json()["error"] == "invalid_client"
    assert basic.headers["www-authenticate"].startswith("Basic ")


@pytest.mark.parametrize(
    ("form", "status", "word", "message"),
    [
        ({}, 400, "invalid_request", "The grant_type field is required."),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", "Only the client_credentials grant is supported."),
        ({"grant_type": "client_credentials"}, 401, "invalid_client", "The client_id and client_secret are required."),
        (
            {"grant_type": "client_credentials", "client_id": "abc"},
            401,
            "invalid_client",
            "The client_id and client_secret are required.",
        ),
    ],
    ids=["no grant_type", "another grant", "no client", "no secret"],
)
async def test_token_requests_refused_in_rfc_6749_words(
    live: httpx.AsyncClient, form: dict[str, str], status: int, word: str, message: str
) -> None:
    response = await live.post(TOKEN_PATH, data=form)
    assert response.status_code == status, response.text
    assert response.json() == {"error": word, "error_description": message}


async def test_two_ways_of_client_authentication_at_once_are_refused(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    response = await live.post(
        TOKEN_PATH,
        data=credentials(issued),
        headers=_basic(str(issued.integration["client_id"]), issued.client_secret),
    )
    assert_platform_error(response, 400)
    assert response.json()["error"] == "invalid_request"


async def test_wrong_secrets_count_toward_the_shared_login_ban(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    issued = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    for _ in range(runtime.settings.login_max_failures):
        wrong = await live.post(TOKEN_PATH, data={**credentials(issued), "client_secret": "guess"})
        assert wrong.status_code == 401
    banned = await live.post(TOKEN_PATH, data=credentials(issued))
    assert_platform_error(banned, 403)
    assert banned.json()["error"] == "access_denied" and int(banned.headers["retry-after"]) > 0
    # The ban is the one every login shares: the client area refuses this address too.
    hostbill = await live.get("/api/details", auth=("nobody@example.com", "whatever"))
    assert hostbill.status_code == 403


# Live and test never mix.


async def test_credentials_work_only_in_their_environment(
    runtime: Runtime, live: httpx.AsyncClient, sandbox: httpx.AsyncClient
) -> None:
    live_partner = await make_partner(runtime)
    test_partner = await make_partner(runtime, livemode=False)
    live_keys = await make_integration(runtime, int(live_partner["id"]))  # type: ignore[call-overload]
    test_keys = await make_integration(runtime, int(test_partner["id"]), livemode=False)  # type: ignore[call-overload]
    for client, keys in ((live, test_keys), (sandbox, live_keys)):
        refused = await client.post(TOKEN_PATH, data=credentials(keys))
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    live_token = await _token(live, credentials(live_keys))
    test_token = await _token(sandbox, credentials(test_keys))
    for client, token in ((live, test_token), (sandbox, live_token)):
        refused = await client.get(ACCOUNT, headers=bearer(token))
        assert_platform_error(refused, 401, "Unauthenticated.")
        assert refused.json()["error"] == "invalid_token"
    mine = await sandbox.get(ACCOUNT, headers=bearer(test_token))
    assert mine.status_code == 200 and mine.json()["id"] == test_partner["id"]
    assert mine.json()["environment"] == "test"
    assert (await live.get(ACCOUNT, headers=bearer(live_token))).json()["environment"] == "live"


# Bearer auth.


async def test_without_a_token_401_with_a_bearer_challenge(live: httpx.AsyncClient) -> None:
    for path in (ACCOUNT, PRODUCTS):
        response = await live.get(path)
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_token", "error_description": "Unauthenticated."}
        assert response.headers["www-authenticate"] == 'Bearer realm="Hostlane platform"'


async def test_a_bad_or_expired_token_is_401(runtime: Runtime, live: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    token = await _token(live, credentials(await make_integration(runtime, int(partner["id"]))))  # type: ignore[call-overload]
    for bad in ("not-a-token", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        response = await live.get(ACCOUNT, headers=bearer(bad))
        assert_platform_error(response, 401, "Unauthenticated.")
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    clock.set_offset(timedelta(hours=1, seconds=1))
    assert_platform_error(await live.get(ACCOUNT, headers=bearer(token)), 401, "Unauthenticated.")


async def test_a_refreshed_secret_ends_the_old_credentials_and_tokens(
    runtime: Runtime, live: httpx.AsyncClient
) -> None:
    partner = await make_partner(runtime)
    first = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    old_token = await _token(live, credentials(first))
    second = await refresh(runtime.db, int(partner["id"]))  # type: ignore[call-overload]
    assert (await live.post(TOKEN_PATH, data=credentials(first))).status_code == 401
    assert (await live.get(ACCOUNT, headers=bearer(old_token))).status_code == 401
    assert (await live.get(ACCOUNT, headers=bearer(await _token(live, credentials(second))))).status_code == 200


async def test_an_overlap_keeps_the_old_secret_working_until_it_ends(runtime: Runtime, live: httpx.AsyncClient) -> None:
    runtime.settings.partner_secret_overlap_seconds = 300
    partner = await make_partner(runtime)
    first = await make_integration(runtime, int(partner["id"]))  # type: ignore[call-overload]
    second = await refresh(runtime.db, int(partner["id"]), new_client_id=True)  # type: ignore[call-overload]
    clock.set_offset(timedelta(seconds=299))
    old_token = await _token(live, credentials(first))
    assert (await live.get(ACCOUNT, headers=bearer(old_token))).status_code == 200
    clock.set_offset(timedelta(seconds=301))
    assert (await live.post(TOKEN_PATH, data=credentials(first))).status_code == 401
    assert (await live.get(ACCOUNT, headers=bearer(old_token))).status_code == 401
    assert (await live.get(ACCOUNT, headers=bearer(await _token(live, credentials(second))))).status_code == 200


# The account and the price list.


async def test_the_account_in_xibos_words(runtime: Runtime, sandbox: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime, livemode=False, balance="12.50", firstname="Grace", lastname="Hopper")
    token = await _token(sandbox, credentials(await make_integration(runtime, int(partner["id"]), livemode=False)))  # type: ignore[call-overload]
    response = await sandbox.get(ACCOUNT, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": partner["id"],
        "environment": "test",
        "company": "Signs Ltd",
        "contactName": "Grace Hopper",
        "contactEmail": partner["email"],
        "currency": "EUR",
        "balance": "0.00",
        "credit": "12.50",
        "card": None,
    }
    async with runtime.db.transaction() as session:
        await billing.save_payment_method(
            session,
            Principal.system(livemode=False),
            int(partner["id"]),  # type: ignore[call-overload]
            gateway="test",
            token="4000000000004242",
        )
    saved = (await sandbox.get(ACCOUNT, headers=bearer(token))).json()
    assert set(saved) == ACCOUNT_FIELDS and saved["card"] == {"brand": "card", "last4": "4242"}


async def test_the_price_list_shows_the_partners_products_in_its_currency(
    runtime: Runtime, live: httpx.AsyncClient
) -> None:
    plan = await make_product(
        runtime, name="CMS Cloud", description="A CMS instance", metadata={"partner_catalogue": "plan"}
    )
    await make_pricing(runtime, int(plan["id"]), monthly="4.50", setup_monthly=None, annually="45.00")  # type: ignore[call-overload]
    await make_pricing(runtime, int(plan["id"]), currency="USD", monthly="5.00")  # type: ignore[call-overload]
    item = await make_product(runtime, name="Setup help", metadata={"partner_catalogue": "item"})
    await make_pricing(runtime, int(item["id"]), onetime="99.00", setup_onetime="10.00")  # type: ignore[call-overload]
    unlisted = await make_product(runtime, name="Web hosting")
    await make_pricing(runtime, int(unlisted["id"]), monthly="3.00")  # type: ignore[call-overload]
    dollars_only = await make_product(runtime, name="US add-on", metadata={"partner_catalogue": "addon"})
    await make_pricing(runtime, int(dollars_only["id"]), currency="USD", monthly="1.00")  # type: ignore[call-overload]
    hidden = await make_product(runtime, name="Old plan", status="hidden", metadata={"partner_catalogue": "plan"})
    await make_pricing(runtime, int(hidden["id"]), monthly="1.00")  # type: ignore[call-overload]
    in_test = await make_product(runtime, livemode=False, name="Test plan", metadata={"partner_catalogue": "plan"})
    await make_pricing(runtime, int(in_test["id"]), livemode=False, monthly="1.00")  # type: ignore[call-overload]

    partner = await make_partner(runtime)
    token = await _token(live, credentials(await make_integration(runtime, int(partner["id"]))))  # type: ignore[call-overload]
    response = await live.get(PRODUCTS, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "id": plan["id"],
            "name": "CMS Cloud",
            "description": "A CMS instance",
            "type": "plan",
            "currency": "EUR",
            "prices": [
                {"cycle": "monthly", "price": "4.50", "setupFee": "0.00"},
                {"cycle": "annually", "price": "45.00", "setupFee": "0.00"},
            ],
        },
        {
            "id": item["id"],
            "name": "Setup help",
            "description": "",
            "type": "item",
            "currency": "EUR",
            "prices": [{"cycle": "onetime", "price": "99.00", "setupFee": "10.00"}],
        },
    ]


# The document.


async def test_the_openapi_document_lists_the_face(live: httpx.AsyncClient) -> None:
    document = (await live.get("/api/openapi.json")).json()
    paths = {path: ops for path, ops in document["paths"].items() if path.startswith("/api/platform")}
    assert set(paths) == {
        TOKEN_PATH,
        ACCOUNT,
        PRODUCTS,
        *(f"/api/platform/{name}" for name in ("orders", "instances", "licences", "usage", "invoices")),
        "/api/platform/orders/{order_id}",
        "/api/platform/instances/{instance_id}",
        "/api/platform/invoices/{invoice_id}",
    }
    for operations in paths.values():
        for operation in operations.values():
            assert operation["tags"] == ["partner"] and operation["summary"]
            error = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/PlatformError"}
    token = paths[TOKEN_PATH]["post"]
    assert set(token["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "application/json"}
    assert set(document["components"]["schemas"]["PlatformError"]["properties"]) == {
        "error",
        "error_description",
        "errors",
    }
    assert "partner" in [tag["name"] for tag in document["tags"]]
