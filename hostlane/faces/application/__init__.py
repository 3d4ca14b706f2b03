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
"""
