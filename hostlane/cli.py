"""The ``hostlane`` command: serve, migrate, demo data, administrators and API keys."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncSession

from hostlane import tasks  # registers every job handler (the runtime and the runner import no domain)
from hostlane.config import ensure_secret_key, get_settings, use_settings
from hostlane.core.errors import HostlaneError
from hostlane.identity import permissions
from hostlane.identity import service as identity
from hostlane.identity.principal import Principal
from hostlane.runtime import Runtime

app = typer.Typer(
    help="Hostlane: run a service provider's business.", no_args_is_help=True, pretty_exceptions_enable=False
)

T = TypeVar("T")


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``work`` with a runtime, turning a Hostlane error into a message and exit code 1."""

    async def main() -> T:
        runtime = Runtime.build(get_settings())
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except HostlaneError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc


def _write(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction, committed when it returns; what it returns is read after the commit."""

    async def in_transaction(runtime: Runtime) -> T:
        async with runtime.db.transaction() as session:
            return await work(session)

    return _run(in_transaction)


@app.callback()
def _setup() -> None:
    ensure_secret_key()


def _shown_url(url: str) -> str:
    """``url`` without its password, for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (SQLite or PostgreSQL), creating HOSTLANE_DATABASE_SCHEMA if missing."""
    from sqlalchemy.exc import SQLAlchemyError

    from hostlane.core.migrate import prepare_database, upgrade

    settings = get_settings()
    try:
        created = prepare_database(settings.database_url, settings.database_schema)
    except (SQLAlchemyError, OSError) as exc:  # unreachable, refused, no such database, no right to create the schema
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split("\n", 1)[0].split())
        where = _shown_url(settings.database_url)
        schema = f" (schema {settings.database_schema})" if settings.database_schema else ""
        typer.echo(f"Error: cannot prepare the database {where}{schema}: {reason}", err=True)
        raise typer.Exit(1) from None
    if created:
        typer.echo(f"Created the PostgreSQL schema {settings.database_schema}.")
    upgrade(settings.database_url)
    typer.echo("Database is up to date.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each with its own pool).")] = 1,
    test_hosts: Annotated[
        str | None,
        typer.Option(help="Host names (comma-separated) that serve the test environment: HOSTLANE_TEST_HOSTS."),
    ] = None,
) -> None:
    """Serve every face over HTTP. The access log never shows a credential sent in a query string."""
    import os

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from hostlane.core.logs import access_log_config

    if test_hosts is not None:  # in force for this process and the workers it starts (they read the environment)
        os.environ["HOSTLANE_TEST_HOSTS"] = test_hosts
        use_settings(None)
    uvicorn.run(
        "hostlane.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
        log_level="info",
        log_config=access_log_config(LOGGING_CONFIG),
    )


def base_url(host: str, port: int) -> str:
    """The address a person on this machine reaches ``hostlane serve --host HOST --port PORT`` at: a wildcard
    address (every interface) is reached on the loopback one, an IPv6 address goes in brackets."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104 - a name, not a bind
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="The address `hostlane serve` listens on (for the printed URLs).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="The port `hostlane serve` listens on (for the printed URLs).")] = 8000,
    test_hosts: Annotated[
        str | None,
        typer.Option(help="The names `hostlane serve` serves the test environment on (for the printed URLs)."),
    ] = None,
) -> None:
    """Load the demo data if it is not there yet, and print the demo credentials and where to try them."""
    from hostlane.demo import load_demo

    credentials = _run(lambda runtime: load_demo(runtime, ensure_secret_key()))
    names = test_hosts.split(",") if test_hosts is not None else get_settings().test_hosts
    test_host = next((name.strip() for name in names if name.strip()), None)
    typer.echo(credentials.describe(base_url(host, port), test_host))


