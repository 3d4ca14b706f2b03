"""An LDAP directory that checks the passwords of administrators marked ``ldap`` (ldap3, in a worker thread).

Two ways to find the entry of a login, as directories are laid out:

- a bind DN template (``uid={login},ou=people,dc=example,dc=net``): bind as that DN with the password;
- a search base (and filter, ``(uid={login})`` by default): find the one entry that matches, anonymously or as
  a service account (``bind_dn`` / ``bind_password``), then bind as that entry with the password.

The login is escaped for where it goes (an RDN value, a filter value), so it can never widen the search or name
another entry. An empty password is refused before the directory is asked: LDAP takes a bind with a DN and no
password as an anonymous bind, which "succeeds".
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from hostlane.config import Settings
from hostlane.drivers.errors import RetryLater

LOGIN = "{login}"


class DirectoryUnreachable(RetryLater):
    """The directory did not answer (down, or a network failure): the password could not be checked."""


@dataclass(frozen=True)
class LdapDirectory:
    url: str  # ldap://host:389 or ldaps://host:636
    bind_dn_template: str | None = None
    search_base: str | None = None
    search_filter: str = "(uid={login})"
    bind_dn: str | None = None  # who searches (None: anonymously)
    bind_password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if (self.bind_dn_template is None) == (self.search_base is None):
            raise ValueError("an LDAP directory needs a bind DN template or a search base (one of them)")
        template = self.bind_dn_template if self.bind_dn_template is not None else self.search_filter
        if LOGIN not in template:
            raise ValueError(f"{template!r} must contain {LOGIN}")

    async def authenticate(self, login: str, password: str) -> bool:
        """True when the directory accepts ``password`` for ``login``; False when it does not (wrong password, no
        such entry, several entries). Raises ``DirectoryUnreachable`` when it cannot tell."""
        if not login or not password:
            return False
        return await asyncio.to_thread(self._authenticate, login, password)

    def _server(self) -> ldap3.Server:
        return ldap3.Server(self.url, connect_timeout=self.timeout_seconds, get_info=ldap3.NONE)

    def _connection(self, user: str | None, password: str | None) -> ldap3.Connection:
        # ldap3 packs the receive timeout into a socket option: whole seconds only.
        receive_timeout = max(1, math.ceil(self.timeout_seconds))
        return ldap3.Connection(self._server(), user=user, password=password, receive_timeout=receive_timeout)

    def _authenticate(self, login: str, password: str) -> bool:
        try:
            dn = self._dn_of(login)
            if dn is None:
                return False
            connection = self._connection(dn, password)
            try:
                return bool(connection.bind())
            finally:
                connection.unbind()
        except LDAPException as exc:
            raise DirectoryUnreachable(f"the LDAP directory {self.url} did not answer: {exc}") from exc

    def _dn_of(self, login: str) -> str | None:
        """The DN to bind as: the template's, or the one entry the search finds (None: none, or several)."""
        if self.bind_dn_template is not None:
            return self.bind_dn_template.replace(LOGIN, escape_rdn(login))
        assert self.search_base is not None
        searcher = self._connection(self.bind_dn, self.bind_password)
        try:
            if not searcher.bind():
                raise DirectoryUnreachable(f"the LDAP directory {self.url} refused the search account {self.bind_dn}")
            searcher.search(
                self.search_base,
                self.search_filter.replace(LOGIN, escape_filter_chars(login)),
                search_scope=ldap3.SUBTREE,
                attributes=[],
                size_limit=2,
            )
            entries = [entry for entry in searcher.response or [] if entry.get("type") == "searchResEntry"]
            return str(entries[0]["dn"]) if len(entries) == 1 else None
        finally:
            searcher.unbind()


def build_directory(settings: Settings) -> LdapDirectory | None:
    """The directory the settings name (None: no LDAP, and ``ldap`` administrators cannot log in)."""
    if not settings.ldap_url:
        return None
    return LdapDirectory(
        url=settings.ldap_url,
        bind_dn_template=settings.ldap_bind_dn_template,
        search_base=settings.ldap_search_base,
        search_filter=settings.ldap_search_filter,
        bind_dn=settings.ldap_bind_dn,
        bind_password=settings.ldap_bind_password,
        timeout_seconds=settings.ldap_timeout_seconds,
    )
