"""wbTeamPro's Remote API over HTTP: each resource action in each URL form, JSON and XML, the combined request,
and the envelope on errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime
from hostlane.support import service as support
from hostlane.support.schemas import TicketOpen
from tests.conftest import ClientFactory
from tests.faces.teampro.conftest import BASE, FORMATS, FORMS, Api, decoded, granted_admin, md5, url, with_query
from tests.fixtures.factories import ADMIN_PASSWORD, make_customer, make_department
from tests.fixtures.http import assert_teampro_error, basic

PROJECT = {"title": "Mail migration", "description": "Move 40 boxes", "status": "Active", "date_due": "2027-01-31"}


async def _project(api: Api, **fields: Any) -> dict[str, Any]:
    answer = await api.ok("POST", ["projects"], {**PROJECT, **fields})
    project: dict[str, Any] = answer["project"]
    return project


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fmt", FORMATS)
async def test_projects_in_every_url_form_and_format(api: Api, form: str, fmt: str) -> None:
    created = await api.ok("POST", ["projects"], PROJECT, form=form, fmt=fmt)
    project = created["project"]
    assert {k: project[k] for k in ("title", "description", "status", "date_due", "date_completed")} == {
        "title": "Mail migration",
        "description": "Move 40 boxes",
        "status": "Active",
        "date_due": "2027-01-31",
        "date_completed": None,
    }
    project_id = int(project["project_id"])
    got = await api.ok("GET", ["projects", str(project_id)], form=form, fmt=fmt)
    assert int(got["project"]["project_id"]) == project_id
    assert got["data"]["filters"] == {"project_id": project_id if fmt == "json" else str(project_id)}
    found = await api.ok("GET", ["projects"], {"status": "Active"}, form=form, fmt=fmt)
    assert int(found["data"]["total"]) == 1 and found["data"]["filters"] == {"status": "Active"}
    assert [int(p["project_id"]) for p in found["projects"]] == [project_id]
    updated = await api.ok("PUT", ["projects", str(project_id)], {"status": "Completed"}, form=form, fmt=fmt)
    assert updated["project"]["status"] == "Completed"
    deleted = await api.ok("DELETE", ["projects", str(project_id)], form=form, fmt=fmt)
    assert int(deleted["project"]["project_id"]) == project_id
    missing = await api.call("GET", ["projects", str(project_id)], form=form, fmt=fmt)
    assert missing.status_code == 404
    assert decoded(missing)["request"]["message"] == "Project not found."


async def test_the_envelope_echoes_the_request(api: Api) -> None:
    project = await _project(api)
    response = await api.call("GET", ["projects", str(project["project_id"]), "whmcstickets"])
    body = response.json()
    assert body["request"] == {
        "action": f"projects/{project['project_id']}/whmcstickets",
        "method": "GET",
        "format": "json",
        "code": 200,
        "message": "Success",
    }
    assert body["response"]["data"] == {
        "total": 0,
        "page": 1,
        "pages": 0,
        "limit": 50,
        "offset": 0,
        "filters": {"project_id": project["project_id"]},
    }
    assert body["response"]["project"]["project_id"] == project["project_id"]
    assert body["response"]["whmcstickets"] == []


async def test_xml_carries_the_same_tree(api: Api) -> None:
    project = await _project(api)
    as_json = (await api.call("GET", ["projects", str(project["project_id"])])).json()
    response = await api.call("GET", ["projects", str(project["project_id"])], fmt="xml")
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<wbteampro><request>')
    as_xml = decoded(response)
    assert as_xml["request"]["format"] == "xml" and as_xml["request"]["code"] == "200"
    assert as_xml["response"]["project"]["title"] == as_json["response"]["project"]["title"]


async def test_actions_and_the_combined_request(api: Api, runtime: Runtime) -> None:
    project = await _project(api)
    pid = project["project_id"]
    first = await api.ok("POST", ["actions"], {"project_id": pid, "title": "Copy mailboxes", "sort_order": 1})
    second = await api.ok("POST", ["actions"], {"project_id": pid, "title": "Switch MX", "status": "In Progress"})
    action_id = first["action"]["action_id"]
    assert first["action"]["status"] == "Pending" and first["action"]["sort_order"] == 1
    done = await api.ok("PUT", ["actions", str(action_id)], {"status": "Completed"})
    assert done["action"]["status"] == "Completed" and done["action"]["date_completed"] is not None
    combined = await api.ok("GET", ["projects", str(pid), "actions"], form="rewrite")
    assert combined["project"]["project_id"] == pid
    assert [a["action_id"] for a in combined["actions"]] == [action_id, second["action"]["action_id"]]
    # Example A of the document: the same actions by filter.
    listed = await api.ok("GET", ["actions"], {"project_id": str(pid)}, form="direct")
    assert listed["actions"] == combined["actions"] and listed["data"]["filters"] == {"project_id": str(pid)}
    paged = await api.ok("GET", ["actions"], {"project_id": pid, "limit": 1, "page": 2})
    assert paged["data"] | {"filters": None} == {
        "total": 2,
        "page": 2,
        "pages": 2,
        "limit": 1,
        "offset": 1,
        "filters": None,
    }
    assert [a["title"] for a in paged["actions"]] == ["Switch MX"]
    got = await api.ok("GET", ["actions", str(action_id)], fmt="xml")
    assert got["action"]["title"] == "Copy mailboxes"
    assert (await api.ok("DELETE", ["actions", str(action_id)]))["action"]["action_id"] == action_id
    assert (await api.call("GET", ["actions", str(action_id)])).status_code == 404


async def test_topics_and_their_threads(api: Api) -> None:
    pid = (await _project(api))["project_id"]
    action = (await api.ok("POST", ["actions"], {"project_id": pid, "title": "Plan"}))["action"]
    topic = (await api.ok("POST", ["topics"], {"project_id": pid, "title": "Cutover", "message": "Friday?"}))["topic"]
    reply = await api.ok("POST", ["topics"], {"thread_id": topic["topic_id"], "title": "Re", "message": "Yes"})
    assert reply["topic"]["project_id"] == pid and reply["topic"]["thread_id"] == topic["topic_id"]
    on_action = await api.ok("POST", ["topics"], {"action_id": action["action_id"], "title": "On the plan"})
    threads = await api.ok("GET", ["topics", "bythread"], {"project_id": pid}, form="direct")
    assert [t["topic_id"] for t in threads["topics"]] == [topic["topic_id"], on_action["topic"]["topic_id"]]
    assert [r["message"] for r in threads["topics"][0]["replies"]] == ["Yes"]
    of_action = await api.ok("GET", ["actions", str(action["action_id"]), "topics"])
    assert [t["title"] for t in of_action["topics"]] == ["On the plan"]
    of_project = await api.ok("GET", ["projects", str(pid), "topics"], fmt="xml")
    assert int(of_project["data"]["total"]) == 3
    edited = await api.ok("PUT", ["topics", str(topic["topic_id"])], {"message": "Friday 22:00"})
    assert edited["topic"]["message"] == "Friday 22:00"
    assert (await api.ok("GET", ["topics", str(topic["topic_id"])]))["topic"]["title"] == "Cutover"
    await api.ok("DELETE", ["topics", str(topic["topic_id"])])
    assert (await api.ok("GET", ["topics"], {"project_id": pid}))["data"]["total"] == 1  # its reply went with it


async def test_timelogs(api: Api) -> None:
    pid = (await _project(api))["project_id"]
    action = (await api.ok("POST", ["actions"], {"project_id": pid, "title": "Copy"}))["action"]
    log = await api.ok(
        "POST",
        ["timelogs"],
        {
            "action_id": action["action_id"],
            "start": "2026-12-01 09:00:00",
            "end": "2026-12-01 10:30:00",
            "rate": "60.00",
        },
    )
    entry = log["timelog"]
    assert {
        k: entry[k] for k in ("project_id", "start", "end", "duration", "rate", "amount", "billable", "invoiced")
    } == {
        "project_id": pid,
        "start": "2026-12-01 09:00:00",
        "end": "2026-12-01 10:30:00",
        "duration": 5400,
        "rate": "60.00",
        "amount": "90.00",
        "billable": True,
        "invoiced": False,
    }
    assert entry["admin_id"] is not None  # the caller
    of_project = await api.ok("GET", ["projects", str(pid), "timelogs"], form="direct", fmt="xml")
    assert of_project["timelogs"][0]["timelog_id"] == str(entry["timelog_id"])
    of_action = await api.ok("GET", ["actions", str(action["action_id"]), "timelogs"])
    assert len(of_action["timelogs"]) == 1
    changed = await api.ok("PUT", ["timelogs", str(entry["timelog_id"])], {"billable": False, "rate": "75"})
    assert changed["timelog"]["billable"] is False and changed["timelog"]["rate"] == "75.00"
    assert (await api.ok("GET", ["timelogs"], {"billable": "0"}))["data"]["total"] == 1
    assert (await api.ok("GET", ["timelogs", str(entry["timelog_id"])]))["timelog"]["duration"] == 5400
    await api.ok("DELETE", ["timelogs", str(entry["timelog_id"])])
    refused = await api.call(
        "POST", ["timelogs"], {"project_id": pid, "start": "2026-12-01 09:00", "end": "2026-12-01 08:00"}
    )
    assert_teampro_error(refused, 422)
    assert "end" in refused.json()["response"]["errors"]


async def test_whmcs_tickets_and_their_xrefs(api: Api, runtime: Runtime) -> None:
    customer = await make_customer(runtime)
    department = await make_department(runtime)
    async with runtime.db.transaction() as session:
        ticket = await support.open_ticket(
            session,
            Principal.system(),
            TicketOpen(department_id=int(str(department["id"])), subject="Mail down", body="Since noon"),
            customer_id=int(str(customer["id"])),
        )
        other = await support.open_ticket(
            session,
            Principal.system(),
            TicketOpen(department_id=int(str(department["id"])), subject="Invoice", body="?"),
            customer_id=int(str(customer["id"])),
        )
    pid = (await _project(api))["project_id"]
    action = (await api.ok("POST", ["actions"], {"project_id": pid, "title": "Fix"}))["action"]
    xref = await api.ok("POST", ["ticketxrefs"], {"ticket_id": ticket["id"], "action_id": action["action_id"]})
    link = xref["ticketxref"]
    assert link["project_id"] == pid and link["ticket_id"] == ticket["id"]
    again = await api.call("POST", ["ticketxrefs"], {"ticket_id": ticket["id"], "project_id": pid})
    assert_teampro_error(again, 422)
    of_project = await api.ok("GET", ["projects", str(pid), "whmcstickets"])
    assert [t["id"] for t in of_project["whmcstickets"]] == [ticket["id"]]
    shown = of_project["whmcstickets"][0]
    assert shown["title"] == "Mail down" and shown["status"] == "Open" and shown["urgency"] == "Medium"
    assert shown["tid"] == ticket["number"] and shown["ticketxref"]["xref_id"] == link["xref_id"]
    of_action = await api.ok("GET", ["actions", str(action["action_id"]), "whmcstickets"], form="direct")
    assert [t["id"] for t in of_action["whmcstickets"]] == [ticket["id"]]
    every = await api.ok("GET", ["whmcstickets"], form="rewrite", fmt="xml")
    assert int(every["data"]["total"]) == 2
    medium = await api.ok("GET", ["whmcstickets"], {"status": "Open", "urgency": "Medium"})
    assert medium["data"]["total"] == 2 and medium["data"]["filters"] == {"status": "Open", "urgency": "Medium"}
    assert (await api.ok("GET", ["whmcstickets"], {"urgency": "High"}))["data"]["total"] == 0
    assert_teampro_error(
        await api.call("GET", ["whmcstickets"], {"urgency": "Urgent"}),
        422,
        "urgency: Must be one of: Low, Medium, High.",
    )
    unlinked = await api.ok("GET", ["whmcstickets", str(other["id"])])
    assert unlinked["whmcsticket"]["ticketxref"] is None
    listed = await api.ok("GET", ["ticketxrefs"], {"project_id": pid})
    assert [x["xref_id"] for x in listed["ticketxrefs"]] == [link["xref_id"]]
    assert (await api.ok("GET", ["ticketxrefs", str(link["xref_id"])]))["ticketxref"]["action_id"] == action[
        "action_id"
    ]
    moved = await api.ok("PUT", ["ticketxrefs", str(link["xref_id"])], {"project_id": pid})
    assert moved["ticketxref"]["action_id"] is None
    await api.ok("DELETE", ["ticketxrefs", str(link["xref_id"])])
    assert (await api.ok("GET", ["whmcstickets", str(ticket["id"])]))["whmcsticket"]["ticketxref"] is None
    read_only = await api.call("POST", ["whmcstickets"], {"title": "x"})
    assert_teampro_error(read_only, 405)


async def test_the_resource_list_and_the_config(api: Api) -> None:
    resources = (await api.ok("GET", ["api", "resources"], form="direct"))["resources"]
    names = [r["name"] for r in resources]
    for name in (
        "findResources",
        "getConfig",
        "findProjects",
        "createProject",
        "getProjectActions",
        "getProjectTimelogs",
        "getProjectTickets",
        "findTopicThreads",
        "findWHMCSTickets",
        "getWHMCSTicket",
        "createTicketXref",
        "deleteTimelog",
        "getActionTickets",
    ):
        assert name in names, name
    projects = next(r for r in resources if r["name"] == "getProject")
    assert projects["action"] == "projects.{project_id}" and "title" in projects["fields"]
    config = (await api.ok("GET", ["config"], fmt="xml"))["config"]
    assert config["version"] == "v1" and "On Hold" in config["project_statuses"]


# Params and methods


async def test_params_as_a_php_array_in_the_query_and_in_a_form_body(api: Api) -> None:
    query = {"username": api.username, "password": api.password, "params[title]": "From the query"}
    created = await api.client.post(with_query(url("clean", ["projects"]), query))
    assert created.status_code == 201, created.text
    form = {
        "username": api.username,
        "password": api.password,
        "params[title]": "From a form",
        "params[admin_ids][]": "1",
    }
    response = await api.client.post(url("direct", ["projects"]), data=form)
    assert response.status_code == 201, response.text
    assert response.json()["response"]["project"]["title"] == "From a form"
    body = {"username": api.username, "password": api.password, "params": {"title": "From JSON"}}
    response = await api.client.post(url("rewrite", ["projects"]), json=body)
    assert response.status_code == 201 and response.json()["request"]["method"] == "POST", response.text


async def test_the_method_param_overrides_the_verb(api: Api) -> None:
    query = {"username": api.username, "password": api.password, "method": "post", "params": json.dumps(PROJECT)}
    response = await api.client.get(with_query(url("direct", ["projects"]), query))
    assert response.status_code == 201, response.text
    assert response.json()["request"]["method"] == "POST"
    pid = response.json()["response"]["project"]["project_id"]
    query = {"username": api.username, "password": api.password, "method": "delete"}
    response = await api.client.get(url("clean", ["projects", str(pid)]), params=query)
    assert response.status_code == 200 and response.json()["request"]["method"] == "DELETE"


# Errors, in the envelope


async def test_a_wrong_version_or_format_is_a_400(api: Api) -> None:
    query = {"username": api.username, "password": api.password}
    response = await api.client.get(f"{BASE}/api.php/v2/projects/json", params=query)
    assert_teampro_error(response, 400, "Unsupported API version: v2 (this API is v1).")
    response = await api.client.get(f"{BASE}/api.php/v1/projects/yaml", params=query)
    assert_teampro_error(response, 400)
    response = await api.client.get(f"{BASE}/api.php", params=query)
    assert_teampro_error(response, 400)
    assert "action" in response.json()["request"]["message"]


async def test_a_bad_param_is_named(api: Api) -> None:
    missing = await api.call("POST", ["projects"], {"description": "no title"})
    assert_teampro_error(missing, 422)
    assert missing.json()["request"]["message"].startswith("title:")
    assert list(missing.json()["response"]["errors"]) == ["title"]
    unknown = await api.call("POST", ["projects"], {"title": "x", "colour": "red"})
    assert_teampro_error(unknown, 422, "colour: Unknown param for projects: colour.")
    word = await api.call("POST", ["projects"], {"title": "x", "status": "Done"})
    assert_teampro_error(word, 422, "status: Must be one of: Pending, Active, On Hold, Completed, Cancelled.")
    customer = await api.call("POST", ["projects"], {"title": "x", "client_id": 999999})
    assert_teampro_error(customer, 422)
    assert "client_id" in customer.json()["response"]["errors"]
    limit = await api.call("GET", ["projects"], {"limit": "0"})
    assert_teampro_error(limit, 422, "limit: Must be between 1 and 250.")
    not_json = await api.client.get(
        with_query(url("clean", ["projects"]), {"username": api.username, "password": api.password, "params": "{x"})
    )
    assert_teampro_error(not_json, 400, "params: not a JSON object.")
    assert (await api.call("GET", ["projects"])).status_code == 200  # nothing written by the refusals
    assert (await api.call("GET", ["projects"])).json()["response"]["data"]["total"] == 0


async def test_unknown_resources_are_404(api: Api) -> None:
    assert_teampro_error(await api.call("GET", ["nothing"]), 404, "Unknown resource: nothing.")
    assert_teampro_error(await api.call("GET", ["projects", "abc"]), 404)
    assert_teampro_error(await api.call("GET", ["projects", "1", "nothing"]), 404)
    assert_teampro_error(await api.call("GET", ["projects", "424242"]), 404, "Project not found.")


async def test_a_wrong_login_is_a_401(api: Api, client_for: ClientFactory) -> None:
    client = client_for("10.9.0.1")
    response = await client.get(with_query(url("clean", ["projects"]), {"username": api.username, "password": "nope"}))
    assert_teampro_error(response, 401, "These credentials do not match our records.")
    response = await client.get(url("direct", ["projects"], "xml"))
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/xml")
    assert decoded(response)["request"]["message"] == "Unauthenticated."
    # The clear password is not the MD5 the document asks for.
    response = await client.get(
        with_query(url("clean", ["projects"]), {"username": api.username, "password": ADMIN_PASSWORD})
    )
    assert_teampro_error(response, 401)


async def test_an_administrator_without_the_projects_system_is_a_403(
    runtime: Runtime, client_for: ClientFactory
) -> None:
    _, login = await granted_admin(runtime, systems=[])
    response = await client_for().get(
        url("clean", ["projects"]), params={"username": login, "password": md5(ADMIN_PASSWORD)}
    )
    assert_teampro_error(response, 403, "This administrator is not granted access to the projects system.")


async def test_three_failed_logins_ban_the_address(api: Api, client_for: ClientFactory) -> None:
    client = client_for("10.9.0.3")
    wrong = {"username": api.username, "password": md5("wrong")}
    for _ in range(3):
        assert_teampro_error(await client.get(with_query(url("clean", ["projects"]), wrong)), 401)
    right = {"username": api.username, "password": api.password}
    banned = await client.get(with_query(url("rewrite", ["projects"]), right))
    assert_teampro_error(banned, 403)  # the shared ban's answer, even to the right password
    assert "Too many" in banned.json()["request"]["message"] or "ban" in banned.json()["request"]["message"].lower()
    # Another address is not banned.
    other: httpx.AsyncClient = client_for("10.9.0.4")
    assert (await other.get(url("clean", ["projects"]), params=right)).status_code == 200


async def test_billable_time_is_invoiced_once(api: Api, runtime: Runtime) -> None:
    customer = await make_customer(runtime, currency="EUR")
    pid = (await _project(api, client_id=customer["id"]))["project_id"]
    action = (await api.ok("POST", ["actions"], {"project_id": pid, "title": "Copy"}))["action"]
    for start, end, billable in (("09:00", "10:30", True), ("11:00", "11:15", True), ("12:00", "13:00", False)):
        await api.ok(
            "POST",
            ["timelogs"],
            {
                "action_id": action["action_id"],
                "start": f"2026-12-01 {start}:00",
                "end": f"2026-12-01 {end}:00",
                "rate": "60.00",
                "billable": billable,
            },
        )
    answer = await api.ok("POST", ["projects", str(pid), "invoice"], {"per": "action"})
    invoice = answer["invoice"]
    assert invoice["currency"] == "EUR" and len(invoice["timelog_ids"]) == 2
    logs = (await api.ok("GET", ["projects", str(pid), "timelogs"]))["timelogs"]
    assert [log["invoiced"] for log in logs] == [True, True, False]
    assert {log["invoice_id"] for log in logs[:2]} == {invoice["invoice_id"]}
    again = await api.call("POST", ["projects", str(pid), "invoice"])
    assert_teampro_error(again, 409, "The project has no billable time left to invoice.")
    locked = await api.call("PUT", ["timelogs", str(logs[0]["timelog_id"])], {"rate": "1.00"})
    assert_teampro_error(locked, 422)


async def test_a_ticket_linked_to_a_project_stays_visible_to_its_customer(
    api: Api, runtime: Runtime, client_for: ClientFactory
) -> None:
    customer = await make_customer(runtime, password="customer-pass-1")
    department = await make_department(runtime)
    async with runtime.db.transaction() as session:
        ticket = await support.open_ticket(
            session,
            Principal.system(),
            TicketOpen(department_id=int(str(department["id"])), subject="Mail down", body="Since noon"),
            customer_id=int(str(customer["id"])),
        )
    pid = (await _project(api, client_id=customer["id"]))["project_id"]
    await api.ok("POST", ["ticketxrefs"], {"ticket_id": ticket["id"], "project_id": pid})
    area = client_for()
    listed = await area.get("/api/tickets", headers=basic(str(customer["email"]), "customer-pass-1"))
    assert listed.status_code == 200, listed.text
    assert [t["subject"] for t in listed.json()["tickets"]] == ["Mail down"]
