"""Failures answer in the face's shape, never with a stack trace or SQL."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, EmailStr

from hostlane.app import create_app
from hostlane.core.formats import FormatRoute
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_api_key
from tests.fixtures.http import app_client, bearer

API = "/api/application"


class Thing(BaseModel):
    email: EmailStr
    count: int


def app_with_probe_routes(runtime: Runtime) -> httpx.AsyncClient:
    app = create_app(runtime.settings, runtime)
    router = APIRouter(prefix="/api/application", route_class=FormatRoute)

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals SELECT * FROM api_keys")

    @router.post("/things")
    async def things(thing: Thing) -> dict[str, object]:
        return thing.model_dump()

    app.include_router(router)
    return app_client(app)


async def test_unexpected_error_is_a_bare_500(runtime: Runtime) -> None:
    async with app_with_probe_routes(runtime) as client:
        response = await client.get("/api/application/boom")
    assert response.status_code == 500
    assert response.json() == {"message": "Server Error"}
    assert "SELECT" not in response.text and "Traceback" not in response.text


async def test_validation_errors_name_the_fields(runtime: Runtime) -> None:
    async with app_with_probe_routes(runtime) as client:
        response = await client.post("/api/application/things", json={"email": "not-an-email"})
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {"email", "count"}
    assert body["errors"]["count"] == ["The count field is required."]
    assert body["message"].endswith("(and 1 more error)")


async def test_xml_bodies_are_accepted_and_xml_errors_rendered(runtime: Runtime) -> None:
    async with app_with_probe_routes(runtime) as client:
        ok = await client.post(
            "/api/application/things",
            content=b"<thing><email>a@example.com</email><count>3</count></thing>",
            headers={"Content-Type": "application/xml"},
        )
        assert ok.status_code == 200 and ok.json() == {"email": "a@example.com", "count": 3}
        bad = await client.post(
            "/api/application/things",
            content=b"<thing><email>",
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/xml")
    assert b"<message>The request body is not well-formed XML.</message>" in bad.content


async def test_oversized_bodies_are_refused(runtime: Runtime) -> None:
    async with app_with_probe_routes(runtime) as client:
        response = await client.post(
            "/api/application/things",
            content=b"x" * (runtime.settings.max_request_bytes + 1),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.json() == {"message": "The request body is too large."}


async def test_an_oversized_body_with_an_idempotency_key_is_refused_before_it_is_kept(runtime: Runtime) -> None:
    async with app_with_probe_routes(runtime) as client:
        response = await client.post(
            "/api/application/things",
            content=b"x" * (runtime.settings.max_request_bytes + 1),
            headers={"Content-Type": "application/json", "Idempotency-Key": "big"},
        )
    assert response.status_code == 413
    assert response.json() == {"message": "The request body is too large."}


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/application/customers/99999999999999999999", 422, "customer_id"),  # a path id is a field
        ("/api/application/services?filter[customer_id]=99999999999999999999", 400, "filter[customer_id]"),
    ],
)
async def test_ids_too_large_for_the_database_are_client_errors(
    runtime: Runtime, client: httpx.AsyncClient, path: str, status: int, field: str
) -> None:
    key = await make_api_key(runtime, "*")
    response = await client.get(path, headers=bearer(key))
    assert response.status_code == status and set(response.json()["errors"]) == {field}
    order = await client.post(
        "/api/application/orders",
        headers=bearer(key),
        json={"customer_id": 99999999999999999999, "items": [{"product_id": 1}]},
    )
    assert order.status_code == 422 and "customer_id" in order.json()["errors"]


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/application/departments", {"name": "d", "description": "x\u0000"}),
        ("/api/application/ip-pools", {"name": "p\u0000", "network": "192.0.2.0/24"}),
        ("/api/application/pdus", {"name": "p", "address": "10.0.0.5", "outlets": 8, "x": "\u0000"}),
    ],
)
async def test_nul_characters_are_refused_not_a_500(
    runtime: Runtime, client: httpx.AsyncClient, path: str, payload: dict[str, object]
) -> None:
    staff = bearer(await make_api_key(runtime))
    response = await client.post(path, json=payload, headers=staff)
    assert response.status_code == 422 and response.json() == {"message": "Text may not contain NUL characters."}
    query = await client.get(f"{API}/departments?filter[name]=a%00b", headers=staff)
    assert query.status_code == 422
