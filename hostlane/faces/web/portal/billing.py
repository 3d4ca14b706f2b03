"""My Account → Billing: the customer's saved card (the one its invoices are charged to): add, replace, remove.

Card numbers never touch Hostlane. In live mode with Stripe configured, "Add a card" opens a card setup (a Stripe
SetupIntent, ``billing.start_card_setup``) and the page mounts Stripe's card Element; the browser confirms the
setup with Stripe (``billing-card.js``), then posts only the SetupIntent's id, which the server reads back from
Stripe (``billing.finish_card_setup``) before saving anything. In the test environment (a ``HOSTLANE_TEST_HOSTS``
host name) no Stripe.js is loaded: the page offers the test gateway's cards, saved through the same setup path
(``billing.add_test_card``); nothing real is charged. Without JavaScript the page says a card needs it, and a
card can still be removed (a plain form).

Stripe.js is the one script loaded from another site: the issue says scripts are "never loaded from a CDN", but
Stripe requires Stripe.js to be loaded from https://js.stripe.com/v3/ (never bundled or self-hosted) for PCI
compliance, since it is what keeps the card number inside Stripe's own frames. So this page, and only while it
shows Stripe's card form, carries ``kit.STRIPE_CSP``, which allows js.stripe.com; every other page keeps
``kit.WEB_CSP``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hostlane.billing import service as billing
from hostlane.billing.errors import CardGatewayUnavailable
from hostlane.core.errors import ValidationFailed
from hostlane.drivers.payments.test import DECLINED, DECLINED_WHEN_CHARGED, SUCCEEDS, TIMES_OUT
from hostlane.faces.common import PathId, get_runtime
from hostlane.faces.web import kit
from hostlane.faces.web.auth import CustomerViewer, Viewer
from hostlane.faces.web.kit import N_, PORTAL, _

router = APIRouter(prefix=PORTAL.prefix, include_in_schema=False)

PAGE = "/portal/account/billing"
STRIPE_JS = "https://js.stripe.com/v3/"
# The test gateway's cards the test environment offers (``drivers.payments.test``), as a person reads them.
TEST_CARDS = [
    (SUCCEEDS, N_("Visa (succeeds)")),
    (DECLINED_WHEN_CHARGED, N_("Visa (saved, then declined when charged)")),
    (TIMES_OUT, N_("Visa (saved, then times out when charged)")),
    (DECLINED, N_("Declined (refused when saved)")),
]
BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
    "diners": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires",
}
# The billing domain's messages a card form shows (translated when shown).
DOMAIN_MESSAGES = [
    N_("Your card was declined."),
    N_("The card was not saved. Check its details, or try another card."),
    N_("The payment gateway did not answer. Nothing was saved: try again in a moment."),
    N_("No payment gateway is configured for live mode."),
    N_("Test cards are for the test environment only."),
    N_("Choose one of the test cards."),
]

kit.notice("card_saved", lambda: _("Your card is saved. Your invoices will be charged to it."))
kit.notice("card_removed", lambda: _("Your card is removed."))


def _customer_id(viewer: Viewer) -> int:
    customer_id = viewer.principal.scope
    assert customer_id is not None
    return customer_id


def _stripe_key(request: Request, viewer: Viewer) -> str | None:
    """Stripe's publishable key when this page saves cards with Stripe.js: live mode, Stripe configured."""
    if not viewer.livemode or billing.card_gateway(livemode=True) != "stripe":
        return None
    return get_runtime(request).settings.stripe_publishable_key or None