@app.command("create-admin")
def create_admin(
    login: str,
    email: Annotated[str, typer.Option(help="The administrator's e-mail (owns their API keys).")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str, typer.Option()] = "",
    super_admin: Annotated[bool, typer.Option("--super-admin")] = False,
) -> None:
    """Create an administrator."""
    admin = _write(
        lambda session: identity.create_administrator(
            session, Principal.system(), login=login, email=email, password=password, name=name, super_admin=super_admin
        )
    )
    typer.echo(f"Administrator {admin.login} <{admin.email}> created (id {admin.id}).")


@app.command("disable-admin")
def disable_admin(login: str) -> None:
    """Disable the administrator LOGIN (or e-mail): its API keys stop working at once."""
    admin = _write(lambda session: identity.disable_administrator(session, Principal.system(), login))
    typer.echo(f"Administrator {admin.login} <{admin.email}> is disabled; its API keys no longer work.")


@app.command("create-api-key")
def create_api_key(
    name: str,
    email: str,
    permission: Annotated[
        list[str],
        typer.Option(
            "--permissions",
            "--permission",
            "-p",
            help="A permission (repeat, or separate with commas); '*' grants all.",
        ),
    ],
    test: Annotated[bool, typer.Option("--test", help="A test-mode key: sees only test data.")] = False,
) -> None:
    """Create an API key for the administrator with EMAIL; the key is printed once, on the last line."""
    issued = _write(
        lambda session: identity.create_api_key(
            session, Principal.system(), name=name, admin_email=email, permission_names=permission, livemode=not test
        )
    )
    typer.echo(
        f"API key '{name}' ({'test' if test else 'live'} mode) with permissions: "
        f"{', '.join(issued.key.permissions)}. It is shown only now; store it safely:"
    )
    typer.echo(issued.plaintext)


@app.command("revoke-api-key")
def revoke_api_key(prefix: str) -> None:
    """Revoke the API key whose visible prefix is PREFIX (``hl_live_AbCd1234``)."""
    key = _write(lambda session: identity.revoke_api_key(session, Principal.system(), prefix))
    typer.echo(f"API key {key.prefix} ('{key.name}') is revoked.")


@app.command("permissions")
def list_permissions() -> None:
    """List the permissions an API key can hold."""
    for name, description in permissions.CATALOGUE.items():
        typer.echo(f"{name:24} {description}")


@app.command("create-customer")
def create_customer(
    email: str,
    password: Annotated[str | None, typer.Option(help="Lets the customer log in to the client area.")] = None,
    firstname: Annotated[str | None, typer.Option(help="Default: the e-mail's local part.")] = None,
    lastname: Annotated[str, typer.Option()] = "Customer",
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code.")] = "US",
    currency: Annotated[str | None, typer.Option(help="Default: the first configured currency.")] = None,
    test: Annotated[bool, typer.Option("--test", help="Create it in test mode.")] = False,
) -> None:
    """Create a customer (in live mode unless --test)."""
    from pydantic import ValidationError

    from hostlane.customers import service as customers
    from hostlane.customers.schemas import CustomerCreate

    fields = {
        "email": email,
        "password": password,
        "lastname": lastname,
        "country": country,
        "currency": currency,
        "firstname": firstname or email.split("@", 1)[0].replace(".", " ").title() or "Customer",
    }
    try:
        data = CustomerCreate.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(f"Error: {'.'.join(str(p) for p in error['loc'])}: {error['msg']}", err=True)
        raise typer.Exit(1) from exc

    customer = _write(lambda session: customers.create_customer(session, Principal.system(livemode=not test), data))
    typer.echo(f"Customer {customer['email']} created (id {customer['id']}, {'test' if test else 'live'} mode).")


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="Job threads (with Redis).")] = 4,
) -> None:
    """Run background jobs and the daily billing run.

    With HOSTLANE_REDIS_URL: relays the outbox to Dramatiq on Redis and runs its jobs in THREADS threads
    (any number of workers may run). Without it: runs the jobs itself. Run the API processes with
    HOSTLANE_INPROCESS_JOBS=false when workers run the jobs.
    """
    from hostlane.jobs.runner import schedule_forever, work_forever

    settings = get_settings()
    typer.echo("Hostlane worker: running jobs and the daily billing run. Ctrl-C stops.")

    async def work(runtime: Runtime) -> None:
        every = runtime.settings.billing_run_every_seconds
        if settings.redis_url:
            from dramatiq import Worker

            from hostlane.jobs import broker

            dramatiq_broker = broker.configure(settings.redis_url, lambda: Runtime.build(settings))
            job_threads = Worker(dramatiq_broker, worker_threads=threads, queues={broker.QUEUE})
            job_threads.start()
            try:
                await asyncio.gather(
                    broker.relay_forever(runtime), schedule_forever(runtime, tasks.DAILY_JOB, every_seconds=every)
                )
            finally:
                job_threads.stop()
        else:
            await asyncio.gather(work_forever(runtime), schedule_forever(runtime, tasks.DAILY_JOB, every_seconds=every))

    with contextlib.suppress(KeyboardInterrupt):
        _run(work)


