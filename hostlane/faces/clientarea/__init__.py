"""The client-area face: XSServer's HostBill client API (``003_…``) under ``/api``.

Choices where the document is silent, following HostBill's User API:
* errors are ``{"success": false, "error": ["message"]}`` with the HTTP status;
* a customer logs in with its e-mail; accounts of the test environment answer on ``HOSTLANE_TEST_HOSTS``;
* ids and amounts are strings in lists and numbers in invoice details, as the document prints them;
* the document's examples omit credentials on some routes; Hostlane still requires them.
"""
