"""A partner customer and its integrations through the application face: the ``partner`` field, the integration
routes, their permissions, the secret shown once, modes and errors."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from hostlane.models import AuditEntry, IdempotencyRecord
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin, make_api_key, make_customer
from tests.fixtures.http import JSON, assert_laravel_error, assert_missing_permission, bearer
from tests.fixtures.partners import TOKEN_PATH, make_partner

CUSTOMERS = "/api/application/customers"
INTEGRATION_FIELDS = ["id", "customer_id", "name", "environment", "clientId", "created_at", "refreshed_at"]


def auth(key: str, **extra: str) -> dict[str, str]:
    return bearer(key, Accept=JSON, **extra)


def integrations(customer_id: object) -> str:
    return f"{CUSTOMERS}/{customer_id}/integrations"


async def test_the_partner_field_is_set_with_the_partners_permissions(
    runtime: Runtime, client: httpx.AsyncClient
) -> None:
    admin = await make_admin(runtime)
    customers_only = await make_api_key(runtime, "customers:create", "customers:update", admin=admin)
    both = await make_api_key(runtime, "customers:create", "customers:update", "partners:create", "partners:update")
    new = {"email": "p@example.com", "firstname": "Ada", "lastname": "L", "country": "FR", "partner": True}
    assert_missing_permission(await client.post(CUSTOMERS, json=new, headers=auth(customers_only)), "partners:create")
    created = await client.post(CUSTOMERS, json=new, headers=auth(both))
    assert created.status_code == 201, created.text
    assert created.json()["partner"] is True
    plain = await client.post(CUSTOMERS, json={**new, "email": "q@example.com", "partner": False}, headers=auth(both))
    assert plain.json()["partner"] is False
    url = f"{CUSTOMERS}/{plain.json()['id']}"
    assert_missing_permission(
        await client.patch(url, json={"partner": True}, headers=auth(customers_only)), "partners:update"
    )
    updated = await client.patch(url, json={"partner": True}, headers=auth(both))
    assert updated.status_code == 200 and updated.json()["partner"] is True
    # Other changes need no partners permission.
    renamed = await client.patch(url, json={"firstname": "Grace"}, headers=auth(customers_only))
    assert renamed.status_code == 200 and renamed.json()["partner"] is True


async def test_naming_an_integration_shows_its_secret_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "partners:index", "partners:create")
    partner = await make_partner(runtime)
    response = await client.post(
        integrations(partner["id"]),
        json={"name": "Signs shop", "environment": "live"},
        headers=auth(key, **{"Idempotency-Key": "create-1"}),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert list(body) == [*INTEGRATION_FIELDS, "clientSecret"]
    assert (body["customer_id"], body["name"], body["environment"], body["refreshed_at"]) == (
        partner["id"],
        "Signs shop",
        "live",
        None,
    )
    assert len(body["clientId"]) == 32 and len(body["clientSecret"]) == 64
    assert response.headers["cache-control"] == "no-store"
    listed = await client.get(integrations(partner["id"]), headers=auth(key))
    assert listed.status_code == 200
    assert listed.json() == {"data": [{name: body[name] for name in INTEGRATION_FIELDS}]}
    assert body["clientSecret"] not in listed.text
    # Nowhere kept: not for an Idempotency-Key's replay, not in the audit log.
    async with runtime.db.reader() as session:
        kept = (await session.scalars(sa.select(IdempotencyRecord.body))).all()
        audited = (await session.scalars(sa.select(AuditEntry.changes))).all()
    assert all(body["clientSecret"].encode() not in (stored or b"") for stored in kept)
    assert body["clientSecret"] not in str(audited)
    # The secret works, once, at the partner face's token endpoint.
    token = await client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials", "client_id": body["clientId"], "client_secret": body["clientSecret"]},
    )
    assert token.status_code == 200, token.text
    # A second integration in the environment: 409, refresh instead.
    again = await client.post(
        integrations(partner["id"]), json={"name": "Another", "environment": "live"}, headers=auth(key)
    )
    assert_laravel_error(again, 409)


async def test_refresh_answers_a_new_secret_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "partners:create", "partners:update")
    partner = await make_partner(runtime)
    first = (
        await client.post(integrations(partner["id"]), json={"name": "Shop", "environment": "live"}, headers=auth(key))
    ).json()
    same_id = await client.post(f"{integrations(partner['id'])}/live/refresh", headers=auth(key))
    assert same_id.status_code == 200, same_id.text
    refreshed = same_id.json()
    assert list(refreshed) == [*INTEGRATION_FIELDS, "clientSecret"]
    assert refreshed["clientId"] == first["clientId"] and refreshed["clientSecret"] != first["clientSecret"]
    assert refreshed["refreshed_at"] is not None and same_id.headers["cache-control"] == "no-store"
    new_id = await client.post(
        f"{integrations(partner['id'])}/live/refresh", json={"new_client_id": True}, headers=auth(key)
    )
    assert new_id.status_code == 200 and new_id.json()["clientId"] != first["clientId"]
    old = {"grant_type": "client_credentials", "client_id": first["clientId"], "client_secret": first["clientSecret"]}
    assert (await client.post(TOKEN_PATH, data=old)).status_code == 401  # overlap 0: refused at once
    # The other environment's integration is not there.
    assert_laravel_error(await client.post(f"{integrations(partner['id'])}/test/refresh", headers=auth(key)), 404)


async def test_without_a_key_401(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", ""), ("POST", ""), ("POST", "/live/refresh")):
        response = await client.request(method, integrations(1) + path, json={"name": "x", "environment": "live"})
        assert_laravel_error(response, 401, "Unauthenticated.")


async def test_each_route_needs_its_permission(runtime: Runtime, client: httpx.AsyncClient) -> None:
    partner = await make_partner(runtime)
    others = await make_api_key(runtime, "customers:index", "customers:create", "customers:update")
    body = {"name": "Shop", "environment": "live"}
    assert_missing_permission(await client.get(integrations(partner["id"]), headers=auth(others)), "partners:index")
    assert_missing_permission(
        await client.post(integrations(partner["id"]), json=body, headers=auth(others)), "partners:create"
    )
    assert_missing_permission(
        await client.post(f"{integrations(partner['id'])}/live/refresh", headers=auth(others)), "partners:update"
    )


async def test_a_non_partner_or_another_modes_customer_is_404(runtime: Runtime, client: httpx.AsyncClient) -> None:
    live_key = await make_api_key(runtime, "partners:index", "partners:create", "partners:update")
    test_key = await make_api_key(runtime, "partners:index", "partners:create", "partners:update", livemode=False)
    plain = await make_customer(runtime)
    live_partner = await make_partner(runtime)
    body = {"name": "Shop", "environment": "live"}
    for key, customer in ((live_key, plain), (test_key, live_partner)):
        assert_laravel_error(await client.get(integrations(customer["id"]), headers=auth(key)), 404)
        assert_laravel_error(await client.post(integrations(customer["id"]), json=body, headers=auth(key)), 404)
        assert_laravel_error(await client.post(f"{integrations(customer['id'])}/live/refresh", headers=auth(key)), 404)
    assert_laravel_error(await client.get(integrations(999999), headers=auth(live_key)), 404)


async def test_bad_input_is_a_422_naming_the_field(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "partners:create", "partners:update")
    partner = await make_partner(runtime)
    cases = [
        ({"environment": "live"}, "name"),
        ({"name": "Shop", "environment": "staging"}, "environment"),
        ({"name": "", "environment": "live"}, "name"),
        ({"name": "x" * 101, "environment": "live"}, "name"),
        # A live partner's integration is live: the key's mode decides the environment.
        ({"name": "Shop", "environment": "test"}, "environment"),
    ]
    for body, field in cases:
        response = await client.post(integrations(partner["id"]), json=body, headers=auth(key))
        assert_laravel_error(response, 422)
        assert field in response.json()["errors"], (body, response.json())
    bad_environment = await client.post(f"{integrations(partner['id'])}/staging/refresh", headers=auth(key))
    assert_laravel_error(bad_environment, 422)
    assert "environment" in bad_environment.json()["errors"]
