"""The Kamailio driver against a real Kamailio: what it writes into ``subscriber`` is what Kamailio registers with,
digests only; a suspended or deleted account is refused. Settings choose it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import create_async_engine

from hostlane.config import Settings
from hostlane.drivers.errors import DriverError, RetryLater
from hostlane.drivers.pbx import KamailioPbx, LineAccount, PbxTarget, SimulatorPbx, Voicemail, build_pbx_driver
from hostlane.drivers.pbx.kamailio import async_url
from tests.fixtures.database import postgres_url
from tests.fixtures.kamailio import Kamailio

SECRET = "s3cret-of-1700"
SERVER = PbxTarget(uuid="0f7c2b1e-0000-4000-8000-000000000001", name="xivo-220", host="127.0.0.1")


def account(username: str = "1700", secret: str = SECRET, *, enabled: bool = True) -> LineAccount:
    return LineAccount(
        username=username,
        secret=secret,
        number=username,
        display_name="Alice Liddell",
        caller_id=None,
        external_number=None,
        ringing_seconds=30,
        voicemail=Voicemail(enabled=False, number=None, send_email=False, email=None),
        enabled=enabled,
    )


@pytest.fixture
async def driver(kamailio: Kamailio) -> AsyncIterator[KamailioPbx]:
    kamailio.empty()
    pbx = KamailioPbx(kamailio.database_url)
    yield pbx
    await pbx.close()
    kamailio.empty()


async def test_a_put_account_registers_with_its_secret_only(driver: KamailioPbx, kamailio: Kamailio) -> None:
    await driver.configure_server(SERVER)
    await driver.put_line(SERVER, account())

    ha1 = hashlib.md5(b"1700:127.0.0.1:s3cret-of-1700").hexdigest()  # noqa: S324 - what Kamailio checks
    assert kamailio.subscribers() == [("1700", "127.0.0.1", "", ha1)]  # no clear secret anywhere
    registered = kamailio.register("1700", "s3cret-of-1700")
    assert registered.returncode == 0, registered.stdout + registered.stderr
    refused = kamailio.register("1700", "not-the-secret")
    assert refused.returncode != 0
    assert "401 Unauthorized" in refused.stdout + refused.stderr


async def test_a_put_replaces_the_account_and_is_idempotent(driver: KamailioPbx, kamailio: Kamailio) -> None:
    await driver.put_line(SERVER, account(secret="first-secret"))
    await driver.put_line(SERVER, account(secret="second-secret"))
    await driver.put_line(SERVER, account(secret="second-secret"))

    assert len(kamailio.subscribers()) == 1
    assert kamailio.register("1700", "first-secret").returncode != 0
    assert kamailio.register("1700", "second-secret").returncode == 0


async def test_a_suspended_account_stops_registering_and_comes_back(driver: KamailioPbx, kamailio: Kamailio) -> None:
    await driver.put_line(SERVER, account())
    await driver.put_line(SERVER, account(enabled=False))

    assert kamailio.subscribers() == []
    assert kamailio.register("1700", "s3cret-of-1700").returncode != 0

    await driver.put_line(SERVER, account())
    assert kamailio.register("1700", "s3cret-of-1700").returncode == 0


async def test_a_deleted_account_is_refused_and_deleting_again_is_done(driver: KamailioPbx, kamailio: Kamailio) -> None:
    await driver.put_line(SERVER, account("1700"))
    await driver.put_line(SERVER, account("1701", "other-secret"))
    await driver.delete_line(SERVER, "1700")
    await driver.delete_line(SERVER, "1700")

    assert [row[0] for row in kamailio.subscribers()] == ["1701"]
    assert kamailio.register("1700", "s3cret-of-1700").returncode != 0
    assert kamailio.register("1701", "other-secret").returncode == 0


async def test_accounts_of_servers_with_other_hosts_are_apart(driver: KamailioPbx, kamailio: Kamailio) -> None:
    other = PbxTarget(uuid="other", name="xivo-221", host="pbx.example.net:5060")
    await driver.put_line(SERVER, account())
    await driver.put_line(other, account(secret="other"))
    await driver.delete_line(other, "1700")

    assert [(row[0], row[1]) for row in kamailio.subscribers()] == [("1700", "127.0.0.1")]


async def test_a_server_without_a_host_or_a_database_without_the_table_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    pbx = KamailioPbx(f"sqlite:///{empty}")
    try:
        with pytest.raises(DriverError, match="no host"):
            await pbx.put_line(PbxTarget(uuid="u", name="bare", host=" "), account())
        with pytest.raises(DriverError, match="subscriber table is missing") as missing:
            await pbx.configure_server(SERVER)
        assert not isinstance(missing.value, RetryLater)
    finally:
        await pbx.close()


async def test_an_unreachable_database_is_retried_later() -> None:
    pbx = KamailioPbx("postgresql://kamailio:secret@127.0.0.1:9/kamailio")
    try:
        with pytest.raises(RetryLater, match="unavailable"):
            await pbx.put_line(SERVER, account())
    finally:
        await pbx.close()
    assert "secret" not in repr(pbx)


def test_settings_choose_kamailio_and_need_its_database() -> None:
    assert isinstance(build_pbx_driver(Settings(_env_file=None)), SimulatorPbx)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="HOSTLANE_KAMAILIO_DATABASE_URL"):
        Settings(_env_file=None, pbx_driver="kamailio")  # type: ignore[call-arg]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        pbx_driver="kamailio",
        kamailio_database_url="sqlite:////var/lib/kamailio/kamailio.db",
    )
    driver = build_pbx_driver(settings)
    assert isinstance(driver, KamailioPbx)
    assert driver.database_url == "sqlite+aiosqlite:////var/lib/kamailio/kamailio.db"
    assert async_url("postgresql://k@db/kamailio") == "postgresql+asyncpg://k@db/kamailio"
    assert async_url("postgresql+asyncpg://k@db/kamailio") == "postgresql+asyncpg://k@db/kamailio"


POSTGRES_SUBSCRIBER = """CREATE TABLE subscriber (
    id SERIAL PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
)"""  # Kamailio's own (db_postgres, auth_db-create.sql)


@pytest.fixture
async def kamailio_on_postgres() -> AsyncIterator[str]:
    """A throwaway PostgreSQL database holding Kamailio's subscriber table (when the suite has PostgreSQL)."""
    url = postgres_url()
    if url is None:
        pytest.skip("HOSTLANE_TEST_DATABASE_URL is not set: no PostgreSQL to hold Kamailio's table")
    name = f"kamailio_test_{os.getpid()}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_url = sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text(POSTGRES_SUBSCRIBER))
    await engine.dispose()
    yield database_url
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_kamailio_on_postgresql_gets_the_same_rows(kamailio_on_postgres: str) -> None:
    pbx = KamailioPbx(kamailio_on_postgres)
    try:
        await pbx.configure_server(SERVER)
        await pbx.put_line(SERVER, account("1700", "first-secret"))
        await pbx.put_line(SERVER, account("1700"))
        await pbx.put_line(SERVER, account("1701", enabled=False))
        async with pbx.engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT username, domain, password, ha1 FROM subscriber"))).all()
        ha1 = hashlib.md5(f"1700:127.0.0.1:{SECRET}".encode()).hexdigest()  # noqa: S324 - what Kamailio checks
        assert [tuple(row) for row in rows] == [("1700", "127.0.0.1", "", ha1)]
        await pbx.delete_line(SERVER, "1700")
        async with pbx.engine.connect() as connection:
            assert (await connection.execute(sa.text("SELECT count(*) FROM subscriber"))).scalar_one() == 0
        async with pbx.engine.begin() as connection:
            await connection.execute(sa.text("DROP TABLE subscriber"))
        with pytest.raises(DriverError, match="subscriber table is missing") as missing:
            await pbx.put_line(SERVER, account())
        assert not isinstance(missing.value, RetryLater)
    finally:
        await pbx.close()