async def _render(
    request: Request,
    viewer: Viewer,
    *,
    setup: billing.StartedSetup | None = None,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    runtime = get_runtime(request)
    async with runtime.db.reader() as session:
        card = await billing.saved_card(session, viewer.principal, _customer_id(viewer))
    stripe_key = _stripe_key(request, viewer)
    uses_stripe = stripe_key is not None and setup is not None
    return kit.page(
        request,
        PORTAL,
        "portal/billing.html",
        viewer=viewer,
        status=status,
        headers={"Content-Security-Policy": kit.STRIPE_CSP} if uses_stripe else None,
        errors=errors or {},
        values=values or {},
        card=card,
        brand=_brand(card.brand) if card else "",
        setup=setup if uses_stripe else None,
        stripe_key=stripe_key,
        stripe_js=STRIPE_JS,
        can_add=viewer.livemode is False or stripe_key is not None,
        test_cards=[(number, _(label)) for number, label in TEST_CARDS],
    )


def _brand(brand: str) -> str:
    return BRANDS.get(brand, _("Card") if brand in ("", "card") else brand.replace("_", " ").title())


def _refused(failure: ValidationFailed | CardGatewayUnavailable) -> dict[str, list[str]]:
    problems = dict(failure.fields or {}) or {"card": [failure.message]}
    return {name: [_(text) for text in texts] for name, texts in problems.items()}


@router.get("/account/billing")
async def billing_page(request: Request, viewer: CustomerViewer) -> Response:
    return await _render(request, viewer)


@router.post("/account/billing/setup")
async def start_setup(request: Request, viewer: CustomerViewer) -> Response:
    """Add or replace a card with Stripe: open a SetupIntent and show Stripe's card form (live mode)."""
    await kit.form_fields(request, PORTAL)
    if _stripe_key(request, viewer) is None:  # the test environment adds a test card; live needs Stripe
        return await _render(
            request, viewer, status=422, errors={"card": [_("Cards cannot be saved here: no payment gateway.")]}
        )
    try:
        setup = await billing.start_card_setup(get_runtime(request).db, viewer.principal, _customer_id(viewer))
    except (ValidationFailed, CardGatewayUnavailable) as failure:
        return await _render(request, viewer, status=failure.status, errors=_refused(failure))
    return await _render(request, viewer, setup=setup)


@router.post("/account/billing/card")
async def finish_setup(request: Request, viewer: CustomerViewer) -> Response:
    """The browser confirmed the SetupIntent with Stripe: read it back from Stripe, save its card."""
    fields = await kit.form_fields(request, PORTAL)
    try:
        kit.required(fields, "setup_intent")
        await billing.finish_card_setup(
            get_runtime(request).db, viewer.principal, _customer_id(viewer), fields["setup_intent"]
        )
    except kit.FormError:
        return await _render(request, viewer, status=422, errors={"card": [_("Enter your card in the form.")]})
    except (ValidationFailed, CardGatewayUnavailable) as failure:
        return await _render(request, viewer, status=failure.status, errors=_refused(failure))
    return kit.redirect(PAGE, notice_key="card_saved")


@router.post("/account/billing/test-card")
async def add_test_card(request: Request, viewer: CustomerViewer) -> Response:
    """The test environment: save one of the test gateway's cards through the same card setup."""
    fields = await kit.form_fields(request, PORTAL)
    try:
        kit.required(fields, "card")
        await billing.add_test_card(get_runtime(request).db, viewer.principal, _customer_id(viewer), fields["card"])
    except kit.FormError:
        return await _render(request, viewer, status=422, errors={"card": [_("Choose a test card.")]})
    except (ValidationFailed, CardGatewayUnavailable) as failure:
        return await _render(request, viewer, status=failure.status, errors=_refused(failure), values=fields)
    return kit.redirect(PAGE, notice_key="card_saved")


@router.post("/account/billing/cards/{method_id}/remove")
async def remove_card(request: Request, viewer: CustomerViewer, method_id: PathId) -> Response:
    """Remove the saved card (another customer's → the 404 page): the gateway forgets it too."""
    await kit.form_fields(request, PORTAL)
    async with get_runtime(request).db.transaction() as session:
        await billing.remove_card(session, viewer.principal, _customer_id(viewer), method_id)
    return kit.redirect(PAGE, notice_key="card_removed")
