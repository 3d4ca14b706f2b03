"""``Idempotency-Key`` on POSTs: the first answer is stored and replayed to retries.

* the same caller, route and key with the same request (method, path, query, body, and the format the answer is
  asked in: JSON or XML) replays the first answer, with ``Idempotent-Replayed: true``;
* the same key with another request on that route is 422; a retry while the first request still runs is 409;
* a 5xx answer is not stored, so the client may retry it with the same key.

A key belongs to the caller and the route: the principal (its kind, id and mode: a customer however it
authenticates, Basic or any of its tokens; an API key), and the route's method and path template. So a retry
with a refreshed token replays, and two callers never collide. Only an authenticated caller's key is kept:
the claim is made once the face's auth has resolved the principal (``claiming`` wraps a face's principal
dependency), so a route with no principal (login, token, revoke, webhooks) ignores the header and its
answer, which may carry a secret, is never stored.

A route that creates something stores its answer in its own transaction (``remember``), so a crash between
the commit and the reply can never make the retry create it twice; the middleware stores any other answer
after it went out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from fastapi import Depends, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.core.errors import Conflict, PayloadTooLarge, ValidationFailed
from hostlane.core.formats import wants_xml
from hostlane.identity.principal import Principal
from hostlane.models import IdempotencyRecord

HEADER = "idempotency-key"
KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)  # a "running" record this old belongs to a crashed request
MAX_KEY_LENGTH = 255
STATE = "idempotency"  # request.state.idempotency: the request's Pending key


ErrorResponder = Callable[[Request, int, str, dict[str, list[str]]], Response]


@dataclass
class Captured:
    """The answer as it went out."""

    status: int = 500
    content_type: str | None = None
    body: bytes = b""
    started: bool = False


@dataclass
class Pending:
    """A POST's Idempotency-Key, from the middleware to the claim and to ``remember``."""

    key: str
    db: Database
    max_body_bytes: int
    owner: str | None = None  # set once claimed: the caller and route the key belongs to


