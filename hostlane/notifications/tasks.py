"""The mail job: load what the template speaks of, render it, send it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
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


def _items(row: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"description": item["description"], "linetotal": format_amount(item["linetotal_minor"], row["currency"])}
        for item in row.get("items", [])
    ]


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
                customer_id = invoice["customer_id"]
            else:
                service = await services.get_service(session, principal, int(payload["service_id"]))
                context["service"] = {"name": service["name"], "suspend_reason": service["suspend_reason"]}
                customer_id = service["customer_id"]
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
