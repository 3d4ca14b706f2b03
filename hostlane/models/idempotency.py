"""Idempotency keys: the first answer to a creating request, replayed to its retries.

The table is defined by ``core.idempotency``, the only code that uses it (core imports no model).
"""

from hostlane.core.idempotency import IdempotencyRecord

__all__ = ["IdempotencyRecord"]
