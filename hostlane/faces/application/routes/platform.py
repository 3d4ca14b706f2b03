"""The platform: health of the API, figures of the platform, Hostlane's licence."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response

from hostlane.core.formats import render
from hostlane.faces.application import schemas
from hostlane.faces.application.auth import needs
from hostlane.faces.application.routes.kit import face_router
from hostlane.faces.common import RuntimeDep
from hostlane.faces.face import success_responses
from hostlane.identity.principal import Principal
from hostlane.system import service as system

router = face_router()


@router.get(
    "/health",
    summary="Health of the API and its database (503 when it cannot serve)",
    responses={
        **success_responses(schemas.Health),
        503: {"description": "The database is not answering.", "model": schemas.Health},
    },
)
async def health(request: Request, runtime: RuntimeDep, _: Annotated[Principal, needs("health")]) -> Response:
    ok, report = await system.health(runtime.db)
    return render(request, report, 200 if ok else 503)


@router.get("/statistics", summary="Figures of the platform", responses=success_responses(schemas.Statistics))
async def statistics(
    request: Request, runtime: RuntimeDep, principal: Annotated[Principal, needs("statistics")]
) -> Response:
    return render(request, {"status": "ok", "statistics": await system.statistics(runtime.db, principal)})


@router.get("/license", summary="Hostlane's licence and version", responses=success_responses(schemas.Licence))
async def license_(request: Request, _: Annotated[Principal, needs("license")]) -> Response:
    return render(request, {"status": "ok", "license": system.licence(request.url.hostname or "")})
