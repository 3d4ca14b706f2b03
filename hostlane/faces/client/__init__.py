"""The client face: CLIENTXCMS's client API (``routes/api-client.php``) under ``/api/client``.

The customer's own API, on the same domain services as the HostBill client area (``faces.clientarea``) and the
portal. Choices where the real one differs or is silent:
* Tokens are personal access tokens as Sanctum's are used (``Authorization: Bearer <token>``, no refresh), but
  signed (JWT) rather than ``id|secret``; a client treats both as opaque. Each is a login of its own: logout ends
  it, and every end of the account's sessions (a password change or reset, a suspension, a ban, deletion) ends every
  token. So a suspended or banned customer's token is a 401, where the real one answers 403 and lets a suspended
  customer read its profile and tickets: Hostlane's rule for every face is that such an account has no session.
* The second factor is TOTP (``second_factor: "totp"``) or one of the recovery codes (each works once). The real
  one's e-mailed codes (``force_2fa_client``, new-IP e-mail codes, ``/auth/2fa/email``) are not here: Hostlane has
  no such setting. Six wrong codes a minute per customer are let through, the seventh is a 429.
* ``GET /profile/2fa/recovery-codes`` answers new codes in place of the old ones: only their hashes are kept, so the
  old ones cannot be shown again. ``qr_code`` of the setup is the ``otpauth://`` URI the QR code would carry (the
  real one draws it as an SVG); a client draws its own or shows the secret.
* A reply to a closed ticket is a 400 (reopen it first), as the real one; the HostBill client area's reply re-opens.
* An invoice's ``uuid`` is its number (Hostlane's invoices have no UUID); a service's ``price_ttc`` is its price
  before tax (Hostlane taxes invoices, not services). Payment methods are the one saved card a customer has (the
  portal's Billing tab): adding replaces it, and it is always the default.
* Ticket attachments come as files of a multipart body (``attachments[0]``, ``attachments[1]`` …: at most five, 5 MB
  each), on opening a ticket or replying; a file is always served as a download, under the name it was sent with.
* The real one's registration, reset and banned-address settings and its security questions have no counterpart
  yet: registration and reset are always open.
"""

from hostlane.faces.client import routes, wire
from hostlane.faces.client.auth import customer
from hostlane.faces.face import Face

FACE = Face(
    tag="client",
    description="CLIENTXCMS client API: `POST /api/client/auth/login`, then `Authorization: Bearer <token>`.",
    prefix=routes.PREFIX,
    routers=[routes.router],
    error=wire.error,
    authentication="a customer's personal access token from `/auth/login`: `Authorization: Bearer <token>`",
    auth=customer,
)
