from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from hostlane.core.fields import Amount
from hostlane.models import BillingCycle

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]


class ServiceUpdate(BaseModel):
    """What staff may change on a service directly; its status changes only through the actions."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    billing: BillingCycle | None = None
    price: Amount | None = None
    next_due_date: dt.date | None = None
    expires_at: dt.datetime | None = None


class SuspendRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reason: Reason | None = None
