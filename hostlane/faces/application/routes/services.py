"""Services: read, change, delete, and the suspend / unsuspend / expire actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.core.formats import render
from hostlane.core.pagination import ListQuery, Page
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.includes import attach_service_includes
from hostlane.faces.application.routes.kit import Resource, Row, face_router
from hostlane.faces.common import PathId, WriteSession
from hostlane.faces.face import success_responses
from hostlane.identity.principal import Principal
from hostlane.services import service as services
from hostlane.services.schemas import ServiceUpdate, SuspendRequest

router = face_router()


# The services domain lists and gets without includes (it sits below customers and the catalogue);
# the face attaches them with one query per include.
async def _list_including(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    page = await services.list_services(session, principal, query)
    await attach_service_includes(session, principal, page.items, query.includes)
    return page


async def _get_including(
    session: AsyncSession, principal: Principal, service_id: int, /, *, includes: frozenset[str]
) -> Row:
    row = await services.get_service(session, principal, service_id)
    await attach_service_includes(session, principal, [row], includes)
    return row


SERVICES = Resource(
    router,
    "/services",
    one="service",
    spec=services.LIST_SPEC,
    wire=wire.service,
    shape=schemas.Service,
    filter_words=wire.service_query,
)
SERVICES.index(_list_including, summary="List services")
SERVICES.show_including(_get_including, summary="Show a service as a page of one (as CLIENTXCMS answers)", as_page=True)
SERVICES.update(ServiceUpdate, services.update_service, summary="Update a service (partial)")
SERVICES.delete(services.delete_service, summary="Delete a service that no longer runs")


ACTED = success_responses(schemas.ServiceAction)


def _outcome(request: Request, row: Row, done: str) -> Response:
    """CLIENTXCMS's action answer: the service the action returns, and what was done to it (in its words:
    ``Server 12 suspended``, the number being the service's)."""
    return render(request, wire.action_result(row, f"Server {row['id']} {done}", clock.now()))


@router.post("/services/{service_id}/suspend", summary="Suspend a service", responses=ACTED)
async def suspend_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:suspend")],
    body: SuspendRequest | None = None,
) -> Response:
    service = await services.suspend(session, principal, service_id, reason=body.reason if body else None)
    return _outcome(request, service, "suspended")


@router.post("/services/{service_id}/unsuspend", summary="Unsuspend a service", responses=ACTED)
async def unsuspend_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:unsuspend")],
) -> Response:
    service = await services.unsuspend(session, principal, service_id)
    return _outcome(request, service, "unsuspended")


@router.post("/services/{service_id}/expire", summary="Expire a service", responses=ACTED)
async def expire_service(
    request: Request,
    service_id: PathId,
    session: WriteSession,
    principal: Annotated[Principal, needs("services:expire")],
) -> Response:
    service = await services.expire(session, principal, service_id)
    return _outcome(request, service, "expired")
