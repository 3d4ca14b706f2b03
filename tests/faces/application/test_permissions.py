"""Each permission allows exactly its routes: the full route x permission matrix."""

from __future__ import annotations

import re

import httpx
import pytest

from hostlane.app import create_app
from hostlane.identity.permissions import CATALOGUE
from hostlane.runtime import Runtime
from tests.fixtures.factories import make_admin, make_api_key
from tests.fixtures.http import assert_missing_permission, bearer

# (method, path) -> the one permission it needs, written out here rather than read from the app.
MATRIX: dict[tuple[str, str], str | tuple[str, str]] = {
    ("GET", "/health"): "health",
    ("GET", "/statistics"): "statistics",
    ("GET", "/license"): "license",
    ("GET", "/customers"): "customers:index",
    ("POST", "/customers"): "customers:create",
    ("GET", "/customers/{customer_id}"): ("customers:show", "customers:index"),
    ("POST", "/customers/{customer_id}"): "customers:update",
    ("PUT", "/customers/{customer_id}"): "customers:update",
    ("PATCH", "/customers/{customer_id}"): "customers:update",
    ("DELETE", "/customers/{customer_id}"): "customers:delete",
    ("POST", "/customers/{customer_id}/confirm"): "customers:update",
    ("POST", "/customers/{customer_id}/resend_confirmation"): "customers:update",
    ("POST", "/customers/{customer_id}/send_password"): "customers:update",
    ("POST", "/customers/{customer_id}/action/{action}"): "customers:update",
    ("GET", "/customers/{customer_id}/integrations"): "partners:index",
    ("POST", "/customers/{customer_id}/integrations"): "partners:create",
    ("POST", "/customers/{customer_id}/integrations/{environment}/refresh"): "partners:update",
    ("GET", "/groups"): "groups:index",
    ("POST", "/groups"): "groups:create",
    ("GET", "/groups/{group_id}"): ("groups:show", "groups:index"),
    ("POST", "/groups/{group_id}"): "groups:update",
    ("PUT", "/groups/{group_id}"): "groups:update",
    ("PATCH", "/groups/{group_id}"): "groups:update",
    ("DELETE", "/groups/{group_id}"): "groups:delete",
    ("GET", "/products"): "products:index",
    ("POST", "/products"): "products:create",
    ("GET", "/products/{product_id}"): ("products:show", "products:index"),
    ("POST", "/products/{product_id}"): "products:update",
    ("PUT", "/products/{product_id}"): "products:update",
    ("PATCH", "/products/{product_id}"): "products:update",
    ("DELETE", "/products/{product_id}"): "products:delete",
    ("GET", "/products/{product_id}/config"): "products:index",
    ("PUT", "/products/{product_id}/config"): "products:update",
    ("GET", "/pricings"): "pricings:index",
    ("POST", "/pricings"): "pricings:create",
    ("GET", "/pricings/{pricing_id}"): ("pricings:show", "pricings:index"),
    ("POST", "/pricings/{pricing_id}"): "pricings:update",
    ("PUT", "/pricings/{pricing_id}"): "pricings:update",
    ("PATCH", "/pricings/{pricing_id}"): "pricings:update",
    ("DELETE", "/pricings/{pricing_id}"): "pricings:delete",
    ("GET", "/services"): "services:index",
    ("GET", "/services/{service_id}"): ("services:show", "services:index"),
    ("POST", "/services/{service_id}"): "services:update",
    ("PUT", "/services/{service_id}"): "services:update",
    ("PATCH", "/services/{service_id}"): "services:update",
    ("DELETE", "/services/{service_id}"): "services:delete",
    ("POST", "/services/{service_id}/suspend"): "services:suspend",
    ("POST", "/services/{service_id}/unsuspend"): "services:unsuspend",
    ("POST", "/services/{service_id}/expire"): "services:expire",
    ("POST", "/customers/{customer_id}/credit"): "customers:update",
    ("POST", "/customers/{customer_id}/payment-methods"): "customers:update",
    ("GET", "/orders"): "orders:index",
    ("POST", "/orders"): "orders:create",
    ("GET", "/orders/{order_id}"): "orders:show",
    ("POST", "/orders/{order_id}/cancel"): "orders:update",
    ("DELETE", "/orders/{order_id}"): "orders:delete",
    ("GET", "/invoices"): "invoices:index",
    ("POST", "/invoices"): "invoices:create",
    ("GET", "/invoices/{invoice_id}"): "invoices:show",
    ("GET", "/invoices/{invoice_id}/pdf"): "invoices:show",
    ("POST", "/invoices/{invoice_id}"): "invoices:update",
    ("PUT", "/invoices/{invoice_id}"): "invoices:update",
    ("PATCH", "/invoices/{invoice_id}"): "invoices:update",
    ("DELETE", "/invoices/{invoice_id}"): "invoices:delete",
    ("POST", "/invoices/{invoice_id}/issue"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/pay"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/charge"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/refund"): "invoices:update",
    ("GET", "/invoices/{invoice_id}/download"): "invoices:show",
    ("GET", "/invoices/{invoice_id}/notify"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/notify"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/validate"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/edit"): "invoices:update",
    ("POST", "/invoices/{invoice_id}/export"): "invoices:index",
    ("POST", "/invoices/export"): "invoices:index",
    ("GET", "/departments"): "departments:index",
    ("POST", "/departments"): "departments:create",
    ("GET", "/departments/{department_id}"): ("departments:show", "departments:index"),
    ("POST", "/departments/{department_id}"): "departments:update",
    ("PUT", "/departments/{department_id}"): "departments:update",
    ("PATCH", "/departments/{department_id}"): "departments:update",
    ("DELETE", "/departments/{department_id}"): "departments:delete",
    ("GET", "/tickets"): "tickets:index",
    ("POST", "/tickets"): "tickets:create",
    ("GET", "/tickets/{ticket_id}"): "tickets:show",
    ("POST", "/tickets/{ticket_id}"): "tickets:update",
    ("PUT", "/tickets/{ticket_id}"): "tickets:update",
    ("PATCH", "/tickets/{ticket_id}"): "tickets:update",
    ("DELETE", "/tickets/{ticket_id}"): "tickets:delete",
    ("POST", "/tickets/{ticket_id}/reply"): "tickets:reply",
    ("POST", "/tickets/{ticket_id}/close"): ("tickets:close", "tickets:update"),
    ("POST", "/tickets/{ticket_id}/reopen"): ("tickets:reopen", "tickets:update"),
    ("GET", "/coupons"): "coupons:index",
    ("POST", "/coupons"): "coupons:create",
    ("GET", "/coupons/{coupon_id}"): ("coupons:show", "coupons:index"),
    ("POST", "/coupons/{coupon_id}"): "coupons:update",
    ("PUT", "/coupons/{coupon_id}"): "coupons:update",
    ("PATCH", "/coupons/{coupon_id}"): "coupons:update",
    ("DELETE", "/coupons/{coupon_id}"): "coupons:delete",
    ("GET", "/coupons/{coupon_id}/usages"): "coupons:index",
    ("GET", "/ip-pools"): "ippools:index",
    ("POST", "/ip-pools"): "ippools:create",
    ("GET", "/ip-pools/{pool_id}"): ("ippools:show", "ippools:index"),
    ("POST", "/ip-pools/{pool_id}"): "ippools:update",
    ("PUT", "/ip-pools/{pool_id}"): "ippools:update",
    ("PATCH", "/ip-pools/{pool_id}"): "ippools:update",
    ("DELETE", "/ip-pools/{pool_id}"): "ippools:delete",
    ("GET", "/pdus"): "pdus:index",
    ("POST", "/pdus"): "pdus:create",
    ("GET", "/pdus/{pdu_id}"): ("pdus:show", "pdus:index"),
    ("POST", "/pdus/{pdu_id}"): "pdus:update",
    ("PUT", "/pdus/{pdu_id}"): "pdus:update",
    ("PATCH", "/pdus/{pdu_id}"): "pdus:update",
    ("DELETE", "/pdus/{pdu_id}"): "pdus:delete",
    ("GET", "/services/{service_id}/ips"): "services:index",
    ("POST", "/services/{service_id}/ips"): "services:update",
    ("DELETE", "/services/{service_id}/ips/{address_id}"): "services:update",
    ("GET", "/services/{service_id}/pdu-ports"): "services:index",
    ("POST", "/services/{service_id}/pdu-ports"): "services:update",
    ("DELETE", "/services/{service_id}/pdu-ports/{port_id}"): "services:update",
    ("POST", "/services/{service_id}/cancel"): "services:cancel",
    ("GET", "/servers"): "servers:index",
    ("POST", "/servers"): "servers:create",
    ("POST", "/servers/test"): "servers:test",
    ("GET", "/servers/{server_id}"): ("servers:show", "servers:index"),
    ("POST", "/servers/{server_id}"): "servers:update",
    ("PUT", "/servers/{server_id}"): "servers:update",
    ("PATCH", "/servers/{server_id}"): "servers:update",
    ("DELETE", "/servers/{server_id}"): "servers:delete",
    ("GET", "/cancellation_reasons"): "cancellation_reasons:index",
    ("POST", "/cancellation_reasons"): "cancellation_reasons:create",
    ("GET", "/cancellation_reasons/{cancellation_reason_id}"): (
        "cancellation_reasons:show",
        "cancellation_reasons:index",
    ),
    ("POST", "/cancellation_reasons/{cancellation_reason_id}"): "cancellation_reasons:update",
    ("PUT", "/cancellation_reasons/{cancellation_reason_id}"): "cancellation_reasons:update",
    ("PATCH", "/cancellation_reasons/{cancellation_reason_id}"): "cancellation_reasons:update",
    ("DELETE", "/cancellation_reasons/{cancellation_reason_id}"): "cancellation_reasons:delete",
    ("GET", "/cancellation_reasons_analytics"): "cancellation_reasons:analytics",
    ("GET", "/subdomains"): "subdomains:index",
    ("POST", "/subdomains"): "subdomains:create",
    ("GET", "/subdomains/{subdomain_id}"): ("subdomains:show", "subdomains:index"),
    ("POST", "/subdomains/{subdomain_id}"): "subdomains:update",
    ("PUT", "/subdomains/{subdomain_id}"): "subdomains:update",
    ("PATCH", "/subdomains/{subdomain_id}"): "subdomains:update",
    ("DELETE", "/subdomains/{subdomain_id}"): "subdomains:delete",
    ("GET", "/logs"): "logs:index",
    ("GET", "/logs/{log_id}"): ("logs:show", "logs:index"),
}
PREFIX = "/api/application"
# Routes that take no key: stored images, fetched as a storefront's <img> fetches them (tests: test_catalog_uploads.py).
PUBLIC = {("GET", "/storage/{folder}/{name}")}


def test_the_matrix_names_every_route_of_the_face(runtime: Runtime) -> None:
    paths = create_app(runtime.settings, runtime).openapi()["paths"]
    served = {
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in paths.items()
        if path.startswith(PREFIX)
        for method in operations
    }
    assert served == set(MATRIX) | PUBLIC


@pytest.mark.parametrize(("method", "path"), list(MATRIX))
async def test_each_permission_allows_exactly_its_routes(
    runtime: Runtime, client: httpx.AsyncClient, method: str, path: str
) -> None:
    """The needed permission (or ``*``) opens the route; a key with every *other* permission is refused,
    so no other permission opens it (three keys per route instead of one per permission)."""
    entry = MATRIX[(method, path)]
    # A row is read with ``X:show`` (the real CLIENTXCMS's word) or ``X:index`` (the document's); a 403 names the first.
    accepted = (entry,) if isinstance(entry, str) else entry
    needed = accepted[0]
    admin = await make_admin(runtime)
    url = PREFIX + re.sub(r"\{[a-z_]+\}", "999999", path)
    others = [name for name in CATALOGUE if name not in (*accepted, "*")]
    cases = [([name], True) for name in accepted] + [(["*"], True), (others, False)]
    for permissions, allowed in cases:
        key = await make_api_key(runtime, *permissions, admin=admin)
        response = await client.request(method, url, headers=bearer(key), json={})
        if allowed:
            # Past the permission check: the route answers for the (absent) object or the empty body.
            assert response.status_code not in (401, 403), (permissions, response.text)
        else:
            assert response.status_code == 403, response.status_code
            assert_missing_permission(response, needed)


@pytest.mark.parametrize(("method", "path"), list(MATRIX))
async def test_every_route_needs_a_key(client: httpx.AsyncClient, method: str, path: str) -> None:
    url = PREFIX + re.sub(r"\{[a-z_]+\}", "1", path)
    response = await client.request(method, url, json={})
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}
