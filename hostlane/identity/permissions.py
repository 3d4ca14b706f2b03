"""The permission catalogue: exactly the CLIENTXCMS document's list, extended by later domains."""

from __future__ import annotations

from collections.abc import Iterable

from hostlane.identity.errors import UnknownPermission

# name -> what it allows. Order is the document's, so listings read like it.
CATALOGUE: dict[str, str] = {
    "*": "All permissions",
    "health": "Check the health of the API",
    "statistics": "Read the API's statistics",
    "license": "Read the licence information",
}

# The document spells one permission "statitics"; keys created with it mean "statistics". The real CLIENTXCMS
# names creation ``X:store`` where the document says ``X:create``: both mean the same (see ``register``).
ALIASES: dict[str, str] = {"statitics": "statistics"}


def register(resource: str, actions: Iterable[str], label: str) -> None:
    """Add ``resource:action`` permissions (``customers:index`` …) to the catalogue."""
    verbs = {"index": "Read", "show": "Read", "create": "Create", "update": "Update", "delete": "Delete"}
    for action in actions:
        CATALOGUE[f"{resource}:{action}"] = f"{verbs.get(action, action.capitalize())} {label}"
        if action == "create":
            ALIASES[f"{resource}:store"] = f"{resource}:create"


register("customers", ["index", "show", "create", "update", "delete"], "customers")
register("products", ["index", "show", "create", "update", "delete"], "products")
register("groups", ["index", "show", "create", "update", "delete"], "product groups")
register("pricings", ["index", "show", "create", "update", "delete"], "prices")
register("services", ["index", "show", "update", "delete", "expire", "unsuspend", "suspend", "cancel"], "services")
# Beyond the document, in its style (the real CLIENTXCMS has them): billing.
register("orders", ["index", "show", "create", "update", "delete"], "orders")
register("invoices", ["index", "show", "create", "update", "delete"], "invoices")
register("departments", ["index", "show", "create", "update", "delete"], "support departments")
register("tickets", ["index", "show", "create", "update", "delete", "reply", "close", "reopen"], "support tickets")
register("coupons", ["index", "show", "create", "update", "delete"], "coupons")
register("ippools", ["index", "show", "create", "update", "delete"], "IP pools")
# Systems granted to administrators (``Administrator.permissions``): the projects system and its wbTeamPro API.
CATALOGUE["projects:*"] = "Use the projects system (the wbTeamPro API)"
register("pdus", ["index", "show", "create", "update", "delete"], "PDUs")
# The rest of the real CLIENTXCMS's application API: provisioning servers, cancellation reasons (and what they add
# up to), subdomain hosts, and the action logs (the audit log).
register("servers", ["index", "show", "create", "update", "delete", "test"], "provisioning servers")
register("cancellation_reasons", ["index", "show", "create", "update", "delete", "analytics"], "cancellation reasons")
register("subdomains", ["index", "show", "create", "update", "delete"], "subdomain hosts")
register("logs", ["index", "show"], "action logs")
# The partner programme: a customer's partner flag and its integrations (OAuth2 clients of the partner API).
register("partners", ["index", "create", "update"], "partners and their integrations")


def normalize(names: Iterable[str]) -> list[str]:
    """Validate permission names (accepting the document's aliases); return them canonical and unique."""
    result: list[str] = []
    unknown: list[str] = []
    for raw in names:
        for name in (part.strip() for part in raw.split(",")):
            if not name:
                continue
            name = ALIASES.get(name, name)
            if name not in CATALOGUE:
                unknown.append(name)
            elif name not in result:
                result.append(name)
    if unknown:
        raise UnknownPermission(unknown, list(CATALOGUE))
    return result
