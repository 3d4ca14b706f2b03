"""The client area's orders pages."""

from __future__ import annotations

from fastapi import APIRouter

from hostlane.faces.web.kit import PORTAL

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)
