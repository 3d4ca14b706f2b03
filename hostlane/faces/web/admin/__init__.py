"""The admin panel at ``/admin``: the provider's staff at work in the browser, with the permissions they hold."""

from hostlane.faces.web.admin import api_keys, audit, catalog, customers, invoices, orders, routes, services, tickets

ROUTERS = [
    routes.router,
    customers.router,
    catalog.router,
    orders.router,
    services.router,
    invoices.router,
    tickets.router,
    api_keys.router,
    audit.router,
]
