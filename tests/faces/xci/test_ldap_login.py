"""XCI's login for administrators marked ``ldap: true``: the password is the LDAP directory's (a real slapd), a
wrong one is a 401 that counts toward the shared ban, and an unreachable directory is a 503."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hostlane.drivers.ldap import LdapDirectory
from hostlane.runtime import Runtime
from tests.conftest import ClientFactory
from tests.fixtures.http import assert_xci_error
from tests.fixtures.servers import free_port
from tests.fixtures.slapd import PEOPLE, SUFFIX, Slapd

API = "/api/1.0"
LDAP_PASSWORD = "carol-in-the-directory"


@pytest.fixture
def directory(slapd: Slapd, runtime: Runtime) -> Iterator[Slapd]:
    """The runtime's directory is the test slapd, holding the person ``carol``."""
    slapd.remove_people()
    slapd.add_person("carol", LDAP_PASSWORD)
    runtime.directory = LdapDirectory(slapd.url, bind_dn_template=f"uid={{login}},{PEOPLE}")
    yield slapd
    slapd.remove_people()


async def make_ldap_administrator(admin: httpx.AsyncClient, login: str = "carol") -> None:
    created = await admin.post(
        f"{API}/administrators",
        json={"login": login, "name": "Carol", "ldap": True, "superAdmin": False, "entityIds": []},
    )
    assert created.status_code == 201, created.text
    assert created.json()["ldap"] is True


async def test_an_ldap_administrator_logs_in_with_the_directory_password(
    admin: httpx.AsyncClient, directory: Slapd, client_for: ClientFactory
) -> None:
    await make_ldap_administrator(admin)
    client = client_for(ip="198.51.100.20")

    response = await client.post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})

    assert response.status_code == 204, response.text
    assert len(response.headers.get_list("set-cookie")) == 1
    assert (await client.get(f"{API}/entities")).json() == {"items": []}  # granted none


async def test_a_search_base_finds_the_ldap_administrator_too(
    admin: httpx.AsyncClient, directory: Slapd, runtime: Runtime, client_for: ClientFactory
) -> None:
    runtime.directory = LdapDirectory(
        directory.url, search_base=SUFFIX, search_filter="(&(objectClass=person)(uid={login}))"
    )
    await make_ldap_administrator(admin)

    response = await client_for().post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})

    assert response.status_code == 204, response.text


async def test_a_wrong_ldap_password_is_401_and_counts_toward_the_ban(
    admin: httpx.AsyncClient, directory: Slapd, runtime: Runtime, client_for: ClientFactory
) -> None:
    await make_ldap_administrator(admin)
    client = client_for(ip="203.0.113.77")

    for _ in range(runtime.settings.login_max_failures):
        assert_xci_error(await client.post(f"{API}/login", json={"login": "carol", "password": "a-guess"}), 401)

    banned = await client.post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})
    assert_xci_error(banned, 403)
    assert int(banned.headers["retry-after"]) > 0
    # The ban is shared: a local administrator's login from that address is refused too.
    assert_xci_error(await client.post(f"{API}/login", json={"login": "admin", "password": "superpass-123"}), 403)


async def test_a_success_clears_the_failures_of_the_address(
    admin: httpx.AsyncClient, directory: Slapd, runtime: Runtime, client_for: ClientFactory
) -> None:
    await make_ldap_administrator(admin)
    client = client_for(ip="203.0.113.78")
    for _ in range(runtime.settings.login_max_failures - 1):
        assert_xci_error(await client.post(f"{API}/login", json={"login": "carol", "password": "a-guess"}), 401)
    assert (await client.post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})).status_code == 204
    assert_xci_error(await client.post(f"{API}/login", json={"login": "carol", "password": "a-guess"}), 401)
    assert (await client.post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})).status_code == 204


async def test_the_directory_decides_not_a_local_password(
    admin: httpx.AsyncClient, directory: Slapd, client_for: ClientFactory
) -> None:
    # A local administrator's password is not looked up in the directory, and an LDAP one has no local password:
    # a person of the directory who is no administrator gets nowhere.
    directory.add_person("admin", "admin-in-the-directory")
    directory.add_person("eve", "eve-in-the-directory")
    client = client_for(ip="198.51.100.21")
    assert_xci_error(
        await client.post(f"{API}/login", json={"login": "admin", "password": "admin-in-the-directory"}), 401
    )
    assert_xci_error(await client.post(f"{API}/login", json={"login": "eve", "password": "eve-in-the-directory"}), 401)
    await make_ldap_administrator(admin)
    assert_xci_error(await client.post(f"{API}/login", json={"login": "carol", "password": ""}), 422)


async def test_without_a_directory_an_ldap_administrator_cannot_log_in(
    admin: httpx.AsyncClient, directory: Slapd, runtime: Runtime, client_for: ClientFactory
) -> None:
    await make_ldap_administrator(admin)
    runtime.directory = None
    response = await client_for().post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})
    assert_xci_error(response, 401)


async def test_an_unreachable_directory_is_503(
    admin: httpx.AsyncClient, runtime: Runtime, client_for: ClientFactory
) -> None:
    await make_ldap_administrator(admin)
    runtime.directory = LdapDirectory(
        f"ldap://127.0.0.1:{free_port()}", bind_dn_template=f"uid={{login}},{PEOPLE}", timeout_seconds=2
    )
    response = await client_for().post(f"{API}/login", json={"login": "carol", "password": LDAP_PASSWORD})
    assert_xci_error(response, 503)
