"""Demo data for ``make run``: loaded once, with credentials derived from the instance's secret key.

The credentials are derived (not stored), so every ``make run`` can print them again while the
database keeps only their hashes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.billing import coupons
from hostlane.billing import service as billing
from hostlane.billing.coupon_schemas import CouponCreate, CouponValueIn
from hostlane.billing.schemas import InvoiceCreate, InvoiceLineIn, PaymentIn
from hostlane.catalog import service as catalog
from hostlane.catalog.schemas import GroupCreate, PricingCreate, ProductCreate
from hostlane.core import clock, money
from hostlane.core.pagination import ListQuery
from hostlane.core.passwords import derived_secret, hash_secret
from hostlane.customers import service as customers
from hostlane.customers import sessions as customer_sessions
from hostlane.customers.schemas import CustomerCreate
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.models import (
    FIRST_PAYMENT,
    ActionStatus,
    BillingCycle,
    CouponType,
    PartnerIntegration,
    ProjectStatus,
    ServiceStatus,
    Visibility,
)
from hostlane.network import service as network
from hostlane.network.schemas import AddressAssign, PduCreate, PoolCreate, PortAssign
from hostlane.partners import service as partners
from hostlane.partners.schemas import Environment, IntegrationCreate
from hostlane.projects import service as projects
from hostlane.projects.schemas import (
    ActionCreate,
    FileCreate,
    ProjectCreate,
    TicketLinkCreate,
    TimeLogCreate,
    TopicCreate,
)
from hostlane.runtime import Runtime
from hostlane.services import cancellations, servers, subdomains
from hostlane.services import service as services
from hostlane.services.provisioning_schemas import HostCreate, ReasonCreate
from hostlane.services.provisioning_schemas import ServerCreate as ProvisioningServerCreate
from hostlane.support import service as support
from hostlane.support.schemas import DepartmentCreate, TicketOpen
from hostlane.telephony import service as telephony
from hostlane.telephony.schemas import EntityCreate, LineCreate, Operator, ServerCreate, TemplateCreate

DEMO_ADMIN_LOGIN = "admin"
DEMO_ADMIN_EMAIL = "admin@hostlane.example"
DEMO_CUSTOMER_EMAIL = "marie.dubois@example.com"
# The partner (test environment): a customer in the partner programme with a test integration of the partner API.
DEMO_PARTNER_EMAIL = "partner@signage.example"
DEMO_INTEGRATION_NAME = "Demo signage shop"
# The host name ``make run`` serves the test environment on (``hostlane serve --test-hosts``): curl and browsers
# reach any ``*.localhost`` name on the loopback address, so no /etc/hosts entry is needed.
DEMO_TEST_HOST = "test.localhost"
# The demo XiVO's UUID is fixed, so its entities' combinedIds (name@uuid) can be typed in the README's examples.
DEMO_XIVO_UUID = "3c6d8f2a-51b7-4e0c-9a4d-7b2e1f0c5d93"


@dataclass(frozen=True)
class DemoCredentials:
    admin_login: str
    admin_email: str
    admin_password: str
    api_key: str
    test_api_key: str
    customer_email: str
    customer_password: str
    partner_email: str
    partner_password: str
    partner_client_id: str
    partner_client_secret: str

    @property
    def admin_md5(self) -> str:
        """What wbTeamPro's API takes as the administrator's password."""
        return hashlib.md5(self.admin_password.encode()).hexdigest()  # noqa: S324 - the document's login

    def describe(self, base_url: str = "http://127.0.0.1:8000", test_host: str | None = None) -> str:
        """The banner ``hostlane demo`` prints; ``test_host``: the name the server serves the test environment on
        (the partner's integration is a test one: its credentials get a token there only)."""
        test_url = _on_host(base_url, test_host) if test_host else None
        partner = (
            [
                f"  partner (test env.)      {self.partner_email} / {self.partner_password}"
                f"   (client area: {test_url}/portal/)",
                f"  partner API clientId     {self.partner_client_id}   (test environment)",
                f"  partner API secret       {self.partner_client_secret}",
                f"  partner API (test)       {test_url}/api/platform",
                f'  try: curl -u "{self.partner_client_id}:{self.partner_client_secret}" '
                f"-d grant_type=client_credentials {test_url}/api/platform/authorize/access_token",
            ]
            if test_url
            else [
                f"  partner (test env.)      {self.partner_email} / {self.partner_password}",
                f"  partner API clientId     {self.partner_client_id}   (test environment)",
                f"  partner API secret       {self.partner_client_secret}",
                "  (the test environment is served on the HOSTLANE_TEST_HOSTS names: none is set)",
            ]
        )
        return "\n".join(
            [
                "Hostlane demo credentials",
                f"  administrator            {self.admin_login} / {self.admin_email}",
                f"  administrator password   {self.admin_password}",
                f"  wbTeamPro API password   {self.admin_md5}   (the MD5 of the administrator password)",
                f"  application API key      {self.api_key}   (live mode, every permission)",
                f"  test-mode API key        {self.test_api_key}   (test mode, every permission)",
                f"  API documentation        {base_url}/api/documentation",
                f"  client-area customer     {self.customer_email} / {self.customer_password}",
                f"  client area (browser)    {base_url}/portal/   (log in as the customer)",
                f"  admin panel (browser)    {base_url}/admin/   (log in as the administrator)",
                f'  try: curl -H "Authorization: Bearer {self.api_key}" {base_url}/api/application/health',
                f'       curl -u "{self.customer_email}:{self.customer_password}" {base_url}/api/tickets',
                *partner,
            ]
        )


def _on_host(base_url: str, host: str) -> str:
    """``base_url`` (``http://127.0.0.1:8000``) with the host name ``host`` instead: the same server and port."""
    scheme, _, rest = base_url.partition("://")
    port = rest.rsplit(":", 1)[1] if ":" in rest and not rest.endswith("]") else ""
    return f"{scheme}://{host}{f':{port}' if port else ''}"


def demo_credentials(secret_key: str) -> DemoCredentials:
    def key(mode: str) -> str:
        return (
            f"hl_{mode}_{derived_secret(secret_key, f'demo-{mode}-key-id', 8)}"
            f"{derived_secret(secret_key, f'demo-{mode}-key-secret', 40)}"
        )

    return DemoCredentials(
        admin_login=DEMO_ADMIN_LOGIN,
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=derived_secret(secret_key, "demo-admin-password", 16),
        api_key=key("live"),
        test_api_key=key("test"),
        customer_email=DEMO_CUSTOMER_EMAIL,
        customer_password=derived_secret(secret_key, "demo-customer-password", 16),
        partner_email=DEMO_PARTNER_EMAIL,
        partner_password=derived_secret(secret_key, "demo-partner-password", 16),
        partner_client_id=derived_secret(secret_key, "demo-partner-client-id", partners.CLIENT_ID_LENGTH),
        partner_client_secret=derived_secret(secret_key, "demo-partner-client-secret", partners.CLIENT_SECRET_LENGTH),
    )


async def load_demo(runtime: Runtime, secret_key: str) -> DemoCredentials:
    """Create the demo administrator, keys, catalogue and customers unless they exist."""
    credentials = demo_credentials(secret_key)
    system = Principal.system()
    async with runtime.db.transaction() as session:
        if await identity.administrator_by_email(session, DEMO_ADMIN_EMAIL) is None:
            await identity.create_administrator(
                session,
                system,
                login=DEMO_ADMIN_LOGIN,
                email=DEMO_ADMIN_EMAIL,
                password=credentials.admin_password,
                name="Demo Administrator",
                super_admin=True,
            )
            for livemode, text in ((True, credentials.api_key), (False, credentials.test_api_key)):
                await identity.create_api_key(
                    session,
                    system,
                    name=f"demo ({'live' if livemode else 'test'})",
                    admin_email=DEMO_ADMIN_EMAIL,
                    permission_names=["*"],
                    livemode=livemode,
                    plaintext=text,
                )
            line_product = await _load_telephony(session)
            for livemode in (True, False):
                await _load_business(
                    session, Principal.system(livemode=livemode), credentials.customer_password, line_product
                )
        if await customers.by_email(session, False, DEMO_PARTNER_EMAIL) is None:
            await _load_partner(session, credentials)
    return credentials


async def _load_partner(session: AsyncSession, credentials: DemoCredentials) -> None:
    """The partner of the test environment and its test integration. The integration is named through the
    partners domain, then given the clientId and secret derived from the secret key (only the secret's hash is
    kept), so that every ``make run`` prints the same ones."""
    principal = Principal.system(livemode=False)
    partner = await customers.create_customer(
        session,
        principal,
        CustomerCreate(
            email=DEMO_PARTNER_EMAIL,
            firstname="Sam",
            lastname="Reseller",
            companyname="Signage Partners Ltd",
            country="GB",
            currency="EUR",
            verified=True,
            partner=True,
            password=credentials.partner_password,
        ),
    )
    issued = await partners.create_integration(
        session,
        principal,
        partner["id"],
        IntegrationCreate(name=DEMO_INTEGRATION_NAME, environment=Environment.TEST),
    )
    integration = await session.get(PartnerIntegration, issued.integration["id"])
    assert integration is not None
    integration.client_id = credentials.partner_client_id
    integration.secret_hash = hash_secret(credentials.partner_client_secret)
    await session.flush()


async def _load_projects(session: AsyncSession, principal: Principal, service_id: int) -> None:
    """Project 1: a mail migration for the first customer's first service, with three actions, a topic and its
    reply, a file, time logs (two billable) and the customer's first ticket linked to it."""
    service = await services.get_service(session, principal, service_id)
    customer_id = int(service["customer_id"])
    admin = await identity.administrator_by_email(session, DEMO_ADMIN_EMAIL)
    admin_ids = [admin.id] if admin is not None else []
    today = clock.today()
    project = await projects.create_project(
        session,
        principal,
        ProjectCreate(
            title="Mail migration",
            description="Move the 40 mailboxes of Atelier Dubois to the new platform.",
            customer_id=customer_id,
            service_id=service_id,
            status=ProjectStatus.ACTIVE,
            started_on=today - timedelta(days=3),
            due_on=today + timedelta(days=11),
            administrator_ids=admin_ids,
        ),
    )
    actions = []
    for position, (title, status) in enumerate(
        (
            ("Inventory the mailboxes", ActionStatus.COMPLETED),
            ("Copy the mail", ActionStatus.IN_PROGRESS),
            ("Switch the MX records", ActionStatus.PENDING),
        ),
        1,
    ):
        actions.append(
            await projects.create_action(
                session,
                principal,
                ActionCreate(
                    project_id=project["id"],
                    title=title,
                    status=status,
                    position=position,
                    assignee_id=admin_ids[0] if admin_ids else None,
                ),
            )
        )
    topic = await projects.create_topic(
        session, principal, TopicCreate(project_id=project["id"], title="Cutover window", body="Friday 22:00?")
    )
    await projects.create_topic(
        session, principal, TopicCreate(thread_id=topic["id"], title="Re: Cutover window", body="Friday suits us.")
    )
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    for action, hours_ago, hours, billable in (
        (actions[0], 50, 2, True),
        (actions[1], 26, 3, True),
        (actions[1], 4, 1, False),
    ):
        await projects.create_time_log(
            session,
            principal,
            TimeLogCreate(
                action_id=action["id"],
                administrator_id=admin_ids[0] if admin_ids else None,
                description=action["title"],
                started_at=now - timedelta(hours=hours_ago),
                ended_at=now - timedelta(hours=hours_ago - hours),
                rate_minor=6000,
                billable=billable,
            ),
        )
    await projects.create_file(
        session,
        principal,
        FileCreate(
            project_id=project["id"],
            action_id=actions[1]["id"],
            name="migration-plan.txt",
            description="The order of the mailboxes",
            content_type="text/plain",
            data=b"1. contact@  2. marie@  3. atelier@\n",
        ),
    )
    tickets = await support.list_tickets(session, principal, ListQuery(filters={"customer_id": str(customer_id)}))
    if tickets.items:
        await projects.create_ticket_link(
            session, principal, TicketLinkCreate(ticket_id=tickets.items[0]["id"], project_id=project["id"])
        )


# (group, slug, [(product, description, module, stock, {currency: {cycle: price, "setup_<cycle>": fee}})])
CATALOGUE: list[tuple[str, str, list[tuple[str, str, str, int, dict[str, dict[str, str]]]]]] = [
    (
        "Web Hosting",
        "web-hosting",
        [
            (
                "Shared Hosting Starter",
                "1 site, 10 GB SSD, free TLS certificate, daily backups.",
                "simulator",
                -1,
                {"EUR": {"monthly": "4.99", "annually": "49.90"}, "USD": {"monthly": "5.49", "annually": "54.90"}},
            ),
            (
                "Shared Hosting Pro",
                "Unlimited sites, 100 GB NVMe, staging, SSH access.",
                "simulator",
                -1,
                {"EUR": {"monthly": "12.99", "annually": "129.90"}, "USD": {"monthly": "13.99", "annually": "139.90"}},
            ),
        ],
    ),
    (
        "Dedicated Servers",
        "dedicated-servers",
        [
            (
                "Dedicated Server DS-1",
                "Xeon E-2388G, 64 GB ECC, 2 x 1 TB NVMe, 1 Gbit/s, IPMI.",
                "simulator",
                8,
                {
                    "EUR": {"monthly": "89.00", "setup_monthly": "49.00", "annually": "979.00"},
                    "USD": {"monthly": "99.00", "setup_monthly": "59.00", "annually": "1089.00"},
                },
            ),
        ],
    ),
    (
        "Telephony",
        "telephony",
        [
            (
                "SIP Line",
                "One SIP account with a geographic number, voicemail and call recording.",
                "telephony",
                -1,
                {
                    "EUR": {"monthly": "6.50", "setup_monthly": "10.00"},
                    "USD": {"monthly": "7.00", "setup_monthly": "12.00"},
                },
            ),
        ],
    ),
    (
        "Digital Signage",
        "digital-signage",
        [
            (
                "Signage CMS Instance",
                "A hosted digital-signage CMS with 10 display licences.",
                "simulator",
                -1,
                {"EUR": {"monthly": "24.00", "annually": "240.00"}, "USD": {"monthly": "26.00", "annually": "260.00"}},
            ),
        ],
    ),
]

# Products on the partners' price list (``GET /api/platform/products``): their ``partner_catalogue`` metadata.
PARTNER_PRODUCTS = {"Signage CMS Instance": {catalog.PARTNER_CATALOGUE_KEY: "plan"}}

# (email, first, last, company, country, currency, [(product index, cycle, final status)])
CUSTOMERS: list[tuple[str, str, str, str | None, str, str, list[tuple[int, str, ServiceStatus]]]] = [
    (
        "marie.dubois@example.com",
        "Marie",
        "Dubois",
        "Atelier Dubois",
        "FR",
        "EUR",
        [(0, "monthly", ServiceStatus.ACTIVE), (3, "monthly", ServiceStatus.ACTIVE)],
    ),
    (
        "james.carter@example.com",
        "James",
        "Carter",
        "Carter Logistics Ltd",
        "GB",
        "EUR",
        [(2, "monthly", ServiceStatus.SUSPENDED)],
    ),
    ("ana.silva@example.com", "Ana", "Silva", None, "PT", "EUR", [(4, "annually", ServiceStatus.PENDING)]),
    (
        "mike.chen@example.com",
        "Mike",
        "Chen",
        "Chen Retail Inc",
        "US",
        "USD",
        [(1, "annually", ServiceStatus.ACTIVE), (0, "monthly", ServiceStatus.TERMINATED)],
    ),
]
PATHS = {
    ServiceStatus.PENDING: [],
    ServiceStatus.ACTIVE: [ServiceStatus.ACTIVE],
    ServiceStatus.SUSPENDED: [ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED],
    ServiceStatus.TERMINATED: [ServiceStatus.ACTIVE, ServiceStatus.TERMINATED],
}


async def _load_telephony(session: AsyncSession) -> dict[str, Any]:
    """A XiVO (live mode: XCI's administrators act there) with two entities, a template available on it, and a
    line of the first entity. Returns the options of the catalogue's line product: it sells lines of the
    second entity, ``retail``, on its next free number."""
    operator = Operator.system()
    server = await telephony.create_server(
        session,
        operator,
        ServerCreate(name="xivo-demo", host="pbx.hostlane.example", uuid=DEMO_XIVO_UUID, configure=True),
    )
    atelier = await telephony.create_entity(
        session,
        operator,
        EntityCreate.model_validate(
            {
                "name": "atelier-dubois",
                "display_name": "Atelier Dubois",
                "server_id": server["id"],
                "intervals": [{"first": "1700", "last": "1749"}, {"first": "1799"}],
                "presented_number": "0140001700",
            }
        ),
    )
    retail = await telephony.create_entity(
        session,
        operator,
        EntityCreate.model_validate(
            {
                "name": "retail",
                "display_name": "Lines sold in the catalogue",
                "server_id": server["id"],
                "intervals": [{"first": "3100", "last": "3199"}],
            }
        ),
    )
    template = await telephony.create_template(
        session,
        operator,
        TemplateCreate.model_validate(
            {
                "name": "Desk phone",
                "server_ids": [server["id"]],
                "ringing_seconds": 25,
                "routed_inbound": True,
                "inbound_prefix": "01400",
                "voicemail_enabled": True,
                "voicemail_send_email": True,
            }
        ),
    )
    await telephony.create_line(
        session,
        operator,
        LineCreate(
            entity_key=atelier["key"],
            template_id=template["id"],
            first_name="Marie",
            last_name="Dubois",
            internal_number="1700",
            email=DEMO_CUSTOMER_EMAIL,
        ),
    )
    return {"entity": retail["key"], "template": template["id"]}


async def _load_provisioning(session: AsyncSession, principal: Principal, seed: str) -> None:
    """A provisioning server of the simulated module (the demo's services are placed on it as they are activated),
    the reasons a customer may give for a cancellation, and a domain customers may take a free subdomain of."""
    await servers.create_server(
        session,
        principal,
        ProvisioningServerCreate(
            name="node-paris-01",
            module="simulator",
            hostname="node-paris-01.hostlane.example",
            address="192.0.2.10",
            port=8443,
            username="hostlane",
            password=derived_secret(seed, "demo-provisioning-server", 20),  # never shown: sealed, for the simulator
            max_accounts=50,
        ),
    )
    for reason in ("Too expensive", "Moving to another provider", "No longer needed"):
        await cancellations.create_reason(session, principal, ReasonCreate(reason=reason, status=Visibility.ACTIVE))
    await subdomains.create_host(session, principal, HostCreate(domain="hostlane-sites.example"))


async def _load_business(
    session: AsyncSession, principal: Principal, customer_password: str, line_product: dict[str, Any]
) -> None:
    """The catalogue in both currencies (its SIP line sells lines of the demo XiVO's ``retail`` entity), customers
    with services in several states, support departments with a ticket, the first customer's first service with
    addresses, reverse DNS and a PDU outlet, and her invoices: one to pay and account credit that covers it."""
    await _load_provisioning(session, principal, customer_password)
    products: list[tuple[dict[str, Any], dict[str, dict[str, str]]]] = []
    for order, (group_name, slug, items) in enumerate(CATALOGUE):
        group = await catalog.create_group(
            session,
            principal,
            GroupCreate(name=group_name, slug=slug, description=f"{group_name} plans.", sort_order=order),
        )
        for position, (name, description, module, stock, prices) in enumerate(items):
            product = await catalog.create_product(
                session,
                principal,
                ProductCreate(
                    name=name,
                    description=description,
                    group_id=group["id"],
                    type=module,
                    config=line_product if module == "telephony" else {},
                    metadata=PARTNER_PRODUCTS.get(name, {}),
                    stock=stock,
                    sort_order=position,
                ),
            )
            for currency, cycles in prices.items():
                await catalog.create_pricing(
                    session,
                    principal,
                    PricingCreate.model_validate({"product_id": product["id"], "currency": currency, **cycles}),
                )
            products.append((product, prices))
    await _load_coupon(session, principal)
    today = clock.today()
    first_service: int | None = None
    for email, first, last, company, country, currency, owned in CUSTOMERS if principal.livemode else CUSTOMERS[:1]:
        customer = await customers.create_customer(
            session,
            principal,
            CustomerCreate(
                email=email,
                firstname=first,
                lastname=last,
                companyname=company,
                country=country,
                currency=currency,
                verified=True,
                password=customer_password if email == DEMO_CUSTOMER_EMAIL else None,
            ),
        )
        for index, cycle, final in owned:
            product, prices = products[index]
            service = await services.create_service(
                session,
                principal,
                customer=customer,
                product=product,
                billing=BillingCycle(cycle),
                currency=currency,
                price_minor=money.to_minor(prices[currency][cycle], currency),
                next_due_date=today + timedelta(days=30 if cycle == "monthly" else 365),
            )
            for target in PATHS[final]:
                reason = "Overdue invoice" if target is ServiceStatus.SUSPENDED else None
                await services.transition(session, principal, service.id, target, reason=reason)
            if email == DEMO_CUSTOMER_EMAIL and first_service is None:
                first_service = service.id
    if first_service is not None:
        await _load_support_and_network(session, principal, first_service)
        await _load_invoices(session, principal, first_service)
        if principal.livemode:
            await _load_projects(session, principal, first_service)


# The demo coupon: 10 % off the first payment of any product, in both currencies, for every cycle.
DEMO_COUPON = "WELCOME10"


async def _load_coupon(session: AsyncSession, principal: Principal) -> None:
    ten = {cycle: Decimal(10) for cycle in ("monthly", "quarterly", "semiannually", "annually")}
    await coupons.create_coupon(
        session,
        principal,
        CouponCreate(
            code=DEMO_COUPON,
            type=CouponType.PERCENT,
            applied_month=FIRST_PAYMENT,
            is_global=True,
            values=[CouponValueIn(currency=currency, amounts=dict(ten)) for currency in ("EUR", "USD")],
        ),
    )


DEPARTMENTS = [
    ("Billing", "Invoices, payments and refunds."),
    ("Technical Support", "Servers, hosting, network and DNS."),
    ("Sales", "Questions before you order."),
]


async def _load_support_and_network(session: AsyncSession, principal: Principal, service_id: int) -> None:
    departments = [
        await support.create_department(session, principal, DepartmentCreate(name=name, description=description))
        for name, description in DEPARTMENTS
    ]
    service = await services.get_service(session, principal, service_id)
    await support.open_ticket(
        session,
        customer_sessions.customer_principal(service["customer_id"], principal.livemode, None),
        TicketOpen(
            department_id=departments[1]["id"],
            subject="Reverse DNS for my mail server",
            body="Hello, could you tell me how to set the PTR record of my server's address?",
            service_id=service_id,
        ),
    )
    v4 = await network.create_pool(
        session, principal, PoolCreate(name="Paris v4", network="192.0.2.0/24", gateway="192.0.2.1")
    )
    v6 = await network.create_pool(session, principal, PoolCreate(name="Paris v6", network="2001:db8:100::/64"))
    for pool in (v4, v6):
        await network.assign_address(session, principal, service_id, AddressAssign(pool_id=pool["id"]))
    pdu = await network.create_pdu(
        session, principal, PduCreate(name="par1-rack4-pdu-a", address="10.20.4.11", outlets=24)
    )
    await network.assign_port(session, principal, service_id, PortAssign(pdu_id=pdu["id"], outlet=7, label="PSU 1"))


async def _load_invoices(session: AsyncSession, principal: Principal, service_id: int) -> None:
    """The first customer's first invoice is unpaid and her account credit covers it (the README pays it with
    ``{"method": "credit"}``). The credit is what she overpaid by bank transfer on a later invoice: credit given
    by staff would be spent on the unpaid invoice at once."""
    customer_id = (await services.get_service(session, principal, service_id))["customer_id"]
    due = clock.today() + timedelta(days=7)
    await billing.create_manual_invoice(
        session,
        principal,
        InvoiceCreate(
            customer_id=customer_id,
            items=[InvoiceLineIn(description="Website migration from your previous host", amount=Decimal("25.00"))],
            duedate=due,
        ),
    )
    overpaid = await billing.create_manual_invoice(
        session,
        principal,
        InvoiceCreate(
            customer_id=customer_id,
            items=[InvoiceLineIn(description="Extra backup storage, 50 GB (one month)", amount=Decimal("15.00"))],
            duedate=due,
        ),
    )
    await billing.record_manual_payment(
        session,
        principal,
        overpaid["id"],
        PaymentIn(transaction_id=f"DEMO-TRANSFER-{overpaid['id']}", amount=Decimal("50.00")),
    )
