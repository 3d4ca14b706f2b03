"""Settings, read from the environment (prefix ``HOSTLANE_``) and from a ``.env`` file.

One channel carries them: the process's settings in force, this module's ``get_settings()``.
``Runtime.build(settings)`` puts them in force (``use_settings``) and ``Runtime.settings`` reads them back from
here (it keeps no copy), so a face reading ``runtime.settings``, a job reading it, and a domain or ``core.money``
calling ``get_settings()`` all see the same value. Only an entry point (the CLI, ``create_app``, Alembic's
environment, a test fixture) chooses settings; everything else reads them. Domains read them where they
need them rather than taking them as arguments, so that no face has to pass a setting it does not use.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./hostlane.db"
ENV_FILE = ".env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOSTLANE_", env_file=ENV_FILE, extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL schema to use instead of "public" (one database shared by several instances or test workers).
    database_schema: str | None = None
    redis_url: str | None = None
    secret_key: str = ""
    # Database pool of each API process (PostgreSQL only; SQLite uses one file).
    database_pool_size: int = 20

    # Failed password logins: this many from one IP within `login_ban_minutes` ban it for that long.
    login_max_failures: int = 3
    login_ban_minutes: int = 15
    # Unknown or revoked API keys / tokens from one IP: this many per window, then 429.
    bad_key_max_failures: int = 20
    bad_key_window_seconds: int = 60
    # Threads that hash and verify passwords off the event loop (argon2id: ~64 MiB and tens of ms each).
    password_hash_threads: int = 2
    # A successful password check is remembered this long from its verification (HTTP Basic sends the password on
    # every call), for at most this many accounts, least recently used out first, in each process; 0 turns it off.
    password_cache_seconds: float = 60
    password_cache_size: int = 10_000

    # Proxies whose X-Forwarded-For is believed (addresses or networks).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Host names that serve the test environment (as Xibo's test.xibo.org.uk).
    test_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Partners' integrations: how long the previous clientSecret keeps working after a refresh (0: not at all),
    # and how long an access token of the partner API lives.
    partner_secret_overlap_seconds: int = Field(default=0, ge=0)
    partner_token_seconds: int = Field(default=3600, ge=60)

    # Currencies customers can be billed in (ISO 4217); the first is the default.
    currencies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["EUR", "USD", "GBP"])
    default_locale: str = "en_GB"

    # Invoice numbers: {year}, {month}, {day} and the running number {n} (counted per the text before it).
    invoice_number_format: str = "{year}/{month}/{n}"
    # Billing run: renewal invoices this many days before the due date; then reminders, suspension, termination.
    invoice_days_before_due: int = 14
    reminder_days_after_due: int = 3
    suspend_days_after_due: int = 7
    terminate_days_after_due: int = 30

    # How often the embedded scheduler (and `hostlane worker`) repeats the idempotent daily run.
    billing_run_every_seconds: float = 3600

    # Outgoing mail: smtp://user:pass@host:port (or smtps://); unset keeps mail in memory (make run, tests).
    smtp_url: str | None = None
    mail_from: str = "Hostlane <billing@hostlane.local>"
    # Stripe: the secret key enables the "stripe" gateway; the webhook secret verifies its events.
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None  # another address for Stripe's API (a local stand-in in tests)
    # Stripe's publishable key (pk_…): the client area's billing page gives it to Stripe.js to save a card.
    stripe_publishable_key: str | None = None
    # CMS instances (the partner API's): the HTTP contract of ``drivers.provisioning.cms_instance`` at this base URL
    # with this bearer secret; unset, the cms_instance module is its simulator.
    cms_instance_url: str | None = None
    cms_instance_secret: str | None = None

    # Reverse DNS (PTR records): the in-memory simulator, or PowerDNS Authoritative's HTTP API
    # (http://host:8081, its api-key, and the name servers of the reverse zones it creates).
    dns_driver: Literal["simulator", "powerdns"] = "simulator"
    powerdns_url: str | None = None
    powerdns_api_key: str | None = None
    powerdns_server_id: str = "localhost"
    powerdns_nameservers: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["ns1.example.net.", "ns2.example.net."]
    )
    # Power distribution units: only the simulator until the SNMP driver comes.
    pdu_driver: Literal["simulator"] = "simulator"

    # Telephony: the PBX driver of live mode (test mode always uses the simulator), the lines a PBX server holds
    # unless it says otherwise, how long an XCI login lasts, and the page of free numbers (default and most).
    # "kamailio" writes each line's SIP account into the `subscriber` table of the database Kamailio's auth_db
    # reads: sqlite:////var/lib/kamailio/kamailio.db or postgresql://kamailio:…@db/kamailio.
    pbx_driver: Literal["simulator", "kamailio"] = "simulator"
    kamailio_database_url: str | None = None
    pbx_default_capacity: int = Field(1000, ge=1)
    xci_session_minutes: int = Field(8 * 60, ge=1)
    available_numbers_page: int = Field(100, ge=1)
    available_numbers_max_page: int = Field(1000, ge=1)

    # Administrators marked `ldap` log in against this LDAP directory (ldap:// or ldaps://): bind as the DN of
    # `ldap_bind_dn_template` ("uid={login},ou=people,dc=example,dc=net"), or find the entry under
    # `ldap_search_base` with `ldap_search_filter` (anonymously, or as `ldap_bind_dn`) and bind as it.
    ldap_url: str | None = None
    ldap_bind_dn_template: str | None = None
    ldap_search_base: str | None = None
    ldap_search_filter: str = "(uid={login})"
    ldap_bind_dn: str | None = None
    ldap_bind_password: str | None = None
    ldap_timeout_seconds: float = Field(5.0, gt=0, le=60)

    # The provider's name and address as printed on invoices.
    seller: str = "Hostlane demo provider, 1 Example Street, 75001 Paris, France"

    # Run jobs inside the API process (the embedded default); off when `hostlane worker`s run them.
    inprocess_jobs: bool = True

    max_request_bytes: int = 2 * 1024 * 1024
    # Uploaded files (product and group images): where they are kept (default: `files/` beside a SQLite database,
    # else under the working directory), and how large one may be; a multipart body may exceed
    # max_request_bytes by that much.
    files_dir: Path | None = None
    max_upload_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    max_page_size: int = 100
    # A request body (JSON, XML, form fields) may nest this deep and hold this many values (containers,
    # scalars, form fields) at most; deeper or larger is a 400 before authentication.
    max_body_depth: int = Field(32, ge=2, le=256)
    max_body_elements: int = Field(10_000, ge=10)

    # The address clients reach Hostlane at (https://billing.example.net): the links of paginated answers are
    # built from it. Unset, a link uses the request's own scheme and host only when the peer is a trusted proxy
    # (its X-Forwarded-Proto and X-Forwarded-Host) or the Host is one of `allowed_hosts`; otherwise the link
    # is relative to this server (a path and query, no host), so a forged Host header is never echoed.
    public_url: str | None = None
    # Host names this server answers to, for links when `public_url` is unset (the test hosts count too).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator(
        "trusted_proxies", "test_hosts", "allowed_hosts", "currencies", "powerdns_nameservers", mode="before"
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest.split("/", 1)[0]:
            raise ValueError("public_url must be an absolute http(s) URL such as https://billing.example.net")
        return value.rstrip("/")

    @field_validator("currencies")
    @classmethod
    def _upper_currencies(cls, value: list[str]) -> list[str]:
        currencies = [code.upper() for code in value]
        if not currencies or any(len(code) != 3 or not code.isalpha() for code in currencies):
            raise ValueError("currencies must be ISO 4217 codes such as EUR,USD")
        return currencies

    @field_validator("powerdns_nameservers")
    @classmethod
    def _some_nameservers(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("powerdns_nameservers needs at least one name server, such as ns1.example.net.")
        return value

    @model_validator(mode="after")
    def _powerdns_reachable(self) -> Settings:
        missing = [
            f"HOSTLANE_{name.upper()}"
            for name in ("powerdns_url", "powerdns_api_key")
            if self.dns_driver == "powerdns" and not getattr(self, name)
        ]
        if missing:
            raise ValueError(f"HOSTLANE_DNS_DRIVER=powerdns needs {' and '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _ldap_finds_entries(self) -> Settings:
        if not self.ldap_url:
            return self
        if bool(self.ldap_bind_dn_template) == bool(self.ldap_search_base):
            raise ValueError("HOSTLANE_LDAP_URL needs one of HOSTLANE_LDAP_BIND_DN_TEMPLATE, HOSTLANE_LDAP_SEARCH_BASE")
        template = self.ldap_bind_dn_template or self.ldap_search_filter
        if "{login}" not in template:
            raise ValueError(f"the LDAP bind DN template or search filter {template!r} must contain {{login}}")
        return self

    @model_validator(mode="after")
    def _kamailio_database(self) -> Settings:
        if self.pbx_driver == "kamailio" and not self.kamailio_database_url:
            raise ValueError("HOSTLANE_PBX_DRIVER=kamailio needs HOSTLANE_KAMAILIO_DATABASE_URL")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_current: Settings | None = None


def get_settings() -> Settings:
    """The settings in force: those of the running process (``use_settings``), else the environment's."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def use_settings(settings: Settings | None) -> None:
    """Put ``settings`` in force for this process (``None``: read the environment again). ``Runtime.build``
    calls it; a test that builds a runtime with other settings puts the suite's back afterwards."""
    global _current
    _current = settings


def ensure_secret_key(env_file: Path = Path(ENV_FILE)) -> str:
    """Return the configured secret key, generating one into ``.env`` on first use.

    The embedded default has no operator to set a key, so the first start writes a random one
    next to the database; later starts read it back, so tokens and demo credentials survive.
    """
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    key = secrets.token_urlsafe(48)
    existing = env_file.read_text() if env_file.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    env_file.write_text(f"{existing}{separator}HOSTLANE_SECRET_KEY={key}\n")
    env_file.chmod(0o600)
    use_settings(None)
    return key
