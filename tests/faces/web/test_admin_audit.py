"""The admin panel's audit log: who did what to which object and when, filtered and paged, shown as text, for a
super-administrator only."""

from __future__ import annotations

from typing import Any

from hostlane.identity import audit
from hostlane.identity.principal import Principal, PrincipalKind
from hostlane.runtime import Runtime
from tests.faces.web.admin_access import limited_admin
from tests.faces.web.conftest import Web


async def test_the_log_shows_who_did_what_and_filters(admin: Web, admin_user: Any, runtime: Runtime) -> None:
    created = await admin.post("/admin/catalog/groups/new", {"name": "Hosting"})
    assert created.status_code == 303
    async with runtime.db.transaction() as session:
        audit.record(session, Principal.system(), "service.suspend", "service", 12, {"reason": "overdue"})
    page = await admin.get("/admin/audit")
    assert page.status_code == 200
    assert "<code>group.create</code>" in page.text and "<code>service.suspend</code>" in page.text
    assert admin_user.name in page.text and "System" in page.text
    assert "service #12" in page.text
    assert "{&#34;reason&#34;: &#34;overdue&#34;}" in page.text
    assert page.text.index("service.suspend") < page.text.index("group.create")  # newest first

    by_action = await admin.get("/admin/audit", params={"action": "group.create"})
    assert "<code>group.create</code>" in by_action.text and "<code>service.suspend</code>" not in by_action.text
    by_type = await admin.get("/admin/audit", params={"object_type": "service"})
    assert "<code>service.suspend</code>" in by_type.text and "<code>group.create</code>" not in by_type.text
    by_actor = await admin.get("/admin/audit", params={"actor_kind": "admin", "actor_id": str(admin_user.id)})
    assert "<code>group.create</code>" in by_actor.text and "<code>service.suspend</code>" not in by_actor.text
    wrong = await admin.get("/admin/audit", params={"actor_id": "me"})
    assert wrong.status_code == 422
    assert '<p class="error" id="e-actor_id">A number, such as 3.</p>' in wrong.text


async def test_the_log_pages_and_shows_details_as_text(admin: Web, runtime: Runtime) -> None:
    hostile = "<script>alert(1)</script>{{7*7}}"
    async with runtime.db.transaction() as session:
        for n in range(55):
            audit.record(session, Principal(PrincipalKind.SYSTEM, None), "x.y", "x", n, {"name": hostile})
    first = await admin.get("/admin/audit")
    assert "Page 1 of 2" in first.text
    assert first.text.count("<code>x.y</code>") == 50
    assert "<script>alert(1)" not in first.text and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in first.text
    second = await admin.get("/admin/audit", params={"page": "2"})
    assert second.text.count("<code>x.y</code>") >= 5


async def test_only_a_super_administrator_sees_the_log(runtime: Runtime, browser_for: Any) -> None:
    staff = await limited_admin(runtime, browser_for, "invoices:index", "orders:index", "products:index")
    assert (await staff.get("/admin/audit")).status_code == 403
    assert 'href="/admin/audit"' not in (await staff.get("/admin/invoices")).text
    anonymous = browser_for("/admin", "127.0.0.9")
    assert (await anonymous.get("/admin/audit")).headers["location"] == "/admin/login?next=/admin/audit"
