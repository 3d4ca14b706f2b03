"""The application face's wire shapes (Laravel's, as CLIENTXCMS sends them)."""

from __future__ import annotations

from fastapi import Request, Response

from hostlane.core.formats import render
from hostlane.faces.common import ErrorInfo


def error(request: Request, info: ErrorInfo) -> Response:
    body: dict[str, object] = {"message": info.message}
    if info.fields:
        body["errors"] = info.fields
    return render(request, body, info.status, headers=info.headers or None)
