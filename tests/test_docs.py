"""The docs pages (Swagger UI at /api/documentation, ReDoc at /api/redoc) load everything from Hostlane itself: no
CDN, so they work offline, and their files are served with the right content type."""

from __future__ import annotations

import re

import httpx
import pytest

from hostlane.app import DOCS_ASSETS, DOCS_ASSETS_URL

# Every URL a page loads: a script's or an image's src, a stylesheet's or an icon's href, a fetched spec.
_LOADED = re.compile(r"""\b(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl:\s*["']([^"']+)["']""")


def loaded_urls(html: str) -> list[str]:
    return [first or second for first, second in _LOADED.findall(html)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/api/documentation", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/api/redoc", {"redoc.standalone.js", "favicon.png"}),
    ],
)
async def test_the_pages_load_only_local_files(client: httpx.AsyncClient, page: str, expected: set[str]) -> None:
    response = await client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    urls = loaded_urls(response.text)
    assert "/api/openapi.json" in urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls  # this server, no other host
    assert "https://" not in response.text and "http://" not in response.text
    assets = {url.removeprefix(f"{DOCS_ASSETS_URL}/") for url in urls if url.startswith(DOCS_ASSETS_URL)}
    assert assets == expected
    for url in urls:
        assert (await client.get(url)).status_code == 200, url


@pytest.mark.parametrize(
    ("name", "media_type", "starts"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8", b""),
        ("swagger-ui.css", "text/css; charset=utf-8", b""),
        ("redoc.standalone.js", "text/javascript; charset=utf-8", b"/*! For license information"),
        ("favicon.png", "image/png", b"\x89PNG\r\n\x1a\n"),
    ],
)
async def test_the_files_are_served_with_their_content_type(
    client: httpx.AsyncClient, name: str, media_type: str, starts: bytes
) -> None:
    response = await client.get(f"{DOCS_ASSETS_URL}/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type == DOCS_ASSETS[name]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "public, max-age=86400" and response.headers["etag"]
    assert len(response.content) > 1000 and response.content.startswith(starts)


async def test_the_swagger_ui_bundle_is_a_current_one(client: httpx.AsyncClient) -> None:
    """Swagger UI 5 or later: FastAPI's document is OpenAPI 3.1, which Swagger UI 4 cannot show."""
    bundle = (await client.get(f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js")).text
    assert "SwaggerUIBundle" in bundle
    assert (await client.get("/api/openapi.json")).json()["openapi"].startswith("3.1")
    version = re.search(r'PACKAGE_VERSION:"([0-9]+)\.[0-9]+\.[0-9]+"', bundle)
    assert version is not None and int(version.group(1)) >= 5


@pytest.mark.parametrize("name", ["nothing.js", "..%2F__init__.py", "swagger-ui.css.map"])
async def test_only_the_docs_files_are_served(client: httpx.AsyncClient, name: str) -> None:
    assert (await client.get(f"{DOCS_ASSETS_URL}/{name}")).status_code == 404
