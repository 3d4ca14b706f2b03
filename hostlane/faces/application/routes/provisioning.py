"""Provisioning servers (and their connection test), cancellation reasons (their analytics, and a service's
cancellation), subdomain hosts, and the action logs: the rest of the real CLIENTXCMS's application API.

Lists answer Laravel's plain paginator and a server, subdomain host or log is shown as a page of one, as the real
controllers' ``queryIndex``/``queryShow``; a cancellation reason is shown as the row itself, as its controller does.
A delete answers ``{"message": …}``.

No ``from __future__ import annotations``: ``_delete`` builds endpoints whose annotations name its arguments.
"""

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.errors import ValidationFailed
from hostlane.core.formats import render
from hostlane.core.pagination import ListQuery, ListSpec, Page
from hostlane.faces.application import inputs, schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.routes.kit import (
    ItemCall,
    Resource,
    Row,
    face_router,
    list_query,
    listed,
    path_id,
)
from hostlane.faces.application.routes.services import ACTED, _outcome
from hostlane.faces.common import PathId, ReadSession, RuntimeDep, WriteSession, list_parameters
from hostlane.faces.face import success_responses
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.services import cancellations, servers, subdomains
from hostlane.services.provisioning_schemas import HostCreate, HostUpdate, ReasonCreate, ReasonUpdate

router = face_router("application: provisioning")
DELETED = success_responses(schemas.Message)


def _renamed(spec: ListSpec, names: dict[str, str]) -> ListSpec:
    """``spec`` in the face's words: ``names`` maps a domain name to the wire's."""
    return ListSpec(
        filters={names.get(key, key): match for key, match in spec.filters.items()},
        sorts=frozenset(names.get(key, key) for key in spec.sorts),
        includes=spec.includes,
        default_sort=spec.default_sort,
    )


def _to_domain(names: dict[str, str]) -> Any:
    back = {wire_name: name for name, wire_name in names.items()}

    def translate(query: ListQuery) -> ListQuery:
        return dataclasses.replace(
            query,
            filters={back.get(key, key): value for key, value in query.filters.items()},
            sort=[(back.get(key, key), descending) for key, descending in query.sort],
        )

    return translate


def _delete(resource: Resource, remove: ItemCall, message: str, *, summary: str) -> None:
    """``DELETE /things/{id}``: ``{"message": …}`` once the row is gone."""

    async def endpoint(
        request: Request,
        item_id: Annotated[int, path_id(resource.id)],
        session: WriteSession,
        principal: Annotated[Principal, resource._needs("delete")],
    ) -> Response:
        await remove(session, principal, item_id)
        return render(request, {"message": message})

    endpoint.__name__ = endpoint.__qualname__ = f"delete_{resource.one}"
    router.add_api_route(
        resource.item_path,
        endpoint,
        methods=["DELETE"],
        summary=summary,
        name=f"delete_{resource.one}",
        responses=DELETED,
    )


def _without_includes(get: ItemCall) -> Any:
    async def call(session: AsyncSession, principal: Principal, item_id: int, /, *, includes: frozenset[str]) -> Row:
        return await get(session, principal, item_id)

    return call


# Provisioning servers

SERVER_NAMES = {"module": "type", "max_accounts": "maxaccounts"}


@router.post(
    "/servers/test",
    summary="Test the connection to a server through its module's driver (a stored server's, with server_id)",
    responses=success_responses(schemas.ConnectionCheck),
)
async def test_server(
    request: Request,
    body: inputs.ServerProbe,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("servers:test")],
) -> Response:
    module_name, target = await servers.probe_target(session, principal, body)
    check = await servers.test_connection(runtime.drivers(principal.livemode).module(module_name), target)
    return render(request, wire.connection_check(check.ok, check.message))


SERVERS = Resource(
    router,
    "/servers",
    one="server",
    spec=_renamed(servers.SERVER_SPEC, SERVER_NAMES),
    filter_words=_to_domain(SERVER_NAMES),
    wire=wire.server,
    shape=schemas.Server,
    envelope=wire.flat_paginated,
)
SERVERS.index(servers.list_servers, summary="List provisioning servers")
SERVERS.create(inputs.ServerCreate, servers.create_server, summary="Add a provisioning server", idempotent=True)
SERVERS.show_including(
    _without_includes(servers.get_server), summary="Show a provisioning server as a page of one", as_page=True
)
SERVERS.update(
    inputs.ServerUpdate,
    servers.update_server,
    summary="Update a provisioning server (partial; moving it needs its credentials again)",
)
_delete(SERVERS, servers.delete_server, "The server was deleted.", summary="Delete a server no live service runs on")


