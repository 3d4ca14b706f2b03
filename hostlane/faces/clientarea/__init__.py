"""The client-area face: XSServer's HostBill client API (``003_…``) under ``/api``.

Choices where the document is silent, following HostBill's User API:
* errors are ``{"success": false, "error": ["message"]}`` with the HTTP status;
* a customer logs in with its e-mail; accounts of the test environment answer on ``HOSTLANE_TEST_HOSTS``;
* ids and amounts are strings in lists and numbers in invoice details, as the document prints them;
* the document's examples omit credentials on some routes; Hostlane still requires them;
* parameters are read from the query string as well as the body (JSON, XML, form fields with PHP's bracketed
  names, multipart), as HostBill's client libraries send every POST parameter in the query string, login
  included; a body field wins over a query field of the same name (``inputs.parse``), and the access log of
  ``hostlane serve`` redacts secrets from the query strings it prints (``hostlane.core.logs``).
"""

from hostlane.core.formats import FORM, JSON, XML
from hostlane.faces.clientarea import routes, wire
from hostlane.faces.clientarea.auth import customer
from hostlane.faces.face import Face

FACE = Face(
    tag="clientarea",
    description="HostBill client-area API (XSServer): HTTP Basic, or `POST /api/login`.",
    prefix=routes.PREFIX,
    routers=[routes.router],
    error=wire.error,
    authentication="a customer: HTTP Basic (e-mail + password), or `Authorization: Bearer <token>` from `/login`",
    auth=customer,
    error_model=wire.HostBillError,
    body_media_types=(JSON, XML, FORM),  # HostBill's clients post form fields
)
