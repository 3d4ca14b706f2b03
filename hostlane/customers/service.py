"""Rules of customers: who may be created, changed and deleted, and how."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.config import get_settings
from hostlane.core import clock, money, tokens
from hostlane.core.money import require_offered_currency
from hostlane.core.pagination import ListQuery, Page
from hostlane.core.passwords import hash_password_off_loop
from hostlane.core.repository import Include, apply_changes, attach, changes_of
from hostlane.customers import repository as repo
from hostlane.customers.errors import (
    CustomerHasActiveServices,
    CustomerNotFound,
    CustomerStatusConflict,
    EmailAlreadyVerified,
    EmailTaken,
    InvalidAccountToken,
)
from hostlane.customers.schemas import CustomerCreate, CustomerUpdate, Standing
from hostlane.identity import audit
from hostlane.identity.principal import Principal
from hostlane.models import CreditEntry, Customer, CustomerStatus
from hostlane.notifications import service as notifications
from hostlane.services import service as services

LIST_SPEC = repo.LIST_SPEC


# A customer's services come from the services domain (it sits below customers).
INCLUDES: dict[str, Include[Principal]] = {"services": Include(services.for_customers)}


async def list_customers(session: AsyncSession, principal: Principal, query: ListQuery) -> Page:
    return await repo.CUSTOMER.page(session, principal, query, includes=INCLUDES)


async def search_customers(session: AsyncSession, principal: Principal, query: ListQuery, *, text: str = "") -> Page:
    """A page of customers whose name, e-mail address or company contains ``text`` (all of them when it is
    blank), with the list's filters, sort and includes."""
    if not text.strip():
        return await list_customers(session, principal, query)
    page = await repo.search(session, principal, query, text.strip())
    await attach(session, principal, page.items, INCLUDES, query.includes)
    return page


async def get_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, includes: frozenset[str] = frozenset()
) -> dict[str, Any]:
    return await repo.CUSTOMER.one(session, principal, customer_id, includes=includes, table=INCLUDES)


async def create_customer(session: AsyncSession, principal: Principal, data: CustomerCreate) -> dict[str, Any]:
    if data.partner:
        principal.require("partners:create")
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
        billing_details=data.billing_details,
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
        partner=data.partner,
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


_REQUIRED = (
    "email",
    "firstname",
    "lastname",
    "country",
    "status",
    "verified",
    "balance",
    "currency",
    "taxexempt",
    "partner",
)


async def update_customer(
    session: AsyncSession, principal: Principal, customer_id: int, data: CustomerUpdate
) -> dict[str, Any]:
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    changes = changes_of(data, *_REQUIRED)
    if "partner" in changes:
        principal.require("partners:update")
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

    def set_status(value: CustomerStatus) -> None:
        if value != customer.status:
            customer.status_reason = None  # the reason was the old status's
        customer.status = value

    setters = {
        "password": set_password,
        "balance": set_balance,
        "verified": set_verified,
        "locale": set_locale,
        "status": set_status,
    }
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
    customer.deleted_at = row["deleted_at"] = clock.now()
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


async def account(session: AsyncSession, principal: Principal, customer_id: int) -> Customer | None:
    """The customer's row (its status, epoch and locale too), if ``principal`` can see it; no lock."""
    return await repo.account(session, principal, customer_id)


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


# Standing: suspending, banning and reactivating an account.

# Why a customer's services were suspended with it: reactivating the customer unsuspends those, and only those.
SUSPENDED_WITH_CUSTOMER = "Customer suspended"
SUSPENDED_WITH_BAN = "Customer banned"
BLOCK_REASONS = (SUSPENDED_WITH_CUSTOMER, SUSPENDED_WITH_BAN)
NO_REASON = "No reason provided"


async def _block(
    session: AsyncSession,
    principal: Principal,
    customer_id: int,
    standing: Standing,
    *,
    status: CustomerStatus,
    allowed_from: frozenset[CustomerStatus],
    action: str,
    services_reason: str,
) -> dict[str, Any]:
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if customer.status not in allowed_from:
        raise CustomerStatusConflict(customer.status.value, action)
    reason = standing.reason or NO_REASON
    previous = customer.status
    customer.status, customer.status_reason = status, reason
    await end_sessions(session, customer)
    suspended: list[int] = []
    if standing.suspend_services:
        suspended = await services.suspend_all_for_customer(session, principal, customer.id, reason=services_reason)
    if standing.notify:
        notifications.queue(session, f"customer_{status.value}", livemode=customer.livemode, customer_id=customer.id)
    audit.record(
        session,
        principal,
        f"customer.{status.value}",
        "customer",
        customer.id,
        {"from": previous, "reason": reason, "services": suspended, "notify": standing.notify},
    )
    return await get_customer(session, principal, customer.id)


