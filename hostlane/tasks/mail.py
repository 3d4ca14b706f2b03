"""The mail job: load what the template speaks of, render it, send it.

It reads invoices, tickets, services and customers, so it sits above those domains (in the job registry);
queuing a mail (``notifications.service.queue``) is the lower call the domains make.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hostlane.billing import service as billing
from hostlane.core.errors import NotFound
from hostlane.core.money import format_amount
from hostlane.customers import service as customers
from hostlane.drivers import mail
from hostlane.identity.principal import Principal
from hostlane.jobs import outbox
from hostlane.jobs.registry import Attempt, handler
from hostlane.notifications import service as notifications
from hostlane.services import service as services
from hostlane.support import service as support

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hostlane.runtime import Runtime


def _invoice(row: dict[str, Any]) -> dict[str, Any]:
    currency = row["currency"]
    return {
        "number": row["number"],
        "currency": currency,
        "duedate": row["duedate"].isoformat(),
        "total": format_amount(row["total_minor"], currency),
        "credit": format_amount(row["credit_minor"], currency),
    }


def _pay_url(runtime: Runtime, invoice: dict[str, Any]) -> str | None:
    """Where the customer pays the invoice in the portal: on the configured public address, or for a test-mode
    invoice on the first test host (the test environment's portal). None when no address is configured."""
    public = runtime.settings.public_url
    if public is None:
        return None
    base = public.rstrip("/")
    test_hosts = runtime.settings.test_hosts
    if not invoice["livemode"] and test_hosts:
        base = f"{urlsplit(public).scheme}://{test_hosts[0]}"
    return f"{base}/portal/invoices/{invoice['id']}"


def _items(row: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"description": item["description"], "linetotal": format_amount(item["linetotal_minor"], row["currency"])}
        for item in row.get("items", [])
    ]


async def _ticket_context(
    session: AsyncSession, principal: Principal, payload: dict[str, Any], context: dict[str, Any]
) -> int:
    """A ticket (and the reply) the mail is about; bodies go in as values, never as template source."""
    if "reply_id" in payload:
        reply = await support.get_reply(session, principal, int(payload["reply_id"]))
        context["reply"] = {"name": reply["name"], "body": reply["body"]}
        ticket_id = reply["ticket_id"]
    else:
        ticket_id = int(payload["ticket_id"])
    ticket = await support.get_ticket(session, principal, ticket_id, with_replies=False)
    context["ticket"] = {key: ticket[key] for key in ("number", "subject", "body", "deptname")}
    return int(ticket["customer_id"])


@handler(notifications.MAIL_JOB)
async def send(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    template = str(payload["template"])
    principal = Principal.system(livemode=bool(payload.get("livemode", True)))
    context: dict[str, Any] = {"suspend_days": runtime.settings.suspend_days_after_due}
    try:
        async with runtime.db.reader() as session:
            if "invoice_id" in payload:
                invoice = await billing.get_invoice(session, principal, int(payload["invoice_id"]))
                context["invoice"], context["items"] = _invoice(invoice), _items(invoice)
                context["pay_url"] = _pay_url(runtime, invoice)
                customer_id = invoice["customer_id"]
            elif "reply_id" in payload or "ticket_id" in payload:
                customer_id = await _ticket_context(session, principal, payload, context)
            elif "service_id" in payload:
                service = await services.get_service(session, principal, int(payload["service_id"]))
                context["service"] = {"name": service["name"], "suspend_reason": service["suspend_reason"]}
                customer_id = service["customer_id"]
            else:  # about the account itself: a suspension, a verification or reset link …
                customer_id = int(payload["customer_id"])
                context["account"] = await customers.account_mail(
                    session, principal, customer_id, template, secret=runtime.settings.secret_key
                )
                # Where the account's links point: the configured public address, else the one the request came to.
                context["account"]["base_url"] = runtime.settings.public_url or str(payload.get("origin") or "")
            customer = await customers.get_customer(session, principal, customer_id)
    except NotFound:
        return  # deleted since: nothing to say
    context["customer"] = {"firstname": customer["firstname"], "lastname": customer["lastname"]}
    subject, body = notifications.render(template, context)
    name = f"{customer['firstname']} {customer['lastname']}".strip()
    await mail.transport(runtime.settings.smtp_url).send(
        notifications.message(to=customer["email"], to_name=name, subject=subject, body=body)
    )


@handler(notifications.FAN_OUT_JOB)
async def fan_out(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Queue one mail job per invoice, all in one transaction (so a retry never queues twice)."""
    template, livemode = str(payload["template"]), bool(payload["livemode"])
    async with runtime.db.transaction() as session:
        await outbox.enqueue_many(
            session,
            notifications.MAIL_JOB,
            [
                {"template": template, "livemode": livemode, "invoice_id": int(invoice_id)}
                for invoice_id in payload["invoice_ids"]
            ],
        )
