"""Logging that never writes a credential: secrets in a logged URL's query string are replaced by ``[REDACTED]``.

HostBill's client libraries send every parameter in the query string, the password of ``POST /api/login``
included, and uvicorn's access log prints each request's path with its query. ``RedactSecrets`` is a logging
filter that rewrites, in every string argument of a record that holds a query string, the value of each
parameter whose name says it is a secret (``password``, ``token``, ``refresh_token``, ``api_key``,
``client[password]``, ``pass%77ord`` …: the name is decoded before it is judged). ``hostlane serve`` puts it on
uvicorn's access log (``access_log_config``).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "[REDACTED]"
# A parameter whose name holds one of these words is a secret (``refresh_token``, ``client_secret``, ``apikey``,
# ``new_password``, ``auth[hash]``). Over-redacting a harmless parameter costs a log reader little.
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|hash|session|signature|credential|otp", re.IGNORECASE)


def is_secret(name: str) -> bool:
    """True when the parameter ``name`` (as sent, percent-encoded or not) names a secret."""
    return _SECRET_NAME.search(unquote_plus(name)) is not None


def redact_query(text: str) -> str:
    """``text`` (a URL or a path, with a query string) with the value of every secret parameter redacted."""
    path, mark, query = text.partition("?")
    if not mark:
        return text
    pairs = []
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        pairs.append(f"{name}={REDACTED}" if equals and is_secret(name) else pair)
    return f"{path}?{'&'.join(pairs)}"


def _redacted(value: object) -> object:
    return redact_query(value) if isinstance(value, str) and "?" in value else value


class RedactSecrets(logging.Filter):
    """Redacts secrets from the query strings in a record's arguments (uvicorn's access log passes the path as
    one), or in its message when it has none (a message with arguments is a format string); the record is
    always kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_query(arg) if isinstance(arg, str) and "?" in arg else arg for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        if not record.args and isinstance(record.msg, str) and "?" in record.msg:
            record.msg = redact_query(record.msg)
        return True


def access_log_config(base: dict[str, Any]) -> dict[str, Any]:
    """A copy of a ``logging.config.dictConfig`` configuration (uvicorn's ``LOGGING_CONFIG``) whose access log
    handlers, and the ``uvicorn.access`` logger itself, redact secrets."""
    config = copy.deepcopy(base)
    config.setdefault("filters", {})["redact_secrets"] = {"()": f"{__name__}.RedactSecrets"}
    access = config.get("loggers", {}).setdefault("uvicorn.access", {})
    access.setdefault("filters", []).append("redact_secrets")
    for name in access.get("handlers", []):
        config["handlers"][name].setdefault("filters", []).append("redact_secrets")
    return config
