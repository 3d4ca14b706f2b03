"""The application face: the CLIENTXCMS application API (``001_…``) under ``/api/application``.

Choices where the document is vague, following the real CLIENTXCMS:
* ``Authorization: Bearer <key>``; keys come from ``hostlane create-api-key NAME EMAIL --permissions=…``.
* Errors are Laravel's: ``{"message": …}``, plus ``"errors": {field: [messages]}`` on 422.
* ``/health`` answers ``{"status": "ok", …}`` (CLIENTXCMS sends only the status; we add the
  version and the database check). ``/license`` answers ``{"status": "ok", "license": {…}}`` with
  CLIENTXCMS's keys, filled with Hostlane's own licence.
* CLIENTXCMS has no statistics route although the document lists the permission (spelt
  ``statitics``); ``GET /statistics`` is ours and answers ``{"status": "ok", "statistics": {…}}``.
* JSON by default; XML when ``Accept`` asks for it, in the mapping of ``hostlane.core.formats``.
* ``per_page`` above ``HOSTLANE_MAX_PAGE_SIZE`` (100) is a 422 naming the maximum. The real CLIENTXCMS clamps it
  to 100 (its ``PageSizeBoundsTest``: ``per_page=100000`` answers 100 rows); Hostlane refuses, as the issue that
  asked for it says, because a client silently handed fewer rows than it asked for takes a short page for the
  whole list and never asks for the rest.
* Customers, where the real CLIENTXCMS is defective: its update answers 200 but silently keeps ``address``,
  ``address2``, ``city``, ``zipcode``, ``region``, ``country``, ``company_name`` and ``billing_details`` (dropped
  from its rules, though its schema lists them), which Hostlane updates; ``send_password`` refuses a verified
  e-mail (400), which Hostlane does not; ``action/<unknown>`` answers 200 doing nothing (here 422); ``reactivate``
  unsuspends every suspended service, here only those the suspension or ban suspended; it serialises the
  customer's ``totp_secret`` and ``confirmation_token``, never rendered here.
* A key without the route's permission gets the real one's 403, ``{"message": "Invalid ability provided."}``
  (Sanctum's words); Hostlane also names the permission it lacks in the ``X-Missing-Permission`` header.
* A customer's own credential (client-area token, or e-mail and password over Basic) is refused with 403.
* Invoices where the real CLIENTXCMS is defective: it shows a missing invoice as an empty page (200; here
  404); refuses edit and notify with untranslated keys (``admin.invoices.edit.not_pending``; here sentences); its
  update requires ``paymethod``, ``fees``, ``tax`` and ``due_date``, which its own test does not send (here all
  optional, and what Hostlane computes is ignored); its export answers a redirect when nothing matches and drops
  the end date's own day (here an empty file, both days included), and is routed under an invoice it does not use
  while documented at ``/invoices/export`` (both work). It mails on ``GET …/notify``; ``POST`` does the same here.
* Catalogue: ``GET /products/{id}`` answers a page of one row, as the real one's; ``/groups/{id}`` and
  ``/pricings/{id}`` the row itself, as theirs (an unknown id is a 404 on all three). Where the real one is
  defective: an update leaves ``pinned`` and a group's ``use_image_as_background`` alone unless sent (the
  real one resets both, and reads form ``pinned=1`` as false); a refused group delete says why in ``error``
  (the real one an untranslated key). Several pricings per product and currency; an order charges the oldest
  that offers the cycle. Pricings relate to products only (another ``related_type`` is a 422); no weekly cycle.
* Services, where the real one is defective: its suspend and expire pass ``suspended``/``expired`` to a helper
  that knows ``suspend``/``expire``, so they never act and answer ``result: [outcome, status]``; Hostlane acts and
  answers the outcome object, as its unsuspend does. A move the state machine forbids is a 409, and deleting an
  active or suspended service is a 409 (the real one deletes it and leaves its server running).
* Helpdesk: ``GET /tickets/{id}`` and ``/departments/{id}`` answer a page of one row, as the real one's; for an
  unknown id the real one answers 200 with an empty page, Hostlane 404.
"""

from hostlane.faces.application import routes, wire
from hostlane.faces.application.auth import api_key_principal
from hostlane.faces.face import Face

FACE = Face(
    tag="application",
    description="CLIENTXCMS application API: `Authorization: Bearer <API key>`.",
    prefix=routes.PREFIX,
    routers=routes.ROUTERS,
    error=wire.error,
    authentication="an API key: `Authorization: Bearer <key>`, the key holding the route's permission",
    auth=api_key_principal,
)
