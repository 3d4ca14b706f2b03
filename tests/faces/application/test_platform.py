"""GET /health, /statistics and /license of the application face, and its authentication."""

from __future__ import annotations

import httpx
import pytest

from hostlane.core.formats import load_xml
from hostlane.identity import service as identity
from hostlane.identity.permissions import CATALOGUE
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import make_admin, make_api_key
from tests.fixtures.http import JSON, XML, assert_missing_permission, bearer

ROUTES = {
    "/api/application/health": "health",
    "/api/application/statistics": "statistics",
    "/api/application/license": "license",
}


async def test_health_reports_the_api_and_its_database(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "health")
    response = await client.get("/api/application/health", headers=bearer(key, Accept=JSON))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] == runtime.db.dialect_name
    assert set(body) == {"status", "version", "time", "database"}


async def test_license_has_clientxcms_keys(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "license")
    body = (await client.get("/api/application/license", headers=bearer(key, Accept=JSON))).json()
    assert body["status"] == "ok"
    licence = body["license"]
    assert licence["name"] == "Hostlane" and licence["license"] == "AGPL-3.0-or-later"
    assert {
        "type",
        "expire",
        "clients",
        "domain",
        "max",
        "lastchecked",
        "nextCheck",
        "domains",
        "data",
        "server",
        "extensions",
    } <= set(licence)
    assert licence["domain"] == "testserver"


async def test_statistics_counts_per_mode(runtime: Runtime, client: httpx.AsyncClient) -> None:
    admin = await make_admin(runtime)
    live_key = await make_api_key(runtime, "statistics", admin=admin)
    await make_api_key(runtime, "*", admin=admin)
    test_key = await make_api_key(runtime, "statitics", admin=admin, livemode=False)
    live = (await client.get("/api/application/statistics", headers=bearer(live_key, Accept=JSON))).json()
    test = (await client.get("/api/application/statistics", headers=bearer(test_key, Accept=JSON))).json()
    assert live["status"] == "ok"
    assert live["statistics"]["livemode"] is True
    assert live["statistics"]["administrators"] == 1 and live["statistics"]["api_keys"] == 2
    assert test["statistics"]["livemode"] is False and test["statistics"]["api_keys"] == 1


async def test_xml_and_json_carry_the_same_data(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "license")
    as_json = (await client.get("/api/application/license", headers=bearer(key, Accept=JSON))).json()
    response = await client.get("/api/application/license", headers=bearer(key, Accept=XML))
    assert response.headers["content-type"].startswith("application/xml")
    as_xml = load_xml(response.content)

    def text(value: object) -> object:
        if isinstance(value, dict):
            return {k: text(v) for k, v in value.items()}
        if isinstance(value, list):
            return [text(v) for v in value]
        return value if value is None or isinstance(value, str) else str(value).lower()

    assert as_xml == text(as_json)


@pytest.mark.parametrize("path", list(ROUTES))
async def test_no_credentials_is_401(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize("path", list(ROUTES))
@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer nonsense",
        "Basic YWRtaW46eA==",
        "Bearer hl_live_AAAAAAAAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
async def test_malformed_or_unknown_key_is_401(
    runtime: Runtime, client: httpx.AsyncClient, path: str, header: str
) -> None:
    response = await client.get(path, headers={"Authorization": header})
    assert response.status_code == 401


async def test_revoked_key_is_401(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime, "*")
    assert (await client.get("/api/application/health", headers=bearer(key, Accept=JSON))).status_code == 200
    async with runtime.db.transaction() as session:
        await identity.revoke_api_key(session, Principal.system(), key[:16])
    assert (await client.get("/api/application/health", headers=bearer(key, Accept=JSON))).status_code == 401


@pytest.mark.parametrize(("path", "needed"), list(ROUTES.items()))
async def test_each_route_needs_exactly_its_permission(
    runtime: Runtime, client: httpx.AsyncClient, path: str, needed: str
) -> None:
    admin = await make_admin(runtime)
    for permission in CATALOGUE:
        key = await make_api_key(runtime, permission, admin=admin)
        response = await client.get(path, headers=bearer(key, Accept=JSON))
        if permission in (needed, "*"):
            assert response.status_code == 200, permission
        else:
            assert response.status_code == 403, permission
            assert_missing_permission(response, needed)


async def test_bad_keys_from_one_ip_are_throttled_with_retry_after(runtime: Runtime, client_for: ClientFactory) -> None:
    runtime.key_throttle.policy = runtime.key_throttle.policy.__class__(
        "key", 3, runtime.key_throttle.policy.window, runtime.key_throttle.policy.block
    )
    attacker = client_for("203.0.113.66")
    statuses = [
        (await attacker.get("/api/application/health", headers=bearer("hl_live_x", Accept=JSON))).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 429, 429]
    response = await attacker.get("/api/application/health", headers=bearer("nope", Accept=JSON))
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.json()["message"] == "Too many invalid credentials from your address."
    # A good key still works from that address, and other addresses are not throttled.
    key = await make_api_key(runtime, "health")
    assert (await attacker.get("/api/application/health", headers=bearer(key, Accept=JSON))).status_code == 200
    other = client_for("203.0.113.67")
    assert (await other.get("/api/application/health", headers=bearer("nope", Accept=JSON))).status_code == 401


async def test_unknown_route_is_a_laravel_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/application/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


async def test_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    assert "/api/application/health" in spec["paths"]
    assert spec["paths"]["/api/application/health"]["get"]["tags"] == ["application"]
    assert (await client.get("/api/documentation")).status_code == 200
    assert (await client.get("/api/redoc")).status_code == 200
