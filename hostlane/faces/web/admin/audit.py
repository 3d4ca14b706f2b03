"""The admin panel's audit pages."""

from __future__ import annotations

from fastapi import APIRouter

from hostlane.faces.web.kit import ADMIN

router = APIRouter(prefix=ADMIN.prefix, include_in_schema=False)