async def suspend_customer(
    session: AsyncSession, principal: Principal, customer_id: int, standing: Standing
) -> dict[str, Any]:
    """Suspend the account: every session of it ends, it cannot log in, and with ``suspend_services`` its
    active services are suspended too (through their modules). A banned or closed account cannot be."""
    return await _block(
        session,
        principal,
        customer_id,
        standing,
        status=CustomerStatus.SUSPENDED,
        allowed_from=frozenset({CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED}),
        action="suspended",
        services_reason=SUSPENDED_WITH_CUSTOMER,
    )


async def ban_customer(
    session: AsyncSession, principal: Principal, customer_id: int, standing: Standing
) -> dict[str, Any]:
    """Ban the account: as a suspension, from any status but closed (a suspended account may be banned)."""
    return await _block(
        session,
        principal,
        customer_id,
        standing,
        status=CustomerStatus.BANNED,
        allowed_from=frozenset({CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED, CustomerStatus.BANNED}),
        action="banned",
        services_reason=SUSPENDED_WITH_BAN,
    )


async def reactivate_customer(
    session: AsyncSession, principal: Principal, customer_id: int, *, notify: bool = False
) -> dict[str, Any]:
    """Make a suspended or banned account active again, and unsuspend the services its suspension or ban
    suspended (a service suspended for another reason, such as an overdue invoice, stays so). An active
    account is left as it is; a closed one cannot be reactivated."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if customer.status is CustomerStatus.CLOSED:
        raise CustomerStatusConflict(customer.status.value, "reactivated")
    if customer.status is CustomerStatus.ACTIVE:
        return await get_customer(session, principal, customer.id)
    previous = customer.status
    customer.status, customer.status_reason = CustomerStatus.ACTIVE, None
    await session.flush()
    unsuspended = await services.unsuspend_all_for_customer(session, principal, customer.id, reasons=BLOCK_REASONS)
    if notify:
        notifications.queue(session, "customer_reactivated", livemode=customer.livemode, customer_id=customer.id)
    audit.record(
        session,
        principal,
        "customer.reactivate",
        "customer",
        customer.id,
        {"from": previous, "services": unsuspended, "notify": notify},
    )
    return await get_customer(session, principal, customer.id)


async def disable_two_factor(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
    """Remove the customer's second factor (its secret and recovery codes): its next login asks for the
    password alone."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    had = customer.two_factor_secret is not None
    customer.two_factor_secret = customer.two_factor_recovery_codes = None
    await session.flush()
    audit.record(session, principal, "customer.disable_two_factor", "customer", customer.id, {"had_second_factor": had})
    return await get_customer(session, principal, customer.id)


# E-mail verification and password reset: signed, short-lived links, good for one account as it is now.

VERIFY_EMAIL_AUDIENCE = "hostlane:customer:verify-email"
RESET_LINK_AUDIENCE = "hostlane:customer:reset-password"
ACCOUNT_LINK_LIFETIME = timedelta(minutes=60)
VERIFY_EMAIL_MAIL = "customer_verify_email"
RESET_LINK_MAIL = "customer_reset_password"