billing_app = typer.Typer(help="Billing: the daily run.", no_args_is_help=True)
app.add_typer(billing_app, name="billing")


@billing_app.command("run")
def billing_run(
    date: Annotated[str | None, typer.Option("--date", help="Run as of this day (YYYY-MM-DD); default today.")] = None,
) -> None:
    """Last month's partner usage, renewal invoices, automatic charges, overdue suspension and termination — safe to
    run again."""
    import datetime as dt

    from hostlane.jobs.runner import drain
    from hostlane.tasks.daily import daily_job

    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError as exc:
        typer.echo(f"Error: --date must be YYYY-MM-DD, not {date!r}.", err=True)
        raise typer.Exit(2) from exc

    async def work(runtime: Runtime) -> None:
        report = await daily_job(runtime.db, day=day)
        if report.skipped:
            typer.echo(f"Skipped: {'; '.join(report.notes)}.")
            return
        if runtime.settings.inprocess_jobs:
            await drain(runtime)
        typer.echo(
            f"Billing run for {report.day}: {report.renewals} renewal invoice(s), "
            f"{report.charges_queued} charge(s) queued, {report.suspended} suspended, "
            f"{report.terminated} terminated."
        )

    _run(work)


tax_app = typer.Typer(help="Tax rules: a rate per country (and state), on two levels.", no_args_is_help=True)
app.add_typer(tax_app, name="tax")


@tax_app.command("add")
def tax_add(
    country: Annotated[str, typer.Argument(help="ISO country code, or '*' for every country.")],
    rate: Annotated[str, typer.Argument(help="Percent, e.g. 20 or 8.875.")],
    state: Annotated[str, typer.Option(help="Only this state or region.")] = "",
    level: Annotated[int, typer.Option(min=1, max=2, help="1 = tax, 2 = tax2.")] = 1,
    name: Annotated[str, typer.Option()] = "",
    test: Annotated[bool, typer.Option("--test", help="A test-mode rule.")] = False,
) -> None:
    """Add (or replace) the tax rule of a country, state and level."""
    from hostlane.billing import service as billing

    rule = _write(
        lambda session: billing.set_tax_rule(
            session,
            Principal.system(livemode=not test),
            country=country,
            state=state,
            level=level,
            rate=rate,
            name=name,
        )
    )
    where = f"{rule.country or 'every country'}{'/' + rule.state if rule.state else ''}"
    typer.echo(f"Tax rule {rule.name}: {rule.rate_milli / 1000:g} % at level {rule.level} for {where}.")


@tax_app.command("list")
def tax_list(test: Annotated[bool, typer.Option("--test")] = False) -> None:
    """List the tax rules."""
    from hostlane.billing import service as billing

    async def work(runtime: Runtime) -> None:
        async with runtime.db.reader() as session:
            for rule in await billing.tax_rules(session, Principal.system(livemode=not test)):
                typer.echo(
                    f"{rule.id:5}  level {rule.level}  {rule.country or '*':2} {rule.state or '*':20} "
                    f"{rule.rate_milli / 1000:g} %  {rule.name}"
                )

    _run(work)


if __name__ == "__main__":  # python -m hostlane.cli (the tests run the command as a process)
    app()
