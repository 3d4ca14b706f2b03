"""Secrets in a logged URL's query string are redacted; everything else in the line is kept."""

from __future__ import annotations

import io
import logging
import logging.config

import pytest
from uvicorn.config import LOGGING_CONFIG

from hostlane.core.logs import REDACTED, RedactSecrets, access_log_config, is_secret, redact_query


@pytest.mark.parametrize(
    ("logged", "shown"),
    [
        (
            "/api/login?username=a%40b.example&password=hunter2",
            f"/api/login?username=a%40b.example&password={REDACTED}",
        ),
        ("/api/token?refresh_token=abc.def&x=1", f"/api/token?refresh_token={REDACTED}&x=1"),
        ("/api/x?PASSWORD=1&Token=2&api_key=3", f"/api/x?PASSWORD={REDACTED}&Token={REDACTED}&api_key={REDACTED}"),
        ("/api/x?client%5Bpassword%5D=s&pass%77ord=t", f"/api/x?client%5Bpassword%5D={REDACTED}&pass%77ord={REDACTED}"),
        ("/api/x?client_secret=s&new_password=t", f"/api/x?client_secret={REDACTED}&new_password={REDACTED}"),
        ("/api/x?password=", f"/api/x?password={REDACTED}"),
        (
            "/api/application/customers?page=2&per_page=10&sort=-id",
            "/api/application/customers?page=2&per_page=10&sort=-id",
        ),
        ("/api/details", "/api/details"),
        ("/api/x?password", "/api/x?password"),  # a name without a value: nothing to hide
    ],
)
def test_redact_query(logged: str, shown: str) -> None:
    assert redact_query(logged) == shown


def test_what_counts_as_a_secret() -> None:
    assert all(is_secret(name) for name in ("password", "passwd", "refresh_token", "apikey", "auth%5Bhash%5D", "otp"))
    assert not any(is_secret(name) for name in ("username", "page", "per_page", "filter[email]", "dept_id", "method"))


def _access_log(config: dict[str, object]) -> tuple[logging.Logger, io.StringIO]:
    logging.config.dictConfig(config)
    stream = io.StringIO()
    logger = logging.getLogger("uvicorn.access")
    for handler in logger.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
    return logger, stream


def test_uvicorns_access_log_as_hostlane_serve_configures_it() -> None:
    """The record uvicorn's access log writes: (client, method, path with query, HTTP version, status)."""
    logger, stream = _access_log(access_log_config(LOGGING_CONFIG))
    try:
        logger.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", "/api/login?username=u&password=hunter2", "1.1", 200
        )
        line = stream.getvalue()
        assert "hunter2" not in line
        assert f'"POST /api/login?username=u&password={REDACTED} HTTP/1.1" 200' in line
    finally:
        logging.config.dictConfig(LOGGING_CONFIG)


def test_the_filter_leaves_format_strings_and_other_records_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "job %s failed?", ("a?token=1",), None)
    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == f"job a?token={REDACTED} failed?"
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /x?token=1", None, None)
    RedactSecrets().filter(plain)
    assert plain.getMessage() == f"GET /x?token={REDACTED}"


def test_the_config_is_a_copy() -> None:
    config = access_log_config(LOGGING_CONFIG)
    assert "filters" not in LOGGING_CONFIG["handlers"]["access"]  # uvicorn's own is untouched
    assert config["handlers"]["access"]["filters"] == ["redact_secrets"]
    assert config["loggers"]["uvicorn.access"]["filters"] == ["redact_secrets"]
