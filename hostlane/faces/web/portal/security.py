"""My Account → Security: a partner's integration (the OAuth2 client of the partner API, ``/api/platform``) in the
page's environment (a ``HOSTLANE_TEST_HOSTS`` host name shows the test one): name it, read its clientId, rename it,
refresh its secret (and, if asked, its clientId).

The clientSecret exists in clear only in the answer to the POST that created or refreshed it: that answer is the
page itself (not a redirect, so the secret is never in a URL or a later page), sent ``no-store`` as every page is,
with a warning to copy it now. A reload shows the clientId and never the secret. A customer that is not in the
partner programme gets the 404 page (the partners domain refuses it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.faces.common import NO_STORE, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import PORTAL, _
from hostlane.faces.web.portal.shared import validated
from hostlane.partners import service as partners
from hostlane.partners.errors import IntegrationExists
from hostlane.partners.schemas import (
    Environment,
    IntegrationCreate,
    IntegrationRefresh,
    IntegrationRename,
    IssuedCredentials,
)

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)

PAGE = "/portal/account/security"
TOKEN_PATH = "/api/platform/authorize/access_token"  # noqa: S105 - the partner face's token endpoint, not a secret

kit.notice("integration_renamed", lambda: _("Your integration is renamed."))


def _customer_id(viewer: Viewer) -> int:
    customer_id = viewer.principal.scope
    assert customer_id is not None
    return customer_id


def _environment(viewer: Viewer) -> Environment:
    return Environment.of(viewer.livemode)


async def _render(
    request: Request,
    viewer: Viewer,
    *,
    issued: IssuedCredentials | None = None,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    problem: str | None = None,
) -> Response:
    """The page; with ``issued``, the one answer that shows a clientSecret."""
    integration: dict[str, Any] | None
    if issued is not None:
        integration = issued.integration
    else:
        async with get_runtime(request).db.reader() as session:  # not a partner → PartnerNotFound → the 404 page
            rows = await partners.list_integrations(session, viewer.principal, _customer_id(viewer))
        integration = rows[0] if rows else None
    return kit.page(
        request,
        PORTAL,
        "portal/security.html",
        viewer=viewer,
        status=status,
        headers={**NO_STORE, "Referrer-Policy": "no-referrer"},
        errors=errors or {},
        values=values or {},
        integration=integration,
        secret=issued.client_secret if issued is not None else None,
        problem=problem,
        overlap=get_runtime(request).settings.partner_secret_overlap_seconds,
        token_path=TOKEN_PATH,
    )


@router.get("/account/security")
async def security(request: Request, viewer: CustomerViewer) -> Response:
    return await _render(request, viewer)


@router.post("/account/security/integration")
async def create(request: Request, viewer: CustomerViewer) -> Response:
    """Name the integration: its clientId and clientSecret, the secret shown in this answer only."""
    fields = await kit.form_fields(request, PORTAL)
    try:
        kit.required(fields, "name")
        data = validated(IntegrationCreate, {"name": fields["name"], "environment": _environment(viewer)})
        async with get_runtime(request).db.transaction() as session:
            issued = await partners.create_integration(session, viewer.principal, _customer_id(viewer), data)
    except kit.FormError as failure:
        return await _render(request, viewer, status=422, errors=failure.errors, values=fields)
    except IntegrationExists:  # named meanwhile (another tab): nothing new is issued
        problem = _("You already have an integration here: refresh its secret instead.")
        return await _render(request, viewer, status=409, problem=problem)
    return await _render(request, viewer, issued=issued)


@router.post("/account/security/refresh")
async def refresh(request: Request, viewer: CustomerViewer) -> Response:
    """A new clientSecret (and a new clientId if asked), shown in this answer only; the old one stops working."""
    fields = await kit.form_fields(request, PORTAL)
    data = IntegrationRefresh(new_client_id=fields.get("new_client_id") == "yes")
    async with get_runtime(request).db.transaction() as session:
        issued = await partners.refresh_integration(
            session, viewer.principal, _customer_id(viewer), _environment(viewer), data
        )
    return await _render(request, viewer, issued=issued)


@router.post("/account/security/rename")
async def rename(request: Request, viewer: CustomerViewer) -> Response:
    fields = await kit.form_fields(request, PORTAL)
    try:
        kit.required(fields, "name")
        data = validated(IntegrationRename, {"name": fields["name"]})
        async with get_runtime(request).db.transaction() as session:
            await partners.rename_integration(
                session, viewer.principal, _customer_id(viewer), _environment(viewer), data
            )
    except kit.FormError as failure:
        return await _render(request, viewer, status=422, errors=failure.errors, values=fields)
    return kit.redirect(PAGE, notice_key="integration_renamed")
