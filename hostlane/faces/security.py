"""Security headers on every answer of the app, errors and the docs pages included."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostlane.config import Settings
from hostlane.faces.face import came_over_https

# An answer that is data (JSON, XML, a PDF): it loads nothing and may be framed by no one.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The docs pages (Swagger UI at /api/documentation, ReDoc at /api/redoc) load their scripts, styles and favicon
# from this server (``app.install_docs``: no CDN, no web fonts), so the policy names no other origin. The pages'
# own inline scripts are allowed by their hash (computed from the page as it is sent), not by 'unsafe-inline';
# styles need 'unsafe-inline' (both set styles at run time), images are this server's or data: URLs (ReDoc's
# "API docs by Redocly" logo, from its maker's site, is not shown), and ReDoc runs a worker from a blob.
PAGE_CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def page_csp(html: bytes) -> str:
    """The docs pages' policy, allowing exactly the inline scripts ``html`` holds."""
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    ]
    return PAGE_CSP.format(scripts=" ".join(["'self'", *hashes]))


class SecurityHeadersMiddleware:
    """Adds ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY``, a
    Content-Security-Policy (strict for data; for an HTML page, what the docs pages need), and
    ``Strict-Transport-Security`` when the request came over HTTPS (or a trusted proxy says it did). A header the
    answer already has is kept."""

    def __init__(self, app: ASGIApp, *, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = came_over_https(Request(scope), self.settings())
        start: Message | None = None
        html = bytearray()

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
                added = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if https:
                    added.append((b"strict-transport-security", HSTS.encode()))
                is_html = content_type.lower().startswith(b"text/html")
                if not is_html:
                    added.append((b"content-security-policy", API_CSP.encode()))
                headers += [(name, value) for name, value in added if name not in names]
                message = {**message, "headers": headers}
                if is_html and b"content-security-policy" not in names:
                    start = message  # sent with the page, once its inline scripts are known
                    return
            elif message["type"] == "http.response.body" and start is not None:
                html.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                start["headers"].append((b"content-security-policy", page_csp(bytes(html)).encode()))
                await send(start)
                message = {**message, "body": bytes(html)}
                start = None
            await send(message)

        await self.app(scope, receive, send_with_headers)
