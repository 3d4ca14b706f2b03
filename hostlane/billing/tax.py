"""Tax rules and the rates they give a customer: the most specific rule of each level wins."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import repository as repo
from hostlane.core.errors import ValidationFailed
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import TaxRule


def pick_rates(rules: list[TaxRule], country: str, state: str) -> tuple[int, int]:
    """The most specific rule of each level: the state's, else the country's, else everyone's."""

    def specificity(rule: TaxRule) -> int:
        return (2 if rule.country == country else 0) + (1 if rule.state and rule.state == state else 0)

    rates = {1: 0, 2: 0}
    for level in (1, 2):
        matching = [r for r in rules if r.level == level and (r.country in ("", country)) and r.state in ("", state)]
        if matching:
            rates[level] = max(matching, key=specificity).rate_milli
    return rates[1], rates[2]


async def rates_for(session: AsyncSession, livemode: bool, country: str, state: str) -> tuple[int, int]:
    """The two rates that apply to a customer of ``country`` and ``state``."""
    rules = list(await repo.tax_rules(session, livemode, country, state))
    return pick_rates(rules, country, state)


async def all_rules(session: AsyncSession) -> list[TaxRule]:
    """Every rule of both modes (the billing run picks per invoice)."""
    return list(await repo.every_tax_rule(session))


async def set_tax_rule(
    session: AsyncSession, principal: Principal, *, country: str, state: str, level: int, rate: str, name: str = ""
) -> TaxRule:
    """Add or replace the rule of (country, state, level): ``rate`` in percent, up to three decimals."""
    from hostlane.core.countries import COUNTRY_CODES

    country = "" if country == "*" else country.strip().upper()
    if country and country not in COUNTRY_CODES:
        raise ValidationFailed.field("country", f"{country} is not an ISO 3166-1 country code.")
    try:
        milli = Decimal(rate) * 1000
    except ArithmeticError:
        raise ValidationFailed.field("rate", f"{rate!r} is not a percentage.") from None
    if milli != milli.to_integral_value() or not 0 <= milli <= 100_000:
        raise ValidationFailed.field("rate", "The rate is a percentage between 0 and 100 with at most 3 decimals.")
    rule = await repo.tax_rule(session, principal.livemode, level, country, state.strip())
    if rule is None:
        rule = TaxRule(livemode=principal.livemode, level=level, country=country, state=state.strip())
        session.add(rule)
    rule.rate_milli, rule.name = int(milli), name or f"Tax {country or '*'}{'/' + state if state else ''} L{level}"
    await session.flush()
    audit.record(session, principal, "tax_rule.set", "tax_rule", rule.id, {"rate_milli": rule.rate_milli})
    return rule


async def tax_rules(session: AsyncSession, principal: Principal) -> list[TaxRule]:
    return list(await repo.all_tax_rules(session, principal.livemode))
