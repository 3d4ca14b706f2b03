"""Errors of authentication and authorisation."""

from __future__ import annotations

from hostlane.core.errors import Conflict, Forbidden, HostlaneError, NotFound, Unauthenticated, ValidationFailed


class MissingPermission(Forbidden):
    """The principal lacks ``permission``. Faces word it for their credential ("This API key lacks …")."""

    code = "missing_permission"

    def __init__(self, permission: str) -> None:
        super().__init__(f"The permission '{permission}' is required.", permission=permission)
        self.permission = permission


class InvalidCredentials(Unauthenticated):
    message = "These credentials do not match our records."


class DirectoryUnavailable(HostlaneError):
    status = 503
    code = "directory_unavailable"
    message = "The directory that checks this account's password does not answer; try again later."


class LoginBanned(Forbidden):
    code = "login_banned"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"Too many failed login attempts from your address. Try again in {minutes} minute(s).",
            headers={"Retry-After": str(max(1, retry_after))},
        )
        self.retry_after = retry_after


class UnknownPermission(ValidationFailed):
    def __init__(self, unknown: list[str], valid: list[str]) -> None:
        super().__init__(
            f"Unknown permission(s): {', '.join(unknown)}. Valid permissions: {', '.join(valid)}.",
            fields={"permissions": [f"Unknown permission: {name}" for name in unknown]},
        )


class UnknownAdministrator(NotFound):
    def __init__(self, email: str, known: list[str]) -> None:
        listing = ", ".join(known) if known else "none yet; create one with `hostlane create-admin`"
        super().__init__(f"No administrator has the e-mail '{email}'. Administrators: {listing}.")


class ApiKeyNotFound(NotFound):
    message = "No API key has this prefix."


class AdministratorExists(Conflict):
    message = "An administrator with this login or e-mail already exists."


class AdministratorNotFound(NotFound):
    message = "Administrator not found."
