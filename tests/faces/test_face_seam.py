"""The face seam: every path belongs to the face with the longest prefix, and every failure there comes in
that face's error shape (so ``/api/1.0`` and ``/api/platform`` can never answer in the client area's)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute

from hostlane.app import FACES, LISTED, create_app
from hostlane.core.errors import Conflict
from hostlane.core.formats import FormatRoute, render
from hostlane.faces.common import ErrorInfo
from hostlane.faces.face import Face, face_for, longest_prefix_first
from hostlane.runtime import Runtime
from tests.fixtures.http import (
    ErrorShape,
    app_client,
    app_routes,
    assert_client_error,
    assert_hostbill_error,
    assert_laravel_error,
    assert_platform_error,
    assert_teampro_error,
    assert_web_page,
    assert_xci_error,
    depends_on,
    face_routes,
    with_ids,
)

# Each face's error shape; a new face adds its own here.
SHAPES: dict[str, ErrorShape] = {
    "application": assert_laravel_error,
    "clientarea": assert_hostbill_error,
    "client": assert_client_error,
    "webhooks": assert_laravel_error,
    "xci": assert_xci_error,
    "teampro": assert_teampro_error,
    "partner": assert_platform_error,
    "portal": assert_web_page,
    "admin": assert_web_page,
}
ROUTES = [(face, method, path, route) for face in FACES for method, path, route in face_routes(face)]


def test_every_face_has_an_error_shape_here() -> None:
    assert set(SHAPES) == {face.tag for face in FACES}


def test_faces_are_mounted_longest_prefix_first() -> None:
    prefixes = [face.prefix for face in FACES]
    assert prefixes == sorted(prefixes, key=len, reverse=True)
    assert set(FACES) == set(LISTED)


def test_the_app_serves_exactly_the_faces_routes(shared_app: FastAPI) -> None:
    served = {(method, path) for method, path, _ in app_routes(shared_app)}
    assert served == {(method, path) for _, method, path, _ in ROUTES}


@pytest.mark.parametrize(("face", "method", "path", "route"), ROUTES, ids=[f"{m} {p}" for _, m, p, _ in ROUTES])
def test_every_route_lies_under_its_own_faces_prefix(face: Face, method: str, path: str, route: APIRoute) -> None:
    """No face mounts a route that a face with a longer prefix would own (and word the errors of)."""
    assert face_for(path, FACES) is face


@pytest.mark.parametrize(("face", "method", "path", "route"), ROUTES, ids=[f"{m} {p}" for _, m, p, _ in ROUTES])
async def test_every_route_fails_in_its_faces_error_shape(
    client: httpx.AsyncClient, face: Face, method: str, path: str, route: APIRoute
) -> None:
    """Without credentials and with an empty body, every route refuses: a route behind the face's
    authentication with 401, the others (log-in, webhooks) with their own 4xx; all in the face's shape."""
    response = await client.request(method, with_ids(path), json={})
    if face.auth is not None and depends_on(route, face.auth):
        SHAPES[face.tag](response, 401, "Unauthenticated.")
    elif not face.documented and method == "POST":
        # A web form without a login (log in, log out) refuses a POST without its CSRF token.
        SHAPES[face.tag](response, 403, "This form has expired or was not sent from this site.")
    elif not face.documented and method == "GET":
        # A page anyone may see (the login form), a redirect (the language switch), or the realm's 404 page (an
        # asset that is not there).
        assert response.status_code in (200, 303, 404), response.text
        if response.status_code != 303:
            SHAPES[face.tag](response, response.status_code)
    else:
        assert 400 <= response.status_code < 500, response.text
        SHAPES[face.tag](response, response.status_code)


@pytest.mark.parametrize("face", FACES, ids=[face.tag for face in FACES])
async def test_an_unknown_path_under_a_face_is_its_404(client: httpx.AsyncClient, face: Face) -> None:
    response = await client.get(f"{face.prefix}/no-such-route/here")
    SHAPES[face.tag](response, 404)


@pytest.mark.parametrize("face", FACES, ids=[face.tag for face in FACES])
async def test_a_wrong_method_under_a_face_is_its_405(client: httpx.AsyncClient, face: Face) -> None:
    post_only = next(path for method, path, _ in face_routes(face) if method == "POST" and "{" not in path)
    SHAPES[face.tag](await client.request("PATCH", post_only), 405)


@pytest.mark.parametrize("path", ["/no-such-path", "/apix/login", "/docs/nothing", "/"], ids=str)
async def test_paths_outside_every_face_answer_like_laravel(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert_laravel_error(response, 404, "Not Found")


async def test_a_prefix_counts_only_whole_segments(client: httpx.AsyncClient) -> None:
    """``/api/applicationx`` is not the application face's: it is under ``/api``, the client area."""
    assert_hostbill_error(await client.get("/api/applicationx/customers"), 404, "Not Found")
    assert_laravel_error(await client.get("/api/application/nothing"), 404, "Not Found")


# The choice of face, with faces that are still to come.


def _fault(request: Request, info: ErrorInfo) -> Response:
    return render(request, {"fault": {"status": info.status, "text": info.message}}, info.status)


def _face(prefix: str, *routers: APIRouter) -> Face:
    return Face(
        tag=prefix.strip("/").replace("/", "-"),
        description=f"A face at {prefix}.",
        prefix=prefix,
        routers=list(routers),
        error=_fault,
        authentication="none",
    )


def test_the_owning_face_is_the_longest_prefix() -> None:
    api, xci, partner = _face("/api"), _face("/api/1.0"), _face("/api/platform")
    faces = longest_prefix_first([api, xci, partner])
    assert faces[-1] is api
    assert face_for("/api/1.0", faces) is xci
    assert face_for("/api/1.0/login", faces) is xci
    assert face_for("/api/platform/authorize/access_token", faces) is partner
    assert face_for("/api/1.0x", faces) is api
    assert face_for("/api/platformer/x", faces) is api
    assert face_for("/api", faces) is api
    assert face_for("/apix", faces) is None
    assert face_for("/", faces) is None
    # The order faces are given in does not change the owner.
    assert face_for("/api/1.0/login", [api, xci, partner]) is xci


async def test_a_face_added_under_api_words_its_own_errors(runtime: Runtime) -> None:
    router = APIRouter(prefix="/api/1.0", route_class=FormatRoute)

    @router.post("/entities")
    async def entities() -> None:
        raise Conflict("The entity exists.")

    xci = _face("/api/1.0", router)  # in place of the real XCI face
    app = create_app(runtime.settings, runtime, faces=[*(face for face in LISTED if face.tag != "xci"), xci])
    async with app_client(app) as client:
        conflict = await client.post("/api/1.0/entities")
        unknown = await client.get("/api/1.0/nothing")
        beside = await client.get("/api/1.0x")
        login = await client.post("/api/login", json={})
    assert conflict.status_code == 409 and conflict.json() == {"fault": {"status": 409, "text": "The entity exists."}}
    assert unknown.status_code == 404 and unknown.json() == {"fault": {"status": 404, "text": "Not Found"}}
    assert_hostbill_error(beside, 404, "Not Found")
    assert_hostbill_error(login, 422)
    assert {"name": "api-1.0", "description": "A face at /api/1.0."} in app.openapi()["tags"]


def test_the_openapi_tags_are_the_faces(shared_app: FastAPI) -> None:
    assert shared_app.openapi()["tags"] == [face.openapi_tag for face in LISTED if face.documented]
    assert [tag["name"] for tag in shared_app.openapi()["tags"]] == [
        "application",
        "clientarea",
        "client",
        "xci",
        "teampro",
        "partner",
        "webhooks",
    ]
