"""The partner programme: a partner customer's integrations (the OAuth2 clients of the partner API, ``/api/platform``).

Creating and refreshing answer the ``clientSecret`` once, with ``Cache-Control: no-store``; those two routes never
keep an ``Idempotency-Key``'s answer (it would store the secret): a retried creation is a 409, and a retried refresh
issues another secret. ``GET`` never shows a secret. A customer that is not a partner, or of the other mode, is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from hostlane.core.formats import render
from hostlane.faces.application import schemas, wire
from hostlane.faces.application.auth import needs
from hostlane.faces.application.routes.kit import face_router
from hostlane.faces.common import NO_STORE, PathId, ReadSession, WriteSession
from hostlane.faces.face import success_responses
from hostlane.identity.principal import Principal
from hostlane.partners import service as partners
from hostlane.partners.schemas import Environment, IntegrationCreate, IntegrationRefresh

router = face_router()
INTEGRATIONS = "/customers/{customer_id}/integrations"


@router.get(
    INTEGRATIONS,
    summary="List a partner's integrations (never their secret)",
    responses=success_responses(schemas.Held[schemas.Integration]),
)
async def list_integrations(
    request: Request,
    customer_id: PathId,
    session: ReadSession,
    principal: Annotated[Principal, needs("partners:index")],
) -> Response:
    rows = await partners.list_integrations(session, principal, customer_id)
    return render(request, {"data": [wire.integration(row) for row in rows]})


@router.post(
    INTEGRATIONS,
    status_code=201,
    summary="Name a partner's integration in an environment: its clientId and clientSecret (shown once)",
    responses=success_responses(schemas.IssuedIntegration, 201),
)
async def create_integration(
    request: Request,
    customer_id: PathId,
    body: IntegrationCreate,
    session: WriteSession,
    principal: Annotated[Principal, needs("partners:create", idempotent=False)],
) -> Response:
    issued = await partners.create_integration(session, principal, customer_id, body)
    return render(request, wire.issued_integration(issued.integration, issued.client_secret), 201, headers=NO_STORE)


@router.post(
    INTEGRATIONS + "/{environment}/refresh",
    summary="Refresh an integration's clientSecret (and, if asked, its clientId); the new secret is shown once",
    responses=success_responses(schemas.IssuedIntegration),
)
async def refresh_integration(
    request: Request,
    customer_id: PathId,
    environment: Annotated[Environment, Path()],
    session: WriteSession,
    principal: Annotated[Principal, needs("partners:update", idempotent=False)],
    body: IntegrationRefresh | None = None,
) -> Response:
    issued = await partners.refresh_integration(
        session, principal, customer_id, environment, body or IntegrationRefresh()
    )
    return render(request, wire.issued_integration(issued.integration, issued.client_secret), headers=NO_STORE)
