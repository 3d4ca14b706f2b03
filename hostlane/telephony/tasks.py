"""Jobs of telephony: bring a PBX account in line with the database, configure a server, push every line again.

Each is safe to run twice: it reads the current state and puts it on the PBX (``put_line`` replaces,
``delete_line`` of an absent account is done). A driver's transient failure raises ``RetryLater`` and the runner
retries it later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from hostlane.core import clock
from hostlane.drivers.pbx import LineAccount, PbxTarget, Voicemail
from hostlane.jobs.registry import Attempt, handler
from hostlane.models import CallerIdMode, LineTemplate, PbxEntity, PbxLine, PbxServer, VoicemailNumberMode
from hostlane.telephony import repository as repo
from hostlane.telephony import service as telephony

if TYPE_CHECKING:
    from hostlane.runtime import Runtime

_BATCH = 500


def target(server: PbxServer) -> PbxTarget:
    return PbxTarget(uuid=server.uuid, name=server.name, host=server.host)


def account(line: PbxLine, template: LineTemplate, entity: PbxEntity) -> LineAccount:
    """The line as the PBX needs it: credentials, number, caller id, ringing time and voicemail."""
    external = telephony.external_number(
        {
            "routed_inbound": template.routed_inbound,
            "inbound_prefix": template.inbound_prefix,
            "internal_number": line.internal_number,
        }
    )
    if template.caller_id_mode is CallerIdMode.ANONYMOUS:
        caller_id = None
    elif template.caller_id_mode is CallerIdMode.CUSTOM:
        caller_id = template.custom_caller_id
    else:
        caller_id = external or entity.presented_number or line.internal_number
    custom_voicemail = template.voicemail_number_mode is VoicemailNumberMode.CUSTOM
    return LineAccount(
        username=line.sip_username,
        secret=line.sip_secret,
        number=line.internal_number,
        display_name=f"{line.first_name} {line.last_name}".strip(),
        caller_id=caller_id,
        external_number=external,
        ringing_seconds=template.ringing_seconds,
        voicemail=Voicemail(
            enabled=template.voicemail_enabled,
            number=template.voicemail_custom_number if custom_voicemail else None,
            send_email=template.voicemail_send_email,
            email=line.email,
        ),
        enabled=not line.suspended,
    )


async def _account_of(session: AsyncSession, line_id: int) -> tuple[PbxTarget, LineAccount, bool] | None:
    found = await repo.provisioning_context(session, line_id)
    if found is None:
        return None
    line, template, entity, server = found
    return target(server), account(line, template, entity), server.livemode


@handler(telephony.SYNC_ACCOUNT_JOB)
async def sync_account(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Make the PBX account ``username`` of the server match the database: the line that holds that SIP name now,
    or no account at all (its line was deleted, or renamed)."""
    server_id, username = int(payload["server_id"]), str(payload["username"])
    async with runtime.db.reader() as session:
        server = await repo.server_by_id(session, server_id)
        if server is None:
            return
        line_id = await repo.line_by_account(session, server_id, username)
        found = await _account_of(session, line_id) if line_id is not None else None
    pbx = runtime.drivers(server.livemode).pbx
    if found is None:
        await pbx.delete_line(target(server), username)
    else:
        await pbx.put_line(found[0], found[1])


@handler(telephony.CONFIGURE_SERVER_JOB)
async def configure_server(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    server_id = int(payload["server_id"])
    async with runtime.db.reader() as session:
        server = await repo.server_by_id(session, server_id)
    if server is None:
        return
    await runtime.drivers(server.livemode).pbx.configure_server(target(server))
    async with runtime.db.transaction() as session:
        await repo.mark_configured(session, server_id, clock.now())


@handler(telephony.SYNCHRONIZE_JOB)
async def synchronize(runtime: Runtime, payload: dict[str, Any], attempt: Attempt) -> None:
    """Push every line of every server of one mode again, in batches (a retry pushes them all again: each
    push replaces the account with the same state)."""
    livemode = bool(payload.get("livemode", True))
    async with runtime.db.reader() as session:
        server_ids = await repo.server_ids(session, livemode)
    pbx = runtime.drivers(livemode).pbx
    for server_id in server_ids:
        after = 0
        while True:
            async with runtime.db.reader() as session:
                line_ids = await repo.line_ids_of_server(session, server_id, after=after, limit=_BATCH)
                accounts = [found for i in line_ids if (found := await _account_of(session, i)) is not None]
            for server_target, line_account, _ in accounts:
                await pbx.put_line(server_target, line_account)
            if len(line_ids) < _BATCH:
                break
            after = line_ids[-1]
