"""The partner face: the Xibo Signage Platform API for channel partners (``000_…``) under ``/api/platform``.

The document describes behaviour, not paths; the paths follow Xibo's conventions, and the OpenAPI document lists
them all. Choices where the document is silent:
* OAuth2 client credentials at ``POST /api/platform/authorize/access_token`` (Xibo's
  ``{base}/api/authorize/access_token``): ``grant_type=client_credentials`` with the integration's ``clientId`` and
  ``clientSecret`` as form fields or HTTP Basic; the answer is RFC 6749's (``access_token``, ``token_type: "Bearer"``,
  ``expires_in``: ``HOSTLANE_PARTNER_TOKEN_SECONDS``, an hour by default); no refresh token (a client asks again).
  Then ``Authorization: Bearer <token>`` on every other route. How Authlib is used, and why not its server: ``auth``.
* Live and test: the test environment is the hosts of ``HOSTLANE_TEST_HOSTS``, the live one every other host, the
  same paths on both. A partner's test environment is its account in test mode (the same person's account on the
  test host); an integration belongs to its account's environment. Test credentials get no token on a live host
  (``invalid_client``) and a test token on a live host is 401, and the other way round; a live object is never
  found from the test host (404).
* A wrong clientId or clientSecret counts toward the shared failed-login ban (``HOSTLANE_LOGIN_MAX_FAILURES``), as
  every login; a banned address is refused unchecked (403, ``access_denied``, with ``Retry-After``). Bad bearer
  tokens count toward the bad-key throttle (429), as bad API keys do.
* Errors, everywhere under the prefix, are RFC 6749's shape: ``{"error": word, "error_description": sentence}``,
  with ``errors`` naming refused fields (``wire``).
* JSON in Xibo's camelCase (``contactName``, ``setupFee``); amounts are decimal strings (``"19.65"``), never
  floats; lists are bare arrays, as Xibo's CMS API answers them.
* The price list (``GET /products``): the active products whose catalogue metadata ``partner_catalogue`` is
  ``plan``, ``addon`` or ``item`` (``catalog.service.PARTNER_CATALOGUE_KEY``), with their prices in the partner's
  currency; a product without one is left out.
* Orders (``POST /orders``): ``items`` of ``productId`` (from the price list), ``quantity``, and for a CMS instance
  plan ``displays`` (it is priced per display) and ``instanceName``; ``cycle`` defaults to a plan's monthly price,
  else the product's first. ``autoPay`` charges the saved card off-session; without one, or when it is declined, the
  order answers 201 ``pending`` with its unpaid invoice, which the invoice mail sends with its pay link. A monthly
  plan without a saved card is 402 (``payment_required``) and nothing is created. ``Idempotency-Key`` is claimed for
  the partner; the answer is kept with the order, and again with its payment.
* CMS instances (``/instances``) are the partner's services of ``cms_instance`` products
  (``drivers.provisioning.cms_instance``); licences (``/licences``) are each instance's displays ordered, in use
  (what the module reports) and the day they run to (the next due date). Invoices (``/invoices``) are billing's.
  Lists are bare arrays, newest first for orders and invoices, 50 a ``page``.
* Usage (``GET /usage?month=YYYY-MM``, ``month`` required): each instance's recorded use of that calendar month
  (``displays``, ``storage`` and ``bandwidth`` in bytes, and ``billedInvoiceId`` once billed), a bare array by
  instance id. A month is recorded by the daily job once it has ended (``partners.usage``); its metered displays go
  on the instance's next renewal invoice at the plan's price per display (``billing.renewals``), once.
"""

from hostlane.core.formats import FORM, JSON
from hostlane.faces.face import Face
from hostlane.faces.partner import routes, wire
from hostlane.faces.partner.auth import partner

FACE = Face(
    tag=routes.TAG,
    description="Xibo Signage Platform API (channel partners): OAuth2 client credentials at "
    "`POST /api/platform/authorize/access_token`, then `Authorization: Bearer <token>`. The test environment is "
    'served on the test host names. Errors: `{"error", "error_description"}` (RFC 6749).',
    prefix=routes.PREFIX,
    routers=[routes.router],
    error=wire.error,
    authentication="an integration's access token: `Authorization: Bearer <token>` from the token endpoint",
    auth=partner,
    error_model=wire.PlatformError,
    body_media_types=(FORM, JSON),  # RFC 6749's token requests are form fields
)
