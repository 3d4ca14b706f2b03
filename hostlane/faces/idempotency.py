"""``Idempotency-Key`` on creating POSTs: the first answer is stored and replayed to retries.

* the same key and the same request (method, path, query, body) replays the first answer, with
  ``Idempotent-Replayed: true``;
* the same key with another request is 422; a retry while the first request still runs is 409;
* a 5xx answer is not stored, so the client may retry it with the same key.

Keys belong to the caller (a hash of the credential it presents), so two callers cannot collide.
A route that creates something stores its answer in its own transaction (``remember``), so a crash
between the commit and the reply can never make the retry create it twice.

It is HTTP, so it lives with the faces: the middleware wraps every face, and each face's creating routes
call ``remember``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from fastapi import Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hostlane.core import clock
from hostlane.core.db import Database
from hostlane.models import IdempotencyRecord

HEADER = "idempotency-key"
KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)  # a "running" record this old belongs to a crashed request
MAX_KEY_LENGTH = 255


ErrorResponder = Callable[[Request, int, str, dict[str, list[str]]], Response]


@dataclass
class Captured:
    """The answer as it went out."""

    status: int = 500
    content_type: str | None = None
    body: bytes = b""


def _owner(scope: Scope) -> str:
    headers = dict(scope["headers"])
    credential = headers.get(b"authorization") or headers.get(b"cookie") or b""
    if not credential:
        client = scope.get("client") or ("", 0)
        credential = f"anonymous:{client[0]}".encode()
    return hashlib.sha256(credential + b"@" + headers.get(b"host", b"")).hexdigest()[:64]


class IdempotencyMiddleware:
    """Pure ASGI middleware: claims the key before the route runs, and replays or refuses retries."""

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
        request = Request(scope, receive)
        if len(key) > MAX_KEY_LENGTH:
            await self.error(
                request,
                400,
                "The Idempotency-Key header is too long (255 characters at most).",
                {"Idempotency-Key": ["Too long."]},
            )(scope, receive, send)
            return
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:  # never hold more than a route would accept
                await self.error(request, 413, "The request body is too large.", {})(scope, receive, send)
                return
        digest = hashlib.sha256(
            b"\0".join([scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        owner = _owner(scope)
        db = self.db()
        claimed, existing = await _claim(db, owner, key, digest)
        if not claimed:
            assert existing is not None
            await self._answer_retry(request, existing, digest)(scope, receive, send)
            return
        scope.setdefault("state", {})["idempotency"] = (owner, key)
        captured = Captured()

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.content_type = next(
                    (v.decode("latin-1") for k, v in message.get("headers", []) if k == b"content-type"), None
                )
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            await _settle(db, owner, key, captured)

    def _answer_retry(self, request: Request, existing: IdempotencyRecord, digest: str) -> Response:
        if existing.request_hash != digest:
            return self.error(
                request,
                422,
                "This Idempotency-Key was used with a different request.",
                {"Idempotency-Key": ["Already used with a different request."]},
            )
        if existing.status_code is None:
            return self.error(request, 409, "A request with this Idempotency-Key is still being processed.", {})
        return Response(
            existing.body or b"",
            status_code=existing.status_code,
            media_type=existing.content_type,
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
    claimed: tuple[str, str] | None = getattr(request.state, "idempotency", None)
    if claimed is not None:
        owner, key = claimed
        await session.execute(
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
            .values(status_code=response.status_code, body=bytes(response.body), content_type=response.media_type)
        )
    return response
