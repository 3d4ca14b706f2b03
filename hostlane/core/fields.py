"""Pydantic field types shared by the domains' schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from hostlane.core.countries import COUNTRY_CODES
from hostlane.core.money import MAX_AMOUNT


def _country(value: str) -> str:
    code = value.upper()
    if code not in COUNTRY_CODES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as FR or US")
    return code


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2), AfterValidator(_country)]
CurrencyCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^\+?[0-9 ().\-]{3,32}$")]
Locale = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z]{2}([_-][A-Z]{2})?$")]
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$",
    ),
]
# An amount in major units as the documents write it ("19.65" or 19.65); at most 2 decimals, under a billion
# (``money.MAX_AMOUNT``): in minor units of any currency it stays within ``money.MAX_MINOR``, so no invoice total
# (200 lines x 10,000 x the largest amount, plus two taxes of 100 %) passes a 64-bit integer.
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, max_digits=11, decimal_places=2)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]

# Ids are positive 64-bit integers; anything larger cannot name a row (and must not reach the database).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Counts and positions stored in a 32-bit column (``Integer``): a sort position, a stock level.
MAX_INT32 = 2**31 - 1
SortOrder = Annotated[int, Field(ge=-MAX_INT32, le=MAX_INT32)]
Stock = Annotated[int, Field(ge=-1, le=MAX_INT32)]  # -1: unlimited
