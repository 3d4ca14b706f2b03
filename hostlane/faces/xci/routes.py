"""XCI's routes under ``/api/1.0``: login and logout, XiVOs, entities, available numbers, users, templates and
administrators, as the document prints them. Each parses, calls one telephony service, and renders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from hostlane.core.formats import FormatRoute, render
from hostlane.faces.common import NO_STORE, ClientIp, PathId, ReadSession, RuntimeDep, WriteSession, parse_model
from hostlane.faces.xci import auth, inputs, wire
from hostlane.faces.xci.auth import OperatorDep
from hostlane.identity import service as identity
from hostlane.telephony import service as telephony

PREFIX = "/api/1.0"


router = APIRouter(prefix=PREFIX, tags=["xci"], route_class=FormatRoute)
CombinedId = Annotated[str, Path(description="The entity's combinedId: name@xivo-uuid", max_length=128)]


def _json(request: Request, data: Any, status: int = 200) -> Response:
    return render(request, data, status, fmt="json")


def _empty(status: int = 204) -> Response:
    return Response(status_code=status)


# Login


@router.post("/login", status_code=204, summary="Log in: sets the session cookie")
async def login(request: Request, runtime: RuntimeDep, ip: ClientIp) -> Response:
    data = await parse_model(request, inputs.LoginIn)
    admin = await identity.login_administrator(
        runtime.db, runtime.login_guard, ip=ip, login=data.login, password=data.password, directory=runtime.directory
    )
    token = await auth.sessions(runtime).open(admin.id, auth.lifetime(runtime))
    response = Response(status_code=204, headers=NO_STORE)
    auth.set_session_cookie(request, response, runtime, token)
    return response


@router.post("/logout", status_code=204, summary="Log out: ends the session")
async def logout(request: Request, runtime: RuntimeDep, operator: OperatorDep) -> Response:
    token = request.cookies.get(auth.COOKIE)
    if token:
        await auth.sessions(runtime).close(token)
    response = Response(status_code=204, headers=NO_STORE)
    auth.clear_session_cookie(request, response, runtime)
    return response


# XiVOs


@router.get("/xivo", summary="List the XiVOs")
async def list_xivos(request: Request, operator: OperatorDep, session: ReadSession) -> Response:
    rows = await telephony.list_servers(session, operator)
    return _json(request, wire.items([wire.xivo(row) for row in rows]))


@router.get(
    "/xivo/synchronize_config_files",
    status_code=202,
    response_class=Response,  # 202 with an empty body, as the document's server answers (no JSON documented)
    summary="Push every line to its XiVO again (a job)",
)
async def synchronize(operator: OperatorDep, session: WriteSession) -> Response:
    await telephony.synchronize(session, operator)
    return _empty(202)


@router.get("/xivo/{xivo_id}", summary="Get a XiVO")
async def get_xivo(request: Request, xivo_id: PathId, operator: OperatorDep, session: ReadSession) -> Response:
    return _json(request, wire.xivo(await telephony.get_server(session, operator, xivo_id)))


@router.post("/xivo", status_code=201, summary="Create a XiVO (configure: true configures it, as a job)")
async def create_xivo(request: Request, operator: OperatorDep, session: WriteSession) -> Response:
    data = (await parse_model(request, inputs.XivoIn)).domain()
    return _json(request, wire.xivo(await telephony.create_server(session, operator, data)), 201)


# Entities


@router.get("/entities", summary="List the entities")
async def list_entities(request: Request, operator: OperatorDep, session: ReadSession) -> Response:
    rows = await telephony.list_entities(session, operator)
    return _json(request, wire.items([wire.entity(row) for row in rows]))


@router.get("/entities/{combined_id}", summary="Get an entity by its combinedId")
async def get_entity(
    request: Request, combined_id: CombinedId, operator: OperatorDep, session: ReadSession
) -> Response:
    return _json(request, wire.entity(await telephony.get_entity(session, operator, combined_id)))


@router.post("/entities", status_code=201, summary="Create an entity")
async def create_entity(request: Request, operator: OperatorDep, session: WriteSession) -> Response:
    data = (await parse_model(request, inputs.EntityIn)).create()
    return _json(request, wire.entity(await telephony.create_entity(session, operator, data)), 201)


@router.put("/entities/{combined_id}", summary="Edit an entity")
async def update_entity(
    request: Request, combined_id: CombinedId, operator: OperatorDep, session: WriteSession
) -> Response:
    data = (await parse_model(request, inputs.EntityIn)).update()
    return _json(request, wire.entity(await telephony.update_entity(session, operator, combined_id, data)))


@router.delete("/entities/{combined_id}", status_code=204, summary="Delete an entity (refused while it has users)")
async def delete_entity(combined_id: CombinedId, operator: OperatorDep, session: WriteSession) -> Response:
    await telephony.delete_entity(session, operator, combined_id)
    return _empty()


@router.get("/entities/{combined_id}/users", summary="List the users of an entity")
async def entity_users(
    request: Request, combined_id: CombinedId, operator: OperatorDep, session: ReadSession
) -> Response:
    rows = await telephony.list_lines(session, operator, entity_key=combined_id)
    return _json(request, wire.items([wire.user(row) for row in rows]))


@router.get("/entities/{combined_id}/available_numbers", summary="The entity's free numbers, in order")
async def available_numbers(
    request: Request,
    combined_id: CombinedId,
    operator: OperatorDep,
    session: ReadSession,
    limit: Annotated[int | None, Query(ge=1, description="How many (default 100)")] = None,
) -> Response:
    numbers = await telephony.available_numbers(session, operator, combined_id, limit=limit)
    return _json(request, wire.items(numbers))


# Users


@router.get("/users", summary="List the users")
async def list_users(request: Request, operator: OperatorDep, session: ReadSession) -> Response:
    rows = await telephony.list_lines(session, operator)
    return _json(request, wire.items([wire.user(row) for row in rows]))


@router.get("/users/{user_id}", summary="Get a user")
async def get_user(request: Request, user_id: PathId, operator: OperatorDep, session: ReadSession) -> Response:
    return _json(request, wire.user(await telephony.get_line(session, operator, user_id)))


@router.post("/users", status_code=201, summary="Create a user (its line is provisioned on the XiVO by a job)")
async def create_user(request: Request, operator: OperatorDep, session: WriteSession) -> Response:
    data = (await parse_model(request, inputs.UserIn)).create()
    return _json(request, wire.user(await telephony.create_line(session, operator, data)), 201)


@router.put("/users/{user_id}", summary="Edit a user")
async def update_user(request: Request, user_id: PathId, operator: OperatorDep, session: WriteSession) -> Response:
    data = (await parse_model(request, inputs.UserIn)).update()
    return _json(request, wire.user(await telephony.update_line(session, operator, user_id, data)))


@router.delete("/users/{user_id}", status_code=204, summary="Delete a user")
async def delete_user(user_id: PathId, operator: OperatorDep, session: WriteSession) -> Response:
    await telephony.delete_line(session, operator, user_id)
    return _empty()


# Templates


@router.get("/templates", summary="List the line templates (a bare array)")
async def list_templates(request: Request, operator: OperatorDep, session: ReadSession) -> Response:
    return _json(request, [wire.template(row) for row in await telephony.list_templates(session, operator)])


@router.get("/templates/{template_id}", summary="Get a line template")
async def get_template(request: Request, template_id: PathId, operator: OperatorDep, session: ReadSession) -> Response:
    return _json(request, wire.template(await telephony.get_template(session, operator, template_id)))


@router.post("/templates", status_code=201, summary="Create a line template")
async def create_template(request: Request, operator: OperatorDep, session: WriteSession) -> Response:
    data = (await parse_model(request, inputs.TemplateIn)).create()
    return _json(request, wire.template(await telephony.create_template(session, operator, data)), 201)


@router.put("/templates/{template_id}", summary="Edit a line template")
async def update_template(
    request: Request, template_id: PathId, operator: OperatorDep, session: WriteSession
) -> Response:
    data = (await parse_model(request, inputs.TemplateIn)).update()
    return _json(request, wire.template(await telephony.update_template(session, operator, template_id, data)))


@router.delete("/templates/{template_id}", status_code=204, summary="Delete a line template (refused while in use)")
async def delete_template(template_id: PathId, operator: OperatorDep, session: WriteSession) -> Response:
    await telephony.delete_template(session, operator, template_id)
    return _empty()


# Administrators


@router.get("/administrators", summary="List the administrators (never their passwords)")
async def list_administrators(request: Request, operator: OperatorDep, session: ReadSession) -> Response:
    rows = await telephony.list_administrators(session, operator)
    return _json(request, wire.items([wire.administrator(row) for row in rows]))


@router.get("/administrators/{admin_id}", summary="Get an administrator")
async def get_administrator(
    request: Request, admin_id: PathId, operator: OperatorDep, session: ReadSession
) -> Response:
    return _json(request, wire.administrator(await telephony.get_administrator(session, operator, admin_id)))


@router.post("/administrators", status_code=201, summary="Create an administrator")
async def create_administrator(request: Request, operator: OperatorDep, session: WriteSession) -> Response:
    data = (await parse_model(request, inputs.AdministratorIn)).create()
    return _json(request, wire.administrator(await telephony.create_administrator(session, operator, data)), 201)


@router.put("/administrators/{admin_id}", summary="Edit an administrator")
async def update_administrator(
    request: Request, admin_id: PathId, operator: OperatorDep, session: WriteSession
) -> Response:
    data = (await parse_model(request, inputs.AdministratorIn)).update()
    row = await telephony.update_administrator(session, operator, admin_id, data)
    return _json(request, wire.administrator(row))


@router.delete("/administrators/{admin_id}", status_code=204, summary="Delete an administrator")
async def delete_administrator(admin_id: PathId, operator: OperatorDep, session: WriteSession) -> Response:
    await telephony.delete_administrator(session, operator, admin_id)
    return _empty()
