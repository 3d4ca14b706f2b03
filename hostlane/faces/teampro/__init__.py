"""The wbTeamPro face: wbTeamPro's Remote API (``004_…``) under ``/modules/addons/wbteampro``, over the projects
domain.

Choices where the document is silent or wrong:
* every answer, errors too, is the document's envelope (``request`` and ``response.data``), with the HTTP status
  equal to ``request.code``; an error's ``request.message`` names the param, ``response.errors`` lists each;
* ``response.data.pages`` is the number of pages (the document's example prints 0 for one row on one page);
* the password is the MD5 hex of the administrator's password, checked against an argon2 hash of that MD5
  (no MD5 is stored); an administrator whose password was set before this face existed sets it again;
* beyond the document, ``POST projects.{id}.invoice`` (``per``: ``log`` or ``action``) invoices the project's billable,
  uninvoiced time logs to its client through billing, each log once (a second request finds nothing: 409);
* a file is created from a multipart ``file`` part or from ``params[content]`` in base64 (with ``params[name]``);
  ``files.{id}.download`` answers the bytes themselves (not the envelope), as an attachment under its name;
"""

from hostlane.faces.face import Face
from hostlane.faces.teampro import routes, wire

FACE = Face(
    tag="teampro",
    description="wbTeamPro's Remote API: `username` and `password` (the MD5 hex of the password) on every request.",
    prefix=routes.PREFIX,
    routers=[routes.router],
    error=wire.error,
    error_model=wire.TeamProEnvelope,
    authentication="`username` + `password` (MD5 hex of the administrator's password) params on every request",
    body_media_types=("application/json", "application/xml", "application/x-www-form-urlencoded"),
)
