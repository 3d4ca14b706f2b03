"""The XCI face: the XiVO Centralized Interface's REST API (``002_…``) under ``/api/1.0``.

Choices where the document is silent or wrong:
* errors are ``{"error": "message"}``, with ``"fields": {name: [messages]}`` on 422, in the document's field names;
* creates answer 201 with the created object; edits 200 with it; deletes and logout 204; login 204 with the cookie;
  ``GET /xivo/synchronize_config_files`` 202 (the push is a job);
* the document prints an administrator's password hash: Hostlane never returns a password or a hash, nor a user's
  CTI password (``ctiPassword`` is always ``null``);
* a template shows ``routedInboundPrefix``, ``customCallerId``, ``voiceMailCustomNumber`` and ``voiceMailSendEmail``
  only where their condition holds (the example, where none holds, shows none of them);
* an administrator who is not ``superAdmin`` sees only its ``entityIds`` (others' are 404) and may not create
  XiVOs, entities, templates or administrators (403);
* an ``ldap: true`` administrator logs in with the password of the LDAP directory the settings name
  (``HOSTLANE_LDAP_*``); a directory that does not answer is a 503, and the try still counts toward the ban.
"""

from hostlane.faces.face import Face
from hostlane.faces.xci import routes, wire
from hostlane.faces.xci.auth import operator

FACE = Face(
    tag="xci",
    description="XiVO Centralized Interface (XCI): `POST /api/1.0/login` sets a session cookie.",
    prefix=routes.PREFIX,
    routers=[routes.router],
    error=wire.error,
    authentication="an administrator's session cookie from `POST /api/1.0/login` (login + password)",
    auth=operator,
    error_model=wire.XciError,
)
