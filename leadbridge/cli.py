"""The `leadbridge` command: one clear line and exit 1 on error, exit 2 on usage errors, never a traceback."""

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import uvicorn
from strawberry.relay import to_base64
from tortoise.exceptions import ConfigurationError, DBConnectionError, OperationalError
from tortoise.expressions import F

from leadbridge import demo as demo_network
from leadbridge import request_log
from leadbridge.auth import MAX_TOKEN_TTL_HOURS, issue_token
from leadbridge.database import apply_migrations, connected, pending_migrations
from leadbridge.settings import Settings, SettingsError
from models import DomainError, User
from models.user import create_user, normalize_email

T = TypeVar("T")


class CLIError(Exception):
    """A failure to report to the operator as one line."""


def fail(message: str, status: int = 1) -> NoReturn:
    click.echo(f"leadbridge: error: {message}", err=True)
    sys.exit(status)


def run(coroutine_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(coroutine_factory())


def load_settings(**overrides: Any) -> Settings:
    return Settings.from_env().with_overrides(**overrides)


async def require_migrated(settings: Settings) -> None:
    pending = await pending_migrations(settings)
    if pending:
        raise CLIError(f"{len(pending)} migration(s) pending ({', '.join(pending)}): run 'leadbridge migrate' first")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Leadbridge: the GraphQL API of a partner co-selling CRM."""


async def user_named(email: str) -> User:
    """The user with this email; a CLIError naming it otherwise. Call while connected."""
    normalized = normalize_email(email)
    user = await User.get_or_none(email=normalized)
    if user is None:
        raise CLIError(f"no user with email {normalized}")
    return user


async def active_user(email: str) -> User:
    """The active user with this email; a CLIError naming it otherwise. Call while connected."""
    user = await user_named(email)
    if not user.is_active:
        raise CLIError(f"user {user.email} is deactivated")
    return user


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API; refuses while migrations are pending."""
    settings = load_settings()
    settings.resolved_secret_key()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        fail("SQLite is served by one worker: use PostgreSQL for --workers above 1")
    run(lambda: require_migrated(settings))
    click.echo(f"Leadbridge serving on http://{host}:{port}/graphql", err=True)
    uvicorn.run(
        "leadbridge.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


@cli.command()
def migrate() -> None:
    """Apply pending migrations."""
    settings = load_settings()
    applied = run(lambda: apply_migrations(settings))
    if applied:
        for name in applied:
            click.echo(f"applied {name}")
    else:
        click.echo("no migrations to apply")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def demo(host: str, port: int) -> None:
    """Migrate, seed the demo network when the database is empty, print tokens, serve."""
    from leadbridge.app import create_app

    settings = load_settings()
    secret_key = settings.resolved_secret_key()
    run(lambda: apply_migrations(settings))

    async def seed_and_issue() -> list[tuple[User, str]]:
        async with connected(settings):
            users = await demo_network.seed(settings)
            return [(user, issue_token(user, secret_key, settings.token_ttl_hours)) for user in users]

    issued = run(seed_and_issue)
    url = f"http://{host}:{port}/graphql"
    click.echo(f"GraphiQL: {url}")
    click.echo("Bearer tokens (send as 'Authorization: Bearer <token>'):")
    for user, token in issued:
        role = "admin" if user.is_admin else "user"
        click.echo(f"  {user.email} ({user.company.name}, {role}): {token}")
    request_log.configure()
    app = create_app(settings, demo_token=issued[0][1] if issued else None)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@cli.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--company", required=True, help="Company name; created when new.")
@click.option("--admin", is_flag=True, help="Company admin.")
@click.option("--edit-converted-leads", is_flag=True, help="May edit the fields of converted leads.")
def users_create(email: str, name: str, company: str, admin: bool, edit_converted_leads: bool) -> None:
    """Create a user and print their global ID."""
    settings = load_settings()

    async def create() -> User:
        await require_migrated(settings)
        async with connected(settings):
            return await create_user(
                email=email,
                name=name,
                company_name=company,
                is_admin=admin,
                can_edit_converted_leads=edit_converted_leads,
            )

    user = run(create)
    click.echo(to_base64("User", user.id))


def list_field(text: str) -> str:
    """A field of `users list`: tabs and line breaks in a name would break its columns."""
    return re.sub(r"[\t\r\n]", " ", text)


@users.command("list")
def users_list() -> None:
    """Print one line per user, by email: global ID, email, company, admin, active (tab-separated; yes or no)."""
    settings = load_settings()

    async def listed() -> list[str]:
        await require_migrated(settings)
        async with connected(settings):
            return [
                "\t".join(
                    (
                        to_base64("User", user.id),
                        user.email,
                        list_field(user.company.name),
                        "yes" if user.is_admin else "no",
                        "yes" if user.is_active else "no",
                    )
                )
                for user in await User.all().order_by("email").select_related("company")
            ]

    for line in run(listed):
        click.echo(line)


async def update_user(settings: Settings, email: str, change: Callable[[User], Awaitable[str]]) -> str:
    await require_migrated(settings)
    async with connected(settings):
        return await change(await user_named(email))


async def bump_token_version(user: User, **fields: object) -> None:
    """Revoke every token issued to the user so far (and set `fields`), in one statement."""
    await User.filter(id=user.id).update(token_version=F("token_version") + 1, **fields)


@users.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email: str) -> None:
    """Refuse the user's every request and close their websockets."""

    async def deactivate(user: User) -> str:
        if not user.is_active:
            return f"{user.email} was already deactivated"
        await User.filter(id=user.id).update(is_active=False)
        return f"deactivated {user.email}"

    click.echo(run(lambda: update_user(load_settings(), email, deactivate)))


@users.command("reactivate")
@click.option("--email", required=True)
def users_reactivate(email: str) -> None:
    """Let a deactivated user sign in again with a new token: the tokens issued before stay refused."""

    async def reactivate(user: User) -> str:
        if user.is_active:
            return f"{user.email} is already active"
        await bump_token_version(user, is_active=True)
        return f"reactivated {user.email}: issue a new token with 'leadbridge token'"

    click.echo(run(lambda: update_user(load_settings(), email, reactivate)))


@users.command("revoke-tokens")
@click.option("--email", required=True)
def users_revoke_tokens(email: str) -> None:
    """Refuse every token issued to the user until now; tokens issued afterwards work."""

    async def revoke(user: User) -> str:
        await bump_token_version(user)
        return f"revoked every token of {user.email}"

    click.echo(run(lambda: update_user(load_settings(), email, revoke)))


@cli.command()
@click.option("--email", required=True)
@click.option(
    "--ttl-hours",
    type=click.FloatRange(min=0, min_open=True, max=MAX_TOKEN_TTL_HOURS),
    default=None,
    help="Lifetime; 24 by default, at most ten years.",
)
def token(email: str, ttl_hours: float | None) -> None:
    """Print a bearer token for a user."""
    settings = load_settings(token_ttl_hours=ttl_hours)
    secret_key = settings.resolved_secret_key()

    async def issue() -> str:
        await require_migrated(settings)
        async with connected(settings):
            user = await active_user(email)
        return issue_token(user, secret_key, settings.token_ttl_hours)

    click.echo(run(issue))


@cli.command("seed")
@click.option("--leads", "leads", required=True, type=click.IntRange(1, 10_000_000), help="How many leads to add.")
def seed_command(leads: int) -> None:
    """Add a synthetic network of N leads for benchmarks (again: N more), with a progress bar."""
    from tqdm import tqdm

    from leadbridge.seed import SeedError, seed

    settings = load_settings()

    async def build() -> str:
        await require_migrated(settings)
        async with connected(settings):
            with tqdm(total=leads, unit="lead", unit_scale=True, file=sys.stderr, desc="seeding") as bar:
                try:
                    result = await seed(leads, progress=bar.update)
                except SeedError as error:
                    raise CLIError(str(error)) from None
        return (
            f"seeded {result.leads_added} leads: {result.leads_total} in all, "
            f"{result.companies} companies, {result.users} users"
        )

    click.echo(run(build))


@cli.command("import-leads")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE.csv")
@click.option("--as", "as_email", required=True, metavar="EMAIL", help="The importing user, owner of every new lead.")
@click.option("--dry-run", is_flag=True, help="Check every row and report, writing nothing.")
def import_leads_command(file: Path, as_email: str, dry_run: bool) -> None:
    """Import leads from a CSV file (see README, "Importing leads"); bad rows go to stderr with
    their line number, and the exit status is 1 when there was any."""
    from contextlib import ExitStack

    from tqdm import tqdm

    from models.lead_import import BadRow, ImportReport, import_leads
    from permissions.scopes import visible_companies

    settings = load_settings()

    async def work() -> "ImportReport":
        await require_migrated(settings)
        async with connected(settings):
            user = await active_user(as_email)
            with file.open("rb") as stream, ExitStack() as bars:
                bar = tqdm(disable=True)

                def start(rows: int) -> None:
                    nonlocal bar
                    bar = bars.enter_context(
                        tqdm(total=rows, unit="row", file=sys.stderr, desc="importing", disable=None)
                    )

                def report_bad_row(bad: BadRow) -> None:
                    tqdm.write(f"line {bad.line}: {bad.reason}", file=sys.stderr)

                try:
                    report = await import_leads(
                        user,
                        stream,
                        companies=visible_companies(user),
                        dry_run=dry_run,
                        on_bad_row=report_bad_row,
                        on_start=start,
                        on_progress=lambda rows: bar.update(rows),
                    )
                except DomainError as error:
                    raise CLIError(f"{file}: {error.message}") from None
        return report

    report = run(work)
    if dry_run:
        click.echo(
            f"dry run, nothing written: would create {report.created} leads, "
            f"would skip {report.skipped} already imported, {report.bad_rows} bad rows"
        )
    else:
        click.echo(
            f"created {report.created} leads, skipped {report.skipped} already imported, {report.bad_rows} bad rows"
        )
    if report.bad_rows:
        sys.exit(1)


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from schema import schema

    click.echo(schema.as_str())


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="leadbridge", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help() if error.ctx else str(error))
        sys.exit(2)
    except click.UsageError as error:
        fail(f"{error.format_message().rstrip('.')} (see 'leadbridge --help')", 2)
    except click.Abort:
        fail("aborted")
    except click.ClickException as error:
        fail(error.format_message())
    except (CLIError, SettingsError) as error:
        fail(str(error))
    except DomainError as error:
        fail(error.message)
    except (DBConnectionError, ConfigurationError, OperationalError, OSError) as error:
        fail(f"database unavailable: {one_line(error)}")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the operator gets one line, never a traceback
        fail(f"unexpected {type(error).__name__}: {one_line(error)}")


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
