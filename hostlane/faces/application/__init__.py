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