class Replayed(Exception):  # not an error: it carries the stored answer out to the middleware
    """Raised by the claim to answer a retry with the stored answer (the route does not run)."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__("replayed")
        self.record = record


def owner_of(principal: Principal, method: str, route: str) -> str:
    """``customer:7:live:<route>``: the principal and its mode, and a digest of the route (at most 54 characters)."""
    mode = "live" if principal.livemode else "test"
    who = "-" if principal.id is None else str(principal.id)
    where = hashlib.sha256(f"{method} {route}".encode()).hexdigest()[:16]
    return f"{principal.kind.value}:{who}:{mode}:{where}"


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else request.url.path


async def claim(request: Request, principal: Principal) -> None:
    """Claim the request's Idempotency-Key for ``principal`` on this route, or answer the retry: the stored
    answer (raises ``Replayed``), 409 while the first request runs, 422 for another request under the key.
    Nothing without a key; once per request."""
    pending = getattr(request.state, STATE, None)
    if not isinstance(pending, Pending) or pending.owner is not None or request.method != "POST":
        return
    body = await request.body()
    if len(body) > pending.max_body_bytes:  # never hold more than a route would accept
        raise PayloadTooLarge()
    # The answer's format too: a stored JSON answer is no answer to a retry that asks for XML.
    answer = b"xml" if wants_xml(request) else b"json"
    digest = hashlib.sha256(
        b"\0".join([request.method.encode(), request.url.path.encode(), request.url.query.encode(), answer, body])
    ).hexdigest()
    owner = owner_of(principal, request.method, _route_of(request))
    claimed, existing = await _claim(pending.db, owner, pending.key, digest)
    if claimed:
        pending.owner = owner
        return
    assert existing is not None
    if existing.request_hash != digest:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different request.",
            fields={"Idempotency-Key": ["Already used with a different request."]},
        )
    if existing.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    raise Replayed(existing)


def claiming(auth: Callable[..., Awaitable[Principal]]) -> Callable[..., Awaitable[Principal]]:
    """A face's principal dependency that also claims the request's Idempotency-Key for that principal."""

    async def caller(request: Request, principal: Principal = Depends(auth)) -> Principal:
        await claim(request, principal)
        return principal

    return caller


class IdempotencyMiddleware:
    """Pure ASGI middleware around every face: hands a POST's key to the claim (made by the route's principal
    dependency), answers a replay, and keeps the answer of a claimed key (or frees it after a 5xx)."""

    def __init__(
        self, app: ASGIApp, *, db: Callable[[], Database], error: ErrorResponder, max_body_bytes: int = 2 * 1024 * 1024
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.db = db
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1").strip()
        if not key:
            await self.app(scope, receive, send)
            return
        if len(key) > MAX_KEY_LENGTH:
            await self.error(
                Request(scope, receive),
                400,
                "The Idempotency-Key header is too long (255 characters at most).",
                {"Idempotency-Key": ["Too long."]},
            )(scope, receive, send)
            return
        pending = Pending(key=key, db=self.db(), max_body_bytes=self.max_body_bytes)
        scope.setdefault("state", {})[STATE] = pending
        captured = Captured()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.started = True
                captured.status = message["status"]
                captured.content_type = next(
                    (v.decode("latin-1") for k, v in message.get("headers", []) if k == b"content-type"), None
                )
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except Replayed as replay:
            if captured.started:
                raise
            await _replay(replay.record)(scope, receive, send)
        finally:
            if pending.owner is not None:
                await _settle(pending.db, pending.owner, key, captured)


def _replay(record: IdempotencyRecord) -> Response:
    return Response(
        record.body or b"",
        status_code=record.status_code or 200,
        media_type=record.content_type,
        headers={"Idempotent-Replayed": "true"},
    )


async def _claim(db: Database, owner: str, key: str, digest: str) -> tuple[bool, IdempotencyRecord | None]:
    now = clock.now()
    try:
        async with db.transaction() as session:
            session.add(IdempotencyRecord(owner=owner, key=key, request_hash=digest, expires_at=now + KEEP_FOR))
            await session.flush()
        return True, None
    except IntegrityError:
        pass
    async with db.transaction() as session:
        existing = await session.scalar(
            sa.select(IdempotencyRecord)
            .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
            .with_for_update()
        )
        if existing is None:  # expired and purged in between: try once more
            session.add(IdempotencyRecord(owner=owner, key=key, request_hash=digest, expires_at=now + KEEP_FOR))
            return True, None
        stale = existing.status_code is None and existing.created_at < now - ABANDONED_AFTER
        if existing.expires_at < now or (stale and existing.request_hash == digest):
            existing.request_hash, existing.created_at, existing.expires_at = digest, now, now + KEEP_FOR
            existing.status_code, existing.body, existing.content_type = None, None, None
            return True, None
        return False, existing


async def _settle(db: Database, owner: str, key: str, captured: Captured) -> None:
    """After the route answered: keep the answer (unless the route already stored it), or free the
    key after a server error so that the retry runs."""
    status = captured.status
    where = (IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
    async with db.transaction() as session:
        if status >= 500:
            await session.execute(sa.delete(IdempotencyRecord).where(*where, IdempotencyRecord.status_code.is_(None)))
            return
        await session.execute(
            sa.update(IdempotencyRecord)
            .where(*where, IdempotencyRecord.status_code.is_(None))
            .values(status_code=status, body=captured.body, content_type=captured.content_type)
        )


async def remember(session: AsyncSession, request: Request, response: Response) -> Response:
    """Store ``response`` as the answer to the request's Idempotency-Key, in the caller's transaction."""
    pending = getattr(request.state, STATE, None)
    if isinstance(pending, Pending) and pending.owner is not None:
        await session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.owner == pending.owner, IdempotencyRecord.key == pending.key)
            .values(status_code=response.status_code, body=bytes(response.body), content_type=response.media_type)
        )
    return response


# One-use form keys: the web pages' forms that create something (an order) carry a random key in a hidden field, in
# place of the header a browser cannot send. The first submission claims it; a second one (a double click, a
# reload, the back button) is sent to where the first one led, and nothing is created twice.


@dataclass(frozen=True, slots=True)
class FormClaim:
    owner: str
    key: str


async def claim_form(db: Database, principal: Principal, request: Request, key: str) -> FormClaim | str:
    """Claim a form's one-use ``key`` for ``principal`` on this route: the claim, or the address the first
    submission led to; 409 while the first one still runs."""
    owner = owner_of(principal, "POST", _route_of(request))
    digest = hashlib.sha256(f"form {request.url.path}".encode()).hexdigest()
    claimed, existing = await _claim(db, owner, key[:MAX_KEY_LENGTH], digest)
    if claimed:
        return FormClaim(owner, key[:MAX_KEY_LENGTH])
    assert existing is not None
    if existing.status_code is None or existing.request_hash != digest:
        raise Conflict("This form was already sent and is still being processed.")
    return (existing.body or b"").decode()


async def settle_form(session: AsyncSession, claim: FormClaim, location: str) -> None:
    """Where the claimed submission led, kept in the caller's transaction (so it holds exactly when the change does)."""
    await session.execute(
        sa.update(IdempotencyRecord)
        .where(IdempotencyRecord.owner == claim.owner, IdempotencyRecord.key == claim.key)
        .values(status_code=303, body=location.encode(), content_type="text/uri-list")
    )


async def release_form(db: Database, claim: FormClaim) -> None:
    """Free a claim whose submission changed nothing (refused input), so the corrected form can be sent again."""
    async with db.transaction() as session:
        await session.execute(
            sa.delete(IdempotencyRecord).where(
                IdempotencyRecord.owner == claim.owner,
                IdempotencyRecord.key == claim.key,
                IdempotencyRecord.status_code.is_(None),
            )
        )