# Cancellation reasons, their analytics, and a service's cancellation

REASONS = Resource(
    router,
    "/cancellation_reasons",
    one="cancellation_reason",
    spec=cancellations.REASON_SPEC,
    wire=wire.cancellation_reason,
    shape=schemas.CancellationReason,
    envelope=wire.flat_paginated,
)
REASONS.index(cancellations.list_reasons, summary="List cancellation reasons")
REASONS.create(ReasonCreate, cancellations.create_reason, summary="Add a cancellation reason", idempotent=True)
REASONS.show(cancellations.get_reason, summary="Show a cancellation reason")
REASONS.update(ReasonUpdate, cancellations.update_reason, summary="Update a cancellation reason (partial)")
_delete(
    REASONS,
    cancellations.delete_reason,
    "The cancellation reason was deleted.",
    summary="Withdraw a cancellation reason (the cancellations that gave it keep it)",
)


def _day(name: str, raw: str | None, default: dt.date) -> dt.date:
    if raw is None or raw == "":
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.field(name, f"The {name} must be a date (YYYY-MM-DD).") from None


@router.get(
    "/cancellation_reasons_analytics",
    summary="How many cancellations gave each reason, from start_date (default: six months ago) to end_date (today)",
    responses=success_responses(schemas.CancellationAnalytics),
)
async def cancellation_analytics(
    request: Request,
    session: ReadSession,
    principal: Annotated[Principal, needs("cancellation_reasons:analytics")],
    start_date: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    end_date: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
) -> Response:
    today = clock.today()
    end = _day("end_date", end_date, today)
    start = _day("start_date", start_date, _months_before(today, 6))
    report = await cancellations.analytics(session, principal, start, end)
    return render(request, wire.cancellation_analytics(report))


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@router.post(
    "/services/{service_id}/cancel",
    summary="Cancel a service now, or at the end of the period it is paid for (expiration=end_of_period)",
    responses=ACTED,
)
async def cancel_service(
    request: Request,
    service_id: PathId,
    body: inputs.CancellationRequest,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:cancel")],
) -> Response:
    row = await cancellations.cancel_service(session, principal, service_id, body)
    return _outcome(request, row, "cancelled" if row["cancel_at"] is None else "will be cancelled")


# Subdomain hosts

HOSTS = Resource(
    router,
    "/subdomains",
    one="subdomain",
    spec=subdomains.HOST_SPEC,
    wire=wire.subdomain_host,
    shape=schemas.SubdomainHost,
    envelope=wire.flat_paginated,
)
HOSTS.index(subdomains.list_hosts, summary="List the domains customers may take a free subdomain of")
HOSTS.create(HostCreate, subdomains.create_host, summary="Offer subdomains of a domain", idempotent=True)
HOSTS.show_including(
    _without_includes(subdomains.get_host), summary="Show a subdomain host as a page of one", as_page=True
)
HOSTS.update(HostUpdate, subdomains.update_host, summary="Update a subdomain host (partial)")
_delete(
    HOSTS,
    subdomains.delete_host,
    "The subdomain host was deleted.",
    summary="Delete a subdomain host none of whose subdomains is taken",
)


# Action logs (read only)

LOGS = Resource(
    router,
    "/logs",
    one="log",
    spec=audit.ACTION_LOG_SPEC,
    wire=wire.action_log,
    shape=schemas.ActionLog,
    envelope=wire.flat_paginated,
)
LOG_PAGE = 50  # the real controller's page size when ``per_page`` is not sent


async def _logs_page(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await audit.list_action_logs(session, principal, query)


@router.get(
    "/logs",
    summary="List the action logs (the audit log), newest first; 50 a page unless per_page says otherwise",
    responses=success_responses(listed(wire.flat_paginated, schemas.ActionLog)),
    openapi_extra={"parameters": list_parameters(LOGS.spec)},
)
async def list_logs(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSession,
    principal: Annotated[Principal, needs("logs:index")],
) -> Response:
    query = list_query(request, runtime, LOGS.spec)
    if not request.query_params.get("per_page"):
        query = dataclasses.replace(query, per_page=min(LOG_PAGE, runtime.settings.max_page_size))
    page = await _logs_page(session, principal, query)
    return render(request, wire.flat_paginated(request, page, wire.action_log))


LOGS.show_including(
    _without_includes(audit.get_action_log), summary="Show an action log as a page of one", as_page=True
)
