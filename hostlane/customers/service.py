"""Rules of customers: who may be created, changed and deleted, and how."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.config import get_settings
from hostlane.core import clock, money
from hostlane.core.money import require_offered_currency
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.passwords import hash_password_off_loop
from hostlane.core.repository import Include, apply_changes, changes_of
from hostlane.customers import repository as repo
from hostlane.customers.errors import CustomerHasActiveServices, EmailTaken
from hostlane.customers.schemas import CustomerCreate, CustomerUpdate
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import CreditEntry, Customer, CustomerStatus
from hostlane.services import service as services

LIST_SPEC = repo.LIST_SPEC


# A customer's services come from the services domain (it sits below customers).
INCLUDES: dict[str, Include[Principal]] = {"services": Include(services.for_customers)}


async def list_customers(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.CUSTOMER.page(session, principal, query, includes=INCLUDES)


async def get_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    return await repo.CUSTOMER.one(session, principal, customer_id, includes=includes, table=INCLUDES)


async def create_customer(session: AsyncSession, principal: Principal, data: CustomerCreate) -> dict[str, Any]:
    email = str(data.email).lower()
    if await repo.CUSTOMER.taken(session, principal.livemode, "email", email, any_case=True):
        raise EmailTaken()
    settings = get_settings()
    currency = require_offered_currency(data.currency or settings.currencies[0])
    customer = Customer(
        livemode=principal.livemode,
        email=email,
        password_hash=await hash_password_off_loop(data.password) if data.password else None,
        firstname=data.firstname,
        lastname=data.lastname,
        companyname=data.companyname,
        address1=data.address1,
        address2=data.address2,
        city=data.city,
        state=data.state,
        postcode=data.postcode,
        country=data.country,
        phone=data.phone,
        locale=data.locale or settings.default_locale,
        currency=currency,
        credit_minor=money.to_minor(data.balance, currency),
        status=data.status,
        taxexempt=data.taxexempt,
        email_verified_at=clock.now() if data.verified else None,
        notes=data.notes,
    )
    await audit.created(
        session, principal, customer, "customer", data.model_dump(exclude={"password"}, exclude_unset=True)
    )
    if customer.credit_minor:
        _ledger(session, customer, customer.credit_minor, "Opening balance")
    return await get_customer(session, principal, customer.id)


def _ledger(session: AsyncSession, customer: Customer, amount_minor: int, reason: str) -> None:
    """Every change of a customer's credit is a ledger entry (billing spends and adds through it too)."""
    record_credit_entry(session, customer, amount_minor, reason)


_REQUIRED = ("email", "firstname", "lastname", "country", "status", "verified", "balance", "currency", "taxexempt")


async def update_customer(
    session: AsyncSession, principal: Principal, customer_id: int, data: CustomerUpdate
) -> dict[str, Any]:
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    changes = changes_of(data, *_REQUIRED)
    if "email" in changes:
        changes["email"] = str(changes["email"]).lower()
        if await repo.CUSTOMER.taken(
            session, principal.livemode, "email", changes["email"], except_id=customer.id, any_case=True
        ):
            raise EmailTaken()
    if "currency" in changes:
        require_offered_currency(changes["currency"])

    # Hashed in the password threads before the synchronous setter runs.
    new_hash = await hash_password_off_loop(changes["password"]) if changes.get("password") else None

    def set_password(value: str | None) -> None:
        customer.password_hash = new_hash if value else None

    def set_balance(value: Any) -> None:
        new_credit = money.to_minor(value, changes.get("currency") or customer.currency)
        if new_credit != customer.credit_minor:
            _ledger(session, customer, new_credit - customer.credit_minor, "Balance set by staff")
        customer.credit_minor = new_credit

    def set_verified(value: bool) -> None:
        if value and customer.email_verified_at is None:
            customer.email_verified_at = clock.now()
        elif not value:
            customer.email_verified_at = None

    def set_locale(value: str | None) -> None:
        customer.locale = value if value is not None else get_settings().default_locale

    setters = {"password": set_password, "balance": set_balance, "verified": set_verified, "locale": set_locale}
    await apply_changes(session, customer, changes, setters=setters)
    if "password" in changes or ("status" in changes and customer.status != CustomerStatus.ACTIVE):
        await end_sessions(session, customer)
    audit.record(
        session,
        principal,
        "customer.update",
        "customer",
        customer.id,
        {key: value for key, value in changes.items() if key != "password"},
    )
    return await get_customer(session, principal, customer.id)


