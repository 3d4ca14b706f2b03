"""Demo data for ``make run``: loaded once, with credentials derived from the instance's secret key.

The credentials are derived (not stored), so every ``make run`` can print them again while the
database keeps only their hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hostlane.core.passwords import derived_secret
from hostlane.identity import repository as identity_repo
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime

DEMO_ADMIN_LOGIN = "admin"
DEMO_ADMIN_EMAIL = "admin@hostlane.example"


@dataclass(frozen=True)
class DemoCredentials:
    admin_login: str
    admin_email: str
    admin_password: str
    api_key: str
    test_api_key: str

    def describe(self, base_url: str = "http://127.0.0.1:8000") -> str:
        return "\n".join(
            [
                "Hostlane demo credentials",
                f"  administrator            {self.admin_login} / {self.admin_email}",
                f"  administrator password   {self.admin_password}",
                f"  application API key      {self.api_key}   (live mode, every permission)",
                f"  test-mode API key        {self.test_api_key}   (test mode, every permission)",
                f"  API documentation        {base_url}/api/documentation",
                f'  try: curl -H "Authorization: Bearer {self.api_key}" {base_url}/api/application/health',
            ]
        )


def demo_credentials(secret_key: str) -> DemoCredentials:
    def key(mode: str) -> str:
        return (
            f"hl_{mode}_{derived_secret(secret_key, f'demo-{mode}-key-id', 8)}"
            f"{derived_secret(secret_key, f'demo-{mode}-key-secret', 40)}"
        )

    return DemoCredentials(
        admin_login=DEMO_ADMIN_LOGIN,
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=derived_secret(secret_key, "demo-admin-password", 16),
        api_key=key("live"),
        test_api_key=key("test"),
    )


async def load_demo(runtime: Runtime, secret_key: str) -> DemoCredentials:
    """Create the demo administrator and keys (and later the demo catalogue) unless they exist."""
    credentials = demo_credentials(secret_key)
    system = Principal.system()
    async with runtime.db.transaction() as session:
        if await identity_repo.administrator_by_email(session, DEMO_ADMIN_EMAIL) is None:
            await identity.create_administrator(
                session,
                system,
                login=DEMO_ADMIN_LOGIN,
                email=DEMO_ADMIN_EMAIL,
                password=credentials.admin_password,
                name="Demo Administrator",
                super_admin=True,
            )
            for livemode, text in ((True, credentials.api_key), (False, credentials.test_api_key)):
                await identity.create_api_key(
                    session,
                    system,
                    name=f"demo ({'live' if livemode else 'test'})",
                    admin_email=DEMO_ADMIN_EMAIL,
                    permission_names=["*"],
                    livemode=livemode,
                    plaintext=text,
                )
    return credentials
