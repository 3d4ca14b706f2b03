"""The client area at ``/portal``: a customer's services, invoices, tickets, orders and account, in the browser."""

from hostlane.faces.web.portal import account, billing, invoices, orders, routes, security, services, tickets

ROUTERS = [
    routes.router,
    services.router,
    orders.router,
    invoices.router,
    tickets.router,
    account.router,
    billing.router,
    security.router,
]
