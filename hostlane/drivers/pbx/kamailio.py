"""Kamailio as the SIP registrar of a PBX server: a line's SIP account is a row of Kamailio's ``subscriber`` table,
in the database Kamailio's ``auth_db`` module reads (an SQLite file or PostgreSQL).

Kamailio must be configured with ``calculate_ha1`` 0 and ``password_column`` "ha1": the row holds
``ha1 = md5("user:realm:secret")`` (and ``ha1b = md5("user@domain:realm:secret")``), never the secret in clear.
The realm, and the row's ``domain``, is the server's host (the domain phones register to: ``auth_check("$fd", …)``
in Kamailio's route). A suspended line has no row, so its registration is refused; so has a deleted one.

Kamailio reads the table on every REGISTER, so a change counts from the next registration. Kamailio's schema
(``kamdbctl create``, or the ``standard`` and ``auth_db`` scripts of ``/usr/share/kamailio/db_*``) is the
operator's to create; ``configure_server`` checks that the table is there.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.pbx.base import LineAccount, PbxTarget

_SUBSCRIBERS = sa.Table(
    "subscriber",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("domain", sa.String(64), nullable=False),
    sa.Column("password", sa.String(64), nullable=False),
    sa.Column("ha1", sa.String(128), nullable=False),
    sa.Column("ha1b", sa.String(128), nullable=False),
)


def async_url(url: str) -> str:
    """Kamailio's database as an async SQLAlchemy URL: ``sqlite:///…`` and ``postgresql://…`` get their async
    drivers (aiosqlite, asyncpg); a URL that names its driver is kept."""
    scheme, _, rest = url.partition("://")
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    return url


def sip_domain(server: PbxTarget) -> str:
    """The domain (and digest realm) the server's phones register to: its host, without a port."""
    host = urlsplit(f"//{server.host.strip()}").hostname if server.host.strip() else None
    if not host:
        raise DriverError(f"the PBX server {server.name} has no host: Kamailio needs it as the SIP domain")
    return host


def digests(username: str, domain: str, secret: str) -> tuple[str, str]:
    """``ha1`` and ``ha1b`` of a SIP account: the MD5 digests Kamailio checks a REGISTER's answer against."""

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    return md5(f"{username}:{domain}:{secret}"), md5(f"{username}@{domain}:{domain}:{secret}")


class KamailioPbx:
    """Writes SIP accounts into Kamailio's ``subscriber`` table."""

    name = "kamailio"

    def __init__(self, database_url: str) -> None:
        self.database_url = async_url(database_url)
        self._engine: AsyncEngine | None = None

    def __repr__(self) -> str:  # the URL may hold a password
        return f"KamailioPbx({sa.engine.make_url(self.database_url).render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            arguments = {"connect_args": {"timeout": 10}} if self.database_url.startswith("sqlite") else {}
            self._engine = create_async_engine(self.database_url, pool_pre_ping=True, **arguments)
        return self._engine

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _write(self, action: str, server: PbxTarget, *statements: sa.Executable) -> None:
        """Run the statements in one transaction: the account is replaced whole, or not at all."""
        try:
            async with self.engine.begin() as connection:
                for statement in statements:
                    await connection.execute(statement)
        except (OSError, SQLAlchemyError) as exc:
            text = str(exc)
            if "no such table" in text or ("subscriber" in text and "does not exist" in text):
                raise DriverError(f"Kamailio's subscriber table is missing ({action} on {server.name})") from exc
            if isinstance(exc, (OSError, OperationalError, InterfaceError)):  # unreachable, locked, restarting
                raise RetryLater(f"Kamailio's database is unavailable ({action} on {server.name}): {exc}") from exc
            raise DriverError(f"Kamailio's database refused {action} on {server.name}: {exc}") from exc

    def _delete(self, username: str, domain: str) -> sa.Delete:
        return sa.delete(_SUBSCRIBERS).where(_SUBSCRIBERS.c.username == username, _SUBSCRIBERS.c.domain == domain)

    async def configure_server(self, server: PbxTarget) -> None:
        """Kamailio needs nothing per server but its SIP domain and the table it reads: check both."""
        domain = sip_domain(server)
        probe = sa.select(sa.func.count()).select_from(_SUBSCRIBERS).where(_SUBSCRIBERS.c.domain == domain)
        await self._write("configure_server", server, probe)

    async def put_line(self, server: PbxTarget, line: LineAccount) -> None:
        """The line's account with its digests (no clear secret); a suspended line's account is removed."""
        domain = sip_domain(server)
        remove = self._delete(line.username, domain)
        if not line.enabled:
            await self._write("put_line", server, remove)
            return
        ha1, ha1b = digests(line.username, domain, line.secret)
        insert = sa.insert(_SUBSCRIBERS).values(username=line.username, domain=domain, password="", ha1=ha1, ha1b=ha1b)
        await self._write("put_line", server, remove, insert)

    async def delete_line(self, server: PbxTarget, username: str) -> None:
        await self._write("delete_line", server, self._delete(username, sip_domain(server)))
