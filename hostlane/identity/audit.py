"""Writes and reads the audit log. Every service that changes something calls ``record`` (``created`` for a new row)
in the same transaction; ``list_entries`` pages it for a super-administrator (newest first)."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.errors import NotFound
from hostlane.core.pagination import ListQuery, ListSpec, Match, Page
from hostlane.core.repository import Scoped
from hostlane.identity.principal import Principal
from hostlane.models import Administrator, ApiKey, AuditEntry

# What the log's list filters and sorts on; the log has no tenant, only a mode.
LIST_SPEC = ListSpec(
    filters={
        "action": Match.EXACT,
        "object_type": Match.EXACT,
        "object_id": Match.INTEGER,
        "actor_kind": Match.EXACT,
        "actor_id": Match.INTEGER,
        "at": Match.TIME,
    },
    sorts=frozenset({"id", "at", "action", "object_type"}),
)
AUDIT = Scoped(AuditEntry, tenant=None, spec=LIST_SPEC)


def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    object_type: str,
    object_id: int | None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Append one audit row: ``action`` is ``<object>.<verb>`` (``customer.update``)."""
    session.add(
        AuditEntry(
            actor_kind=principal.kind.value,
            actor_id=principal.id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=principal.ip,
            livemode=principal.livemode,
            changes=_redacted(changes or {}),
        )
    )


async def created(
    session: AsyncSession, principal: Principal, row: Any, kind: str, changes: dict[str, Any] | None = None
) -> None:
    """Add a new ``row``, flush it for its id, and record ``<kind>.create`` of it: how every domain creates."""
    session.add(row)
    await session.flush()
    record(session, principal, f"{kind}.create", kind, row.id, changes)


async def latest(session: AsyncSession, action: str) -> AuditEntry | None:
    """The last row written for ``action`` (read backwards from the newest row: the actions a page asks for
    are frequent, as the daily billing run)."""
    return await session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc()).limit(1)
    )


_SECRET_FIELDS = {"password", "password_hash", "secret", "secret_hash", "token", "client_secret"}


def _redacted(changes: dict[str, Any]) -> dict[str, Any]:
    return {key: ("***" if key in _SECRET_FIELDS else _plain(value)) for key, value in changes.items()}


def _plain(value: Any) -> Any:
    """A JSON-safe copy: dates, decimals and enums become their text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(getattr(value, "value", value))


async def list_entries(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    """A page of the log (newest first unless the query sorts), each entry with ``actor_name`` (an administrator's
    name, else None): two queries and a count, whatever the page size. Only a super-administrator (``*``) reads it."""
    principal.require("*")
    if not query.sort:
        query = dataclasses.replace(query, sort=[("id", True)])
    page = await AUDIT.page(session, principal, query)
    admin_ids = {row["actor_id"] for row in page.items if row["actor_kind"] == "admin" and row["actor_id"]}
    names: dict[int, str] = {}
    if admin_ids:
        found = await session.execute(
            sa.select(Administrator.id, Administrator.name, Administrator.login).where(Administrator.id.in_(admin_ids))
        )
        names = {row.id: row.name or row.login for row in found}
    for row in page.items:
        row["actor_name"] = names.get(row["actor_id"]) if row["actor_kind"] == "admin" else None
    return page


# The log as CLIENTXCMS's action logs read it: who acted as ``staff_id`` (an administrator, or the administrator
# whose API key it was) or ``customer_id``, the object as ``model`` and ``model_id``, the changes as ``payload``.
class LogNotFound(NotFound):
    message = "Action log not found."


_ENTRY = AuditEntry.__table__.c
_KEY_OWNER = (
    sa.select(ApiKey.administrator_id).where(ApiKey.id == _ENTRY.actor_id).correlate(AuditEntry).scalar_subquery()
)
_STAFF_ID = sa.case(
    (_ENTRY.actor_kind == "admin", _ENTRY.actor_id), (_ENTRY.actor_kind == "api_key", _KEY_OWNER), else_=None
)
_CUSTOMER_ID = sa.case((_ENTRY.actor_kind == "customer", _ENTRY.actor_id), else_=None)
ACTION_LOG_COLUMNS = {
    "id": _ENTRY.id,
    "action": _ENTRY.action,
    "model": _ENTRY.object_type,
    "model_id": _ENTRY.object_id,
    "staff_id": _STAFF_ID,
    "customer_id": _CUSTOMER_ID,
    "created_at": _ENTRY.at,
}
ACTION_LOG_SPEC = ListSpec(
    filters={
        "id": Match.INTEGER,
        "action": Match.EXACT,
        "model": Match.EXACT,
        "model_id": Match.INTEGER,
        "staff_id": Match.INTEGER,
        "customer_id": Match.INTEGER,
        "created_at": Match.TIME,
    },
    sorts=frozenset(ACTION_LOG_COLUMNS),
)
ACTION_LOG = Scoped(
    AuditEntry,
    tenant=None,
    columns=[
        _ENTRY.id,
        _STAFF_ID.label("staff_id"),
        _CUSTOMER_ID.label("customer_id"),
        _ENTRY.action,
        _ENTRY.object_type,
        _ENTRY.object_id,
        _ENTRY.changes,
        _ENTRY.ip,
        _ENTRY.at,
    ],
    list_columns=ACTION_LOG_COLUMNS,
    spec=ACTION_LOG_SPEC,
    missing=LogNotFound,
)


async def list_action_logs(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    """A page of the log of the principal's mode, newest first unless the query sorts (the application face's
    ``logs:index``, checked by the face)."""
    if not query.sort:
        query = dataclasses.replace(query, sort=[("created_at", True), ("id", True)])
    return await ACTION_LOG.page(session, principal, query)


async def get_action_log(session: AsyncSession, principal: Principal, log_id: int) -> dict[str, Any]:
    return await ACTION_LOG.one(session, principal, log_id)
