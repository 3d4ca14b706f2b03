"""The one Principal every auth scheme of every face resolves to."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hostlane.identity.errors import MissingPermission


class PrincipalKind(StrEnum):
    API_KEY = "api_key"
    ADMIN = "admin"
    CUSTOMER = "customer"
    PARTNER = "partner"
    PROJECT_USER = "project_user"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, with what rights, in which mode.

    ``scope`` is the customer (or partner) the principal is confined to; ``None`` for staff.
    Services filter every query by it, so object-level access is part of the query.
    """

    kind: PrincipalKind
    id: int | None
    permissions: frozenset[str] = field(default_factory=frozenset)
    livemode: bool = True
    scope: int | None = None
    ip: str | None = None

    def can(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise MissingPermission(permission)

    @classmethod
    def system(cls, *, livemode: bool = True, ip: str | None = None) -> Principal:
        """The platform itself (CLI, jobs): every permission, no customer scope."""
        return cls(PrincipalKind.SYSTEM, None, frozenset({"*"}), livemode, None, ip)
