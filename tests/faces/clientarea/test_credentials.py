"""Every client-area route needs a customer's credentials but the few that hand them out: the route matrix,
generated from the app's routes (as the application face's permission matrix is)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from hostlane.app import FACES
from hostlane.faces import clientarea
from hostlane.faces.face import face_for
from tests.fixtures.http import app_routes, assert_hostbill_error, depends_on, face_routes, with_ids

FACE = clientarea.FACE
# Written out here, so that a new route without the customer dependency fails the test until it is listed.
PUBLIC = {
    ("POST", "/api/login"),  # username + password → a token pair
    ("POST", "/api/token"),  # a refresh token → a new pair
    ("POST", "/api/revoke"),  # a refresh token (or the access token) → revoked
}
ROUTES = [(method, path) for method, path, _ in face_routes(FACE)]
GUARDED = [route for route in ROUTES if route not in PUBLIC]


def test_the_matrix_is_the_client_areas_routes_in_the_app(shared_app: FastAPI) -> None:
    served = {(method, path) for method, path, _ in app_routes(shared_app) if face_for(path, FACES) is FACE}
    assert served == set(ROUTES)
    assert served >= PUBLIC and len(GUARDED) >= 20


def test_exactly_the_public_routes_go_without_the_customer_dependency() -> None:
    assert FACE.auth is not None
    assert {(method, path) for method, path, route in face_routes(FACE) if not depends_on(route, FACE.auth)} == PUBLIC


@pytest.mark.parametrize(("method", "path"), GUARDED, ids=[f"{m} {p}" for m, p in GUARDED])
async def test_every_route_needs_credentials(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, with_ids(path), json={})
    assert_hostbill_error(response, 401, "Unauthenticated.")
    assert response.headers["www-authenticate"] == 'Basic realm="Hostlane client area"'


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC), ids=[f"{m} {p}" for m, p in sorted(PUBLIC)])
async def test_the_public_routes_ask_for_their_fields_not_for_credentials(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={})
    assert_hostbill_error(response, 422)
    assert "www-authenticate" not in response.headers
