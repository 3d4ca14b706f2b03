"""The LDAP directory against a real slapd: a bind DN template or a search finds the entry, the password is the
directory's, and a login cannot widen the search. Settings build it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from hostlane.config import Settings
from hostlane.drivers.ldap import DirectoryUnreachable, LdapDirectory, build_directory
from tests.fixtures.servers import free_port
from tests.fixtures.slapd import PEOPLE, ROOT_DN, ROOT_PASSWORD, SUFFIX, Slapd

PASSWORD = "carol-in-the-directory"


@pytest.fixture
def people(slapd: Slapd) -> Iterator[Slapd]:
    slapd.remove_people()
    slapd.add_person("carol", PASSWORD)
    slapd.add_person("dave", "dave-in-the-directory")
    yield slapd
    slapd.remove_people()


async def test_a_bind_dn_template_checks_the_password(people: Slapd) -> None:
    directory = LdapDirectory(people.url, bind_dn_template=f"uid={{login}},{PEOPLE}")

    assert await directory.authenticate("carol", PASSWORD)
    assert not await directory.authenticate("carol", "a-guess")
    assert not await directory.authenticate("carol", "")  # an unauthenticated bind would "succeed"
    assert not await directory.authenticate("nobody", PASSWORD)
    assert not await directory.authenticate("carol,ou=people", PASSWORD)  # escaped: never another DN


async def test_a_search_finds_the_one_entry_then_binds_as_it(people: Slapd) -> None:
    anonymous = LdapDirectory(people.url, search_base=SUFFIX)
    service = LdapDirectory(people.url, search_base=SUFFIX, bind_dn=ROOT_DN, bind_password=ROOT_PASSWORD)

    for directory in (anonymous, service):
        assert await directory.authenticate("carol", PASSWORD)
        assert not await directory.authenticate("carol", "dave-in-the-directory")
        assert not await directory.authenticate("nobody", PASSWORD)
        # The login is a filter value: a wildcard or a closing parenthesis never matches anyone else.
        assert not await directory.authenticate("*", PASSWORD)
        assert not await directory.authenticate("*)(uid=carol", PASSWORD)


async def test_a_login_matching_several_entries_is_refused(people: Slapd) -> None:
    people.add_person("carol", PASSWORD, under=SUFFIX)  # a second carol, outside ou=people
    directory = LdapDirectory(people.url, search_base=SUFFIX)

    assert not await directory.authenticate("carol", PASSWORD)
    assert await LdapDirectory(people.url, search_base=PEOPLE).authenticate("carol", PASSWORD)


async def test_an_unreachable_directory_says_so() -> None:
    directory = LdapDirectory(f"ldap://127.0.0.1:{free_port()}", bind_dn_template="uid={login},dc=x", timeout_seconds=2)
    with pytest.raises(DirectoryUnreachable):
        await directory.authenticate("carol", PASSWORD)


def test_settings_build_the_directory_from_a_template_or_a_search_base() -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, **values)  # type: ignore[arg-type]

    assert build_directory(settings()) is None
    templated = build_directory(settings(ldap_url="ldaps://ldap.example.net", ldap_bind_dn_template="uid={login},o=x"))
    assert templated is not None and templated.bind_dn_template == "uid={login},o=x"
    searched = build_directory(
        settings(ldap_url="ldap://ldap", ldap_search_base="o=x", ldap_bind_dn="cn=s,o=x", ldap_bind_password="pw")
    )
    assert searched is not None and (searched.search_base, searched.search_filter) == ("o=x", "(uid={login})")
    assert "pw" not in repr(searched)
    with pytest.raises(ValidationError, match="one of HOSTLANE_LDAP_BIND_DN_TEMPLATE"):
        settings(ldap_url="ldap://ldap")
    with pytest.raises(ValidationError, match="one of HOSTLANE_LDAP_BIND_DN_TEMPLATE"):
        settings(ldap_url="ldap://ldap", ldap_search_base="o=x", ldap_bind_dn_template="uid={login}")
    with pytest.raises(ValidationError, match="must contain"):
        settings(ldap_url="ldap://ldap", ldap_bind_dn_template="uid=carol,o=x")