async def delete_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, force: bool = False
) -> dict[str, Any]:
    """Delete (softly) a customer. With live services this is refused unless ``force``, which
    terminates them through their modules first."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    active = await services.count_live_for_customer(session, principal, customer.id)
    if active and not force:
        raise CustomerHasActiveServices(active)
    if active:
        await services.terminate_all_for_customer(session, principal, customer.id, reason="customer deleted")
    row = await get_customer(session, principal, customer.id)
    customer.deleted_at = clock.now()
    await end_sessions(session, customer)
    audit.record(session, principal, "customer.delete", "customer", customer.id, {"force": force})
    return row


async def ensure_exists(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
    """The customer if this principal can see it; ``CustomerNotFound`` otherwise."""
    return await get_customer(session, principal, customer_id)


async def counts(session: AsyncSession, principal: Principal) -> dict[str, int]:
    return await repo.count(session, principal)


async def by_ids(session: AsyncSession, principal: Principal, ids: list[int]) -> dict[int, dict[str, Any]]:
    return await repo.CUSTOMER.by_id(session, principal, ids)


async def lock_customer(session: AsyncSession, principal: Principal, customer_id: int) -> Customer:
    """The customer row, locked for a change of its balance (lock order: customer before invoice)."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    return customer


async def by_email(session: AsyncSession, livemode: bool, email: str) -> Customer | None:
    return await repo.by_email(session, livemode, email)


async def end_sessions(session: AsyncSession, customer: Customer) -> None:
    """End every session of the customer at once, in the caller's transaction (which holds the customer's
    row lock): its token families are revoked, so no refresh token rotates again, and its session epoch
    moves on, so every access token issued before is refused on its next request."""
    customer.session_epoch = customer.session_epoch + 1
    await session.flush()
    await repo.revoke_token_families(session, customer.id, at=clock.now())


async def record_login(
    session: AsyncSession,
    customer_id: int,
    *,
    session_epoch: int,
    ip: str,
    host: str | None,
    password_hash: str | None,
) -> bool:
    """Remember the login (HostBill's lastlogin, ip, host), and a password hash upgraded on the way; False
    (nothing written) if the account changed since its password was checked: no longer active, deleted,
    or its sessions ended (a password change), so the login must not open a session."""
    return await repo.record_login(
        session,
        customer_id,
        session_epoch=session_epoch,
        at=clock.now(),
        ip=ip,
        host=host,
        password_hash=password_hash,
    )


def record_credit_entry(
    session: AsyncSession, customer: Customer, amount_minor: int, reason: str, *, invoice_id: int | None = None
) -> None:
    """The credit ledger's one writer: a movement of ``amount_minor`` (negative spends) of the customer's
    credit, in its currency. The caller changes ``credit_minor`` under the customer's row lock."""
    session.add(
        CreditEntry(
            livemode=customer.livemode,
            customer_id=customer.id,
            amount_minor=amount_minor,
            currency=customer.currency,
            reason=reason,
            invoice_id=invoice_id,
        )
    )


async def billing_profiles(session: AsyncSession, ids: set[int]) -> dict[int, dict[str, Any]]:
    """The billing run's view of many customers at once: country, state, tax exemption, credit, currency."""
    return await repo.billing_profiles(session, list(ids))
