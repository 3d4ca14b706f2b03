"""Security headers on every answer (data, errors, a crash, the docs pages), and an OpenAPI document that lists
every error status each operation may answer, in its face's error shape."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from hostlane.app import create_app
from hostlane.config import Settings, use_settings
from hostlane.core.formats import FormatRoute
from hostlane.faces.face import ERROR_STATUSES
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.factories import make_api_key
from tests.fixtures.http import app_client, bearer

EVERYWHERE = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _assert_hardened(response: httpx.Response, *, csp: str | None = API_CSP) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (name, response.headers)
    if csp is not None:
        assert response.headers.get("content-security-policy") == csp
    assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_a_json_answer_and_errors_carry_the_headers(runtime: Runtime, client: httpx.AsyncClient) -> None:
    key = await make_api_key(runtime)
    _assert_hardened(await client.get("/api/application/customers", headers=bearer(key)))
    _assert_hardened(await client.get("/api/application/customers"))  # 401
    _assert_hardened(await client.get("/api/nowhere"))  # 404 outside every route
    _assert_hardened(await client.get("/api/balance", headers={"Accept": "application/xml"}))  # 401 in XML


async def test_a_crash_carries_the_headers(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)
    router = APIRouter(prefix="/api/application", route_class=FormatRoute)

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    app.include_router(router)
    async with app_client(app) as client:
        response = await client.get("/api/application/boom")
    assert response.status_code == 500
    _assert_hardened(response)


@pytest.mark.parametrize("path", ["/api/documentation", "/api/redoc"])
async def test_the_docs_pages_have_a_policy_allowing_only_what_they_load(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    _assert_hardened(response, csp=None)
    policy = dict([*part.split(" ", 1), ""][:2] for part in response.headers["content-security-policy"].split("; "))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', response.text)
    assert sources and all(source.startswith("/api/documentation/assets/") for source in sources)  # this server's
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts == ["'self'", *[word for word in scripts if word.startswith("'sha256-")]]
    assert len(scripts) - 1 == len(inline)  # Swagger UI's one inline script, by its hash
    # No other origin anywhere in the policy: the pages load nothing from a CDN or a font service.
    assert "http" not in response.headers["content-security-policy"]
    assert policy["style-src"] == "'self' 'unsafe-inline'" and policy["img-src"] == "'self' data:"


async def test_hsts_only_over_https(runtime: Runtime, client_for: ClientFactory, settings: Settings) -> None:
    direct = await client_for(base_url="https://testserver").get("/api/nowhere")
    assert direct.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "strict-transport-security" not in (await client_for("192.0.2.9").get("/api/x", headers=forwarded)).headers
    use_settings(settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}))
    try:
        proxied = await client_for("10.1.2.3").get("/api/nowhere", headers=forwarded)
        spoofed = await client_for("192.0.2.9").get("/api/nowhere", headers=forwarded)
    finally:
        use_settings(settings)
    assert "strict-transport-security" in proxied.headers
    assert "strict-transport-security" not in spoofed.headers


# The OpenAPI document.

_ERROR_SCHEMA = {
    "/api/application": "LaravelError",
    "/api/webhooks": "LaravelError",
    "/api/client": "LaravelError",
    "/api/1.0": "XciError",
    "/modules/addons/wbteampro": "TeamProEnvelope",
    "/api/platform": "PlatformError",
    "/api": "HostBillError",
}


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    document = app.openapi()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _schema_of(path: str) -> str:
    prefix = max((p for p in _ERROR_SCHEMA if path == p or path.startswith(p + "/")), key=len)
    return _ERROR_SCHEMA[prefix]


def test_every_operation_lists_the_errors_it_may_answer_in_its_faces_shape(shared_app: FastAPI) -> None:
    operations = _operations(shared_app)
    assert len(operations) > 50
    for method, path, operation in operations:
        statuses = {int(code) for code in operation["responses"] if code[0] in "45"}
        expected = {400, 404, 422}
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            expected |= {409, 413, 415}
        if not path.startswith("/api/webhooks"):
            expected |= {401, 403, 429}
        assert expected <= statuses, (method, path, sorted(statuses))
        for status in expected:
            response = operation["responses"][str(status)]
            assert response["description"] == ERROR_STATUSES[status] or status not in ERROR_STATUSES
            for media in ("application/json", "application/xml"):
                ref = response["content"][media]["schema"]["$ref"]
                assert ref == f"#/components/schemas/{_schema_of(path)}", (method, path, status, ref)


def test_no_operation_documents_fastapis_own_validation_error(shared_app: FastAPI) -> None:
    document = shared_app.openapi()
    assert "HTTPValidationError" not in str(document)
    schemas = document["components"]["schemas"]
    assert set(schemas["HostBillError"]["properties"]) == {"success", "error"}
    assert set(schemas["LaravelError"]["properties"]) == {"message", "errors"}
