"""What one Hostlane process holds: its settings, the database, Redis, the guards built on them, and the
drivers of each mode.

The runtime imports no domain: job handlers are registered by the entry points (``hostlane.tasks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from redis.asyncio import Redis

from hostlane.config import Settings, get_settings, use_settings
from hostlane.core.db import Database, create_engine
from hostlane.drivers import payments, provisioning
from hostlane.drivers.dns import DnsDriver, SimulatorDns, build_dns_driver
from hostlane.drivers.ldap import LdapDirectory, build_directory
from hostlane.drivers.modes import Drivers
from hostlane.drivers.payments.stripe import StripeGateway
from hostlane.drivers.pbx import PbxDriver, SimulatorPbx, build_pbx_driver
from hostlane.drivers.pdu import PduDriver, SimulatorPdu, build_pdu_driver
from hostlane.drivers.provisioning.cms_instance import CmsInstanceHttp
from hostlane.identity.bans import (
    DatabaseFailureStore,
    FailureStore,
    KeyThrottle,
    LoginGuard,
    Policy,
    RedisFailureStore,
)


@dataclass
class Runtime:
    db: Database
    redis: Redis | None
    login_guard: LoginGuard
    key_throttle: KeyThrottle
    dns: DnsDriver  # live mode's
    pdu: PduDriver
    pbx: PbxDriver = field(default_factory=SimulatorPbx)
    # Test mode always gets simulators: a sandbox customer must never reach the real DNS server or PDUs.
    test_dns: DnsDriver = field(default_factory=SimulatorDns)
    test_pdu: PduDriver = field(default_factory=SimulatorPdu)
    test_pbx: PbxDriver = field(default_factory=SimulatorPbx)
    # Where administrators marked `ldap` log in (None: nowhere, so they cannot).
    directory: LdapDirectory | None = None

    @property
    def settings(self) -> Settings:
        """The process's settings in force (``config.get_settings``): one channel, never a copy of its own."""
        return get_settings()

    def drivers(self, livemode: bool) -> Drivers:
        """Every driver of one mode: the one place that chooses between live and test (``drivers.modes``)."""
        if livemode:
            return Drivers(livemode=True, dns=self.dns, pdu=self.pdu, pbx=self.pbx)
        return Drivers(livemode=False, dns=self.test_dns, pdu=self.test_pdu, pbx=self.test_pbx)

    def dns_for(self, livemode: bool) -> DnsDriver:
        return self.drivers(livemode).dns

    def pdu_for(self, livemode: bool) -> PduDriver:
        return self.drivers(livemode).pdu

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Runtime:
        """Put ``settings`` in force for the process and build what they name."""
        if settings.stripe_secret_key:
            payments.register(StripeGateway(settings.stripe_secret_key, api_base=settings.stripe_api_base))
        if settings.cms_instance_url:
            provisioning.register(
                CmsInstanceHttp(
                    settings.cms_instance_url,
                    settings.cms_instance_secret or "",
                    test_double=provisioning.CMS_SIMULATOR,
                )
            )
        use_settings(settings)
        db = db or Database(
            create_engine(settings.database_url, pool_size=settings.database_pool_size, schema=settings.database_schema)
        )
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        store: FailureStore = RedisFailureStore(redis) if redis is not None else DatabaseFailureStore(db)
        ban = timedelta(minutes=settings.login_ban_minutes)
        window = timedelta(seconds=settings.bad_key_window_seconds)
        return cls(
            db=db,
            redis=redis,
            login_guard=LoginGuard(store, Policy("login", settings.login_max_failures, ban, ban)),
            key_throttle=KeyThrottle(store, Policy("key", settings.bad_key_max_failures, window, window)),
            dns=build_dns_driver(settings),
            pdu=build_pdu_driver(settings),
            pbx=build_pbx_driver(settings),
            directory=build_directory(settings),
        )

    async def close(self) -> None:
        await self.pbx.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()