async def confirm_email(session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
    """Mark the customer's e-mail verified (staff vouch for it); ``EmailAlreadyVerified`` if it is."""
    customer = await repo.CUSTOMER.locked(session, principal, customer_id)
    if customer.email_verified_at is not None:
        raise EmailAlreadyVerified()
    customer.email_verified_at = clock.now()
    await session.flush()
    audit.record(session, principal, "customer.confirm_email", "customer", customer.id, {"email": customer.email})
    return await get_customer(session, principal, customer.id)


async def send_email_verification(session: AsyncSession, principal: Principal, customer_id: int) -> None:
    """Mail the customer a link that verifies its e-mail; ``EmailAlreadyVerified`` if it is."""
    customer = await get_customer(session, principal, customer_id)
    if customer["email_verified_at"] is not None:
        raise EmailAlreadyVerified()
    notifications.queue(session, VERIFY_EMAIL_MAIL, livemode=principal.livemode, customer_id=customer_id)
    audit.record(session, principal, "customer.send_email_verification", "customer", customer_id, {})


async def send_password_reset(
    session: AsyncSession, principal: Principal, customer_id: int, *, origin: str | None = None
) -> None:
    """Mail the customer a link that sets a new password. ``origin`` (``https://host``, trusted by the caller)
    is where the link points when ``public_url`` is not set."""
    await get_customer(session, principal, customer_id)
    where = {"origin": origin} if origin else {}
    notifications.queue(session, RESET_LINK_MAIL, livemode=principal.livemode, customer_id=customer_id, **where)
    audit.record(session, principal, "customer.send_password_reset", "customer", customer_id, {})


async def request_password_reset(session: AsyncSession, *, livemode: bool, email: str, origin: str | None) -> None:
    """Someone asked for a reset link for ``email`` (the forgotten-password form): an active account with that
    address is mailed one; any other address is silently ignored, so the answer never tells who has an account."""
    customer = await by_email(session, livemode, email.strip())
    if customer is None or customer.status is not CustomerStatus.ACTIVE:
        return
    await send_password_reset(session, Principal.system(livemode=livemode), customer.id, origin=origin)


def _link_token(secret: str, customer: Customer, audience: str) -> str:
    """A reset token holds the session epoch (a new password, or any end of the sessions, spends it); a
    verification token holds the e-mail (a changed address cannot be verified with the old link)."""
    claims: dict[str, Any] = {"sub": str(customer.id), "live": customer.livemode}
    if audience == RESET_LINK_AUDIENCE:
        claims["ep"] = customer.session_epoch
    else:
        claims["email"] = customer.email
    return tokens.issue(secret, audience=audience, lifetime=ACCOUNT_LINK_LIFETIME, claims=claims)


async def account_mail(
    session: AsyncSession, principal: Principal, customer_id: int, template: str, *, secret: str
) -> dict[str, Any]:
    """What a mail about the account says besides the customer's name: the reason of a suspension or ban,
    or the token of a verification or reset link (issued now, so it holds the account as it is when sent)."""
    customer = await repo.account(session, principal, customer_id)
    if customer is None:
        raise CustomerNotFound()
    context: dict[str, Any] = {"reason": customer.status_reason or NO_REASON}
    audience = {VERIFY_EMAIL_MAIL: VERIFY_EMAIL_AUDIENCE, RESET_LINK_MAIL: RESET_LINK_AUDIENCE}.get(template)
    if audience is not None:
        context["token"] = _link_token(secret, customer, audience)
        context["valid_minutes"] = int(ACCOUNT_LINK_LIFETIME.total_seconds() // 60)
    return context


async def _account_of(session: AsyncSession, secret: str, token: str, audience: str) -> tuple[Customer, dict[str, Any]]:
    try:
        claims = tokens.read(secret, token, audience=audience)
    except tokens.InvalidToken:
        raise InvalidAccountToken() from None
    system = Principal.system(livemode=bool(claims.get("live")))
    try:
        customer = await repo.CUSTOMER.locked(session, system, int(claims["sub"]))
    except (CustomerNotFound, ValueError):
        raise InvalidAccountToken() from None
    return customer, claims


async def verify_email(session: AsyncSession, *, secret: str, token: str) -> dict[str, Any]:
    """Verify the e-mail a verification link was sent to, if it is still the account's."""
    customer, claims = await _account_of(session, secret, token, VERIFY_EMAIL_AUDIENCE)
    if claims.get("email") != customer.email:
        raise InvalidAccountToken()
    if customer.email_verified_at is None:
        customer.email_verified_at = clock.now()
        await session.flush()
        audit.record(
            session,
            Principal.system(livemode=customer.livemode),
            "customer.verify_email",
            "customer",
            customer.id,
            {"email": customer.email},
        )
    return await get_customer(session, Principal.system(livemode=customer.livemode), customer.id)


async def reset_password(
    session: AsyncSession, *, secret: str, token: str, password: str, email: str | None = None
) -> dict[str, Any]:
    """Set a new password with a reset link: once (the new password ends every session, which spends the
    link), and only while no other change ended them since it was sent. With ``email`` (a client that sends the
    address with the token), the link must be that account's: any mismatch is the same invalid link."""
    customer, claims = await _account_of(session, secret, token, RESET_LINK_AUDIENCE)
    if claims.get("ep") != customer.session_epoch:
        raise InvalidAccountToken()
    if email is not None and email.strip().lower() != customer.email.lower():
        raise InvalidAccountToken()
    customer.password_hash = await hash_password_off_loop(password)
    await end_sessions(session, customer)
    system = Principal.system(livemode=customer.livemode)
    audit.record(session, system, "customer.reset_password", "customer", customer.id, {})
    return await get_customer(session, system, customer.id)
