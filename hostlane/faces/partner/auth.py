"""The partner face's credentials: OAuth2 client credentials at the token endpoint, then a Bearer token.

Authlib serves the OAuth2 parts that fit an async FastAPI app: its RFC 6749 error classes (each refusal's word,
status and no-store headers), its HTTP Basic client-authentication parser, and its ``BearerTokenGenerator`` (the
token response). Its ``AuthorizationServer`` does not fit: it is synchronous (``create_token_response`` calls
``query_client``, ``authenticate_client`` and ``save_token`` and waits for their answers) and its server
integrations are Flask's and Django's only (Starlette has only its OAuth client), while checking a client here
reads the async database and counts the attempt in the shared ban store. So the grant itself, one check of a
clientId and clientSecret, is ``partners.authenticate_client``; the token is signed by ``core.tokens`` (HS256 with
an audience, an issuer and an expiry), as every Hostlane token.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    OAuth2Error,
    UnsupportedGrantTypeError,
)
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from fastapi import Request

from hostlane.core.errors import HostlaneError, Unauthenticated
from hostlane.core.formats import decode_request
from hostlane.faces.common import ClientIp, RuntimeDep, bearer_token, livemode_of
from hostlane.identity.errors import InvalidCredentials
from hostlane.identity.principal import Principal
from hostlane.partners import service as partners
from hostlane.partners.schemas import AuthenticatedClient
from hostlane.runtime import Runtime

REALM = "Hostlane platform"
GRANT_TYPE = "client_credentials"
# RFC 6750 3.1: a request without a token gets the bare challenge; a bad token names the error.
CHALLENGE = {"WWW-Authenticate": f'Bearer realm="{REALM}"'}
INVALID_TOKEN = {"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'}
BASIC_CHALLENGE = {"WWW-Authenticate": f'Basic realm="{REALM}"'}


class OAuthRefusal(HostlaneError):
    """An Authlib RFC 6749 error, carried to the face's error renderer with its word, status and headers."""

    def __init__(
        self, error: OAuth2Error, *, message: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        own = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        super().__init__(message or error.description or str(error.error), headers={**own, **(headers or {})})
        self.status = error.status_code
        self.code = str(error.error)


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) and value else None


class _Client:
    """What Authlib's token generator asks of a client: the scope it may have (the partner API has none)."""

    def __init__(self, client: AuthenticatedClient) -> None:
        self.client = client

    def get_allowed_scope(self, scope: str | None) -> str:
        return ""


async def access_token(request: Request, runtime: Runtime, ip: str) -> dict[str, Any]:
    """RFC 6749 4.4: ``grant_type=client_credentials``, the client authenticated by HTTP Basic or by the
    ``client_id`` and ``client_secret`` fields (not both). The answer is RFC 6749 5.1's token response."""
    data = await decode_request(request)
    grant_type = _text(data, "grant_type")
    if grant_type is None:
        raise OAuthRefusal(InvalidRequestError("The grant_type field is required."))
    if grant_type != GRANT_TYPE:
        raise OAuthRefusal(UnsupportedGrantTypeError(grant_type), message=f"Only the {GRANT_TYPE} grant is supported.")
    basic_id, basic_secret = extract_basic_authorization(request.headers)
    form_id, form_secret = _text(data, "client_id"), _text(data, "client_secret")
    if basic_id is not None and form_secret is not None:
        raise OAuthRefusal(InvalidRequestError("Authenticate the client one way only: HTTP Basic or the form fields."))
    client_id, client_secret = (basic_id, basic_secret) if basic_id is not None else (form_id, form_secret)
    challenge = BASIC_CHALLENGE if basic_id is not None else None
    if not client_id or not client_secret:
        raise OAuthRefusal(
            InvalidClientError(description="The client_id and client_secret are required.", status_code=401),
            headers=challenge,
        )
    try:
        client = await partners.authenticate_client(
            runtime.db,
            runtime.login_guard,
            ip=ip,
            client_id=client_id,
            client_secret=client_secret,
            livemode=livemode_of(request, runtime.settings.test_hosts),
        )
    except InvalidCredentials:
        raise OAuthRefusal(
            InvalidClientError(description="Client authentication failed.", status_code=401), headers=challenge
        ) from None
    issued = partners.issue_access_token(runtime.settings.secret_key, client)
    generator = BearerTokenGenerator(lambda **_: issued.token, expires_generator=issued.expires_in)
    token: dict[str, Any] = generator.generate(GRANT_TYPE, _Client(client), include_refresh_token=False)
    return token


async def partner(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Principal:
    """The partner of the request's Bearer token, in the host's environment: none is 401, and so is a bad,
    expired or revoked token, or one of the other environment (counted toward the bad-key throttle: 429)."""
    token = bearer_token(request)
    if token is None:
        raise Unauthenticated(headers=CHALLENGE)
    try:
        return await partners.principal_from_access_token(
            runtime.db,
            runtime.settings.secret_key,
            token,
            livemode=livemode_of(request, runtime.settings.test_hosts),
            ip=ip,
        )
    except Unauthenticated:
        await runtime.key_throttle.check(ip)
        await runtime.key_throttle.failed(ip)
        raise Unauthenticated(headers=INVALID_TOKEN) from None
