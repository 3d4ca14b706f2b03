"""The API Developers Sandbox (the document's ``sandbox.php``) at ``/modules/addons/wbteampro/sandbox``: a
server-rendered page that asks for the API URL, user and password (hashed to MD5 in the page, by its one small
script), lists the resources of ``api.resources``, and sends a request in any URL form and format, showing its URL
and the answer.

The page sends every request to this server's own API, in process and from the caller's address (so failed
logins count toward the caller's ban): the API URL it is given only prefixes the URL it shows, and is never
fetched, so the page cannot be made to reach another host.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from hostlane.faces.common import client_ip, get_runtime

TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
API = "/modules/addons/wbteampro/api.php"
REWRITTEN = "/modules/addons/wbteampro/api"
PATH = "/modules/addons/wbteampro/sandbox"
FORMS = [
    ("clean", "Clean URL (api.php/v1/…/json)"),
    ("rewrite", "Rewritten URL (api/v1/…/json)"),
    ("direct", "Direct URL (api.php?action=v1.….json)"),
]
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_KEY = re.compile(r"^[a-z]+$|^\{[a-z_]+\}$")
# The page's one script, our own file, inlined as it is: HTML-escaping it (``&&`` into ``&amp;&amp;``) would
# break it, and it holds no ``</`` that could end the script element early.
_MD5_JS = Markup((TEMPLATES / "md5.js").read_text())  # noqa: S704 - our own file, not user input
if "</" in _MD5_JS:
    raise RuntimeError("md5.js must not hold '</': it is inlined in a script element")


def _text(query: Any, name: str, default: str = "", limit: int = 10_000) -> str:
    value = query.get(name)
    return value[:limit] if isinstance(value, str) else default


def _keys(action: str, row_id: str) -> list[str] | None:
    """The resource keys of an action (``projects.{project_id}.actions``), the id filled in; None if malformed."""
    keys = action.split(".")
    if not all(_KEY.match(key) for key in keys):
        return None
    if any(key.startswith("{") for key in keys):
        if not row_id.isdigit():
            return None
        keys = [row_id if key.startswith("{") else key for key in keys]
    return keys


def _target(form: str, keys: list[str], fmt: str) -> tuple[str, dict[str, str]]:
    """The path of a call in one URL form, and the query it carries there."""
    if form == "direct":
        return API, {"action": ".".join(["v1", *keys, fmt])}
    base = REWRITTEN if form == "rewrite" else API
    return f"{base}/{'/'.join(['v1', *keys, fmt])}", {}


def _shown_url(api_url: str, form: str, path: str, query: dict[str, str]) -> str:
    """The URL as the developer would send it to the API URL they gave (only shown)."""
    prefix = api_url.rstrip("/") or API
    if form == "rewrite":
        prefix = re.sub(r"api\.php$", "api", prefix)
    suffix = path.removeprefix(REWRITTEN if form == "rewrite" else API)
    return f"{prefix}{suffix}" + (f"?{urlencode(query)}" if query else "")


async def _call(request: Request, method: str, path: str, query: dict[str, str]) -> httpx.Response:
    ip = client_ip(request, get_runtime(request).settings)
    transport = httpx.ASGITransport(app=request.app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.invalid") as client:
        return await client.request(method, path, params=query)


async def sandbox(request: Request) -> HTMLResponse:
    query = request.query_params
    username, password = _text(query, "username", limit=64), _text(query, "password", limit=64).lower()
    default_url = f"{str(request.base_url).rstrip('/')}{API}"
    page: dict[str, Any] = {
        "sandbox_path": PATH,
        "api_url": _text(query, "api_url", default_url, 2000) or default_url,
        "username": username,
        "password": password if _MD5.match(password) else "",
        "resource": _text(query, "resource", "GET projects", 200),
        "row_id": _text(query, "id", limit=20),
        "params": _text(query, "params"),
        "form": _text(query, "form", "clean") if _text(query, "form") in dict(FORMS) else "clean",
        "fmt": "xml" if _text(query, "format") == "xml" else "json",
        "forms": FORMS,
        "resources": [],
        "md5_js": _MD5_JS,
    }
    credentials = {"username": username, "password": page["password"]}
    if username and page["password"]:
        listed = await _call(request, "GET", f"{API}/v1/api/resources/json", credentials)
        if listed.status_code == 200:
            page["resources"] = listed.json()["response"]["resources"]
        else:
            page["error"] = listed.json()["request"]["message"]
    elif username:
        page["error"] = "Give the API Pass."
    if page["resources"] and "resource" in query:
        method, _, action = page["resource"].partition(" ")
        keys = _keys(action, page["row_id"])
        if keys is None or method not in ("GET", "PUT", "POST", "DELETE"):
            page["error"] = "Pick a resource action (and the id it needs)."
        else:
            path, extra = _target(page["form"], keys, page["fmt"])
            shown = {**extra, **({"params": page["params"]} if page["params"] else {})}
            answer = await _call(request, method, path, {**extra, **credentials, **shown})
            body = answer.text
            if page["fmt"] == "json" and answer.headers.get("content-type", "").startswith("application/json"):
                body = json.dumps(answer.json(), indent=2, ensure_ascii=False)
            page.update(
                method=method,
                request_url=_shown_url(
                    page["api_url"], page["form"], path, {**shown, "username": username, "password": "…"}
                ),
                status=answer.status_code,
                response=body,
            )
    html = _environment.get_template("sandbox.html").render(**page)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
