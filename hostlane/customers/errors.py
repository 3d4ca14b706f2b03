from __future__ import annotations

from hostlane.core.errors import BadRequest, Conflict, NotFound, ValidationFailed


class CustomerNotFound(NotFound):
    message = "Customer not found."


class EmailTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("The email has already been taken.", fields={"email": ["The email has already been taken."]})


class CustomerHasActiveServices(Conflict):
    def __init__(self, count: int) -> None:
        super().__init__(
            f"The customer has {count} active service(s); terminate them first or delete with force=1.",
            active_services=count,
        )


class EmailAlreadyVerified(BadRequest):
    code = "email_already_verified"
    message = "Email already verified"


class CustomerStatusConflict(Conflict):
    """An account action that the account's status forbids (suspending a banned account, reactivating a
    closed one)."""

    code = "customer_status"

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"A {status} customer cannot be {action}.", status=status, action=action)


class InvalidAccountToken(BadRequest):
    """A password-reset or e-mail verification token that is forged, expired, already used, or no longer
    matches the account (its password or e-mail changed since)."""

    code = "invalid_account_token"
    message = "This link is invalid or has expired."


class TwoFactorAlreadyEnabled(BadRequest):
    """A second factor set up while the account has one (disable it first)."""

    code = "two_factor_enabled"
    message = "Two-factor authentication is already enabled."


class TwoFactorNotEnabled(BadRequest):
    """A second factor's codes asked for, or disabled, while the account has none."""

    code = "two_factor_not_enabled"
    message = "Two-factor authentication is not enabled."
