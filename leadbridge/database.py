"""Tortoise configuration, migrations and the database lifecycle."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.migrations.executor import MigrationExecutor

from leadbridge.settings import Settings, database_dialect

APP_LABEL = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The connection is named after its dialect: Tortoise caches compiled SQL per connection name."""
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url[len("postgresql://") :]
    connection_name = database_dialect(database_url)
    return {
        "connections": {connection_name: database_url},
        "apps": {
            APP_LABEL: {
                "models": ["models"],
                "migrations": "models.migrations",
                "default_connection": connection_name,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For `tortoise makemigrations` (see [tool.tortoise] in pyproject.toml): it reads the
# migration files, not a database, so an in-memory one is enough.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def pending_migrations(settings: Settings) -> list[str]:
    """Names of the migrations not yet applied, in the order they would run."""
    await Tortoise.init(config=tortoise_config(settings.database_url), init_connections=False)
    try:
        config = tortoise_config(settings.database_url)
        executor = MigrationExecutor(connections.get(settings.dialect), config["apps"])
        steps = await executor.plan(None)
        return [f"{step.migration.app_label}.{step.migration.name}" for step in steps if not step.backward]
    finally:
        await Tortoise.close_connections()


async def apply_migrations(settings: Settings) -> list[str]:
    """Apply every pending migration; returns the names applied."""
    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    try:
        await tortoise_migrate(config=tortoise_config(settings.database_url), progress=progress)
    finally:
        await Tortoise.close_connections()
    return applied


@asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[None]:
    """Tortoise initialised against the settings' database for the duration of the block.

    The context is global so that request tasks, which do not inherit the lifespan's
    context variables, see it too.
    """
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def database_answers(settings: Settings) -> bool:
    try:
        await connections.get(settings.dialect).execute_query("SELECT 1")
    except Exception:
        return False
    return True
