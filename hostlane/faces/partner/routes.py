"""The partner face's routes under ``/api/platform``: the token endpoint, the account and the price list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from hostlane.core.formats import render
from hostlane.faces.common import NO_STORE, ClientIp, ReadSession, RuntimeDep, documented_body
from hostlane.faces.face import error_responses, success_responses
from hostlane.faces.partner import auth, wire
from hostlane.identity.principal import Principal
from hostlane.partners import service as partners

PREFIX = "/api/platform"
TAG = "partner"
router = APIRouter(prefix=PREFIX, tags=[TAG])
Partner = Annotated[Principal, Depends(auth.partner)]


class PlatformTokenRequest(BaseModel):
    """RFC 6749 4.4.2, with the client's credentials as form fields (or HTTP Basic instead)."""

    grant_type: str = Field(description="client_credentials")
    client_id: str | None = Field(default=None, description="The clientId, unless sent by HTTP Basic.")
    client_secret: str | None = Field(default=None, description="The clientSecret, unless sent by HTTP Basic.")


@router.post(
    "/authorize/access_token",
    summary="An access token for client credentials (OAuth2 client_credentials grant)",
    description="`grant_type=client_credentials` with the integration's clientId and clientSecret, as the form "
    "fields `client_id` and `client_secret` or as HTTP Basic. The test environment's credentials work on the test "
    "hosts only, the live ones on the others. A wrong secret counts toward the failed-login ban.",
    openapi_extra=documented_body(PlatformTokenRequest),
    responses={**success_responses(wire.Token), **error_responses(400, 401)},
)
async def access_token(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    return render(request, await auth.access_token(request, runtime, ip), headers=NO_STORE)


@router.get("/account", summary="The partner's account", responses=success_responses(wire.Account))
async def account(request: Request, session: ReadSession, principal: Partner) -> Response:
    return render(request, wire.account(await partners.account(session, principal)))


@router.get(
    "/products",
    summary="The price list: the products offered to partners, priced in the partner's currency",
    responses=success_responses(list[wire.Product]),  # type: ignore[arg-type]
)
async def products(request: Request, session: ReadSession, principal: Partner) -> Response:
    currency, rows = await partners.price_list(session, principal)
    return render(request, [wire.product(row, currency) for row in rows])
