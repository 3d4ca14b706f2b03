"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from hostlane.core.db import Base
from hostlane.models.administrator import Administrator
from hostlane.models.api_key import ApiKey
from hostlane.models.audit import AuditEntry
from hostlane.models.auth_failure import AuthFailure

__all__ = ["Administrator", "ApiKey", "AuditEntry", "AuthFailure", "Base"]
