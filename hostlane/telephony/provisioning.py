"""Lines sold as catalogue products: the ``telephony`` provisioning module.

A product whose module is ``telephony`` names an entity (its combinedId, ``name@server-uuid``) and a template.
Provisioning its service makes a line on the entity's next free number, named after the customer; suspending
the service suspends the line (its SIP account stops registering); unsuspending restores it; terminating,
expiring or cancelling removes it. Each is a change of Hostlane's own rows, and the PBX follows through the
line's job, as for a line made over XCI.

The module lives here, above the drivers, because what it provisions is this domain's; the job registry
(``hostlane.tasks``) registers it beside the drivers' modules. Each call is safe to run twice: a service has at most
one line (a unique index), found again by the service's id.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core.db import Database
from hostlane.core.errors import HostlaneError, Taken
from hostlane.customers import service as customers
from hostlane.drivers.errors import DriverError
from hostlane.drivers.provisioning import ConnectionCheck, ServerTarget, ServiceContext
from hostlane.identity import audit
from hostlane.models import PbxLine
from hostlane.telephony import repository as repo
from hostlane.telephony import service as telephony
from hostlane.telephony.errors import LineNotFound, NoFreeNumber
from hostlane.telephony.schemas import LineCreate, Operator

Row = dict[str, Any]
# A concurrent line may take the free number found first; the next one is tried, this many times at most.
NUMBER_ATTEMPTS = 5


class TelephonyLineConfig(BaseModel):
    """The product's module options. Both start empty (a product switched to this module starts from these
    defaults); a service of a product that names no entity or template fails to provision, saying so."""

    model_config = ConfigDict(extra="forbid")

    entity: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    template: Annotated[int, Field(ge=1)] | None = None


def _line_data(line: PbxLine, entity_key: str) -> Row:
    """What the service remembers of its line (never its SIP secret)."""
    return {
        "line_id": line.id,
        "entity": entity_key,
        "number": line.internal_number,
        "sip_username": line.sip_username,
        "provisioning_code": line.provisioning_code,
    }


async def provision_line(
    session: AsyncSession, *, service_id: int, customer_id: int, livemode: bool, entity_key: str, template_id: int
) -> Row:
    """The service's line: the one it already has, or a new one on the entity's next free number, named after
    the customer. 404-like errors name the entity or template; an entity with no number left is a 409."""
    existing = await repo.line_of_service(session, service_id)
    if existing is not None:
        return _line_data(existing, entity_key)
    operator = Operator.system(livemode=livemode)
    customer = await customers.get_customer(session, operator.principal, customer_id)
    first_name = str(customer.get("firstname") or "").strip() or f"Customer {customer_id}"
    last_name = str(customer.get("lastname") or "").strip()
    for _ in range(NUMBER_ATTEMPTS):
        free = await telephony.available_numbers(session, operator, entity_key, limit=1)
        if not free:
            raise NoFreeNumber(f"The entity {entity_key} has no free number left.")
        data = LineCreate(
            entity_key=entity_key,
            template_id=template_id,
            first_name=first_name[:128],
            last_name=last_name[:128],
            internal_number=free[0],
            email=customer.get("email"),
        )
        try:
            line = await telephony.create_line(session, operator, data, service_id=service_id)
        except Taken as taken:
            if "internal_number" in taken.fields:
                continue  # another line took it since: the next free number
            raise
        found = await repo.line_of_service(session, service_id)
        assert found is not None and found.id == line["id"]
        return _line_data(found, entity_key)
    raise NoFreeNumber(f"No free number of the entity {entity_key} could be taken; try again.")


async def suspend_line(session: AsyncSession, *, service_id: int, suspended: bool) -> None:
    """Suspend or restore the service's line (the PBX follows by a job)."""
    line = await repo.line_of_service(session, service_id)
    if line is None:
        raise LineNotFound(f"The service {service_id} has no telephone line.")
    await telephony.set_line_suspended(session, line, suspended=suspended)
    action = "pbx_line.suspend" if suspended else "pbx_line.unsuspend"
    audit.record(session, Operator.system(livemode=line.livemode).principal, action, "pbx_line", line.id)


async def remove_line(session: AsyncSession, *, service_id: int) -> None:
    """Delete the service's line, if it still has one (the PBX account goes by a job)."""
    line = await repo.line_of_service(session, service_id)
    if line is not None:
        await telephony.delete_line(session, Operator.system(livemode=line.livemode), line.id)


class TelephonyLineModule:
    name = "telephony"
    description = "A telephone line on a PBX server: the next free number of an entity, set up by a line template."
    config_schema: type[BaseModel] = TelephonyLineConfig
    # Its lines are live rows on real PBX servers: test mode provisions on the simulator instead.
    reaches_outside = True
    uses_servers = False

    @staticmethod
    def _database(service: ServiceContext) -> Database:
        if service.database is None:
            raise DriverError("the telephony module needs Hostlane's database in its context")
        return service.database

    async def test_connection(self, server: ServerTarget) -> ConnectionCheck:
        return ConnectionCheck(False, f"The {self.name} module does not run on provisioning servers.")

    async def create(self, service: ServiceContext) -> dict[str, Any]:
        config = TelephonyLineConfig.model_validate(service.config)
        if config.entity is None or config.template is None:
            raise DriverError("the product's telephony options name no entity or no template")
        try:
            async with self._database(service).transaction() as session:
                return await provision_line(
                    session,
                    service_id=service.service_id,
                    customer_id=service.customer_id,
                    livemode=service.livemode,
                    entity_key=config.entity,
                    template_id=config.template,
                )
        except HostlaneError as exc:
            raise DriverError(f"telephony: {exc.message}") from exc

    async def _suspend(self, service: ServiceContext, *, suspended: bool) -> None:
        try:
            async with self._database(service).transaction() as session:
                await suspend_line(session, service_id=service.service_id, suspended=suspended)
        except HostlaneError as exc:
            raise DriverError(f"telephony: {exc.message}") from exc

    async def suspend(self, service: ServiceContext) -> None:
        await self._suspend(service, suspended=True)

    async def unsuspend(self, service: ServiceContext) -> None:
        await self._suspend(service, suspended=False)

    async def terminate(self, service: ServiceContext) -> None:
        async with self._database(service).transaction() as session:
            await remove_line(session, service_id=service.service_id)
