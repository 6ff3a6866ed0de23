"""Tortoise configuration, migrations and the database lifecycle.

The SQLite client below builds on Tortoise's private SQLite client, transaction and connection
classes (their locks, `_in_transaction`, `begin`), pinned to the tested version. It fixes how
transactions behave across processes and after a failed open, so it has no off switch. It is the
only use of Tortoise's private API: this module is the Tortoise engine that `connection_config`
names, and only the composition root opens connections.
"""

import pkgutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.client import ConnectionWrapper, TransactionalDBClient, TransactionContext
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite import client as sqlite_client
from tortoise.exceptions import TransactionManagementError
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.migrations.executor import MigrationExecutor

from leadbridge.settings import Settings, database_dialect

APP_LABEL = "models"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class ImmediateSqliteTransaction(sqlite_client.SqliteTransactionWrapper):
    """A transaction that takes SQLite's write lock when it begins, waiting for it up to the busy
    timeout. A deferred one that reads and then writes fails at once with "database is locked"
    when another process wrote in between, since SQLite cannot upgrade its stale snapshot."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TransactionManagementError(error) from error


class ReleasingConnectionWrapper(ConnectionWrapper[Any]):
    """Tortoise's wrapper of the one SQLite connection, releasing its lock when the connection
    cannot be opened (the file is unreadable, or gone): Tortoise's keeps the lock, and every
    later query of the process waits for it forever instead of trying again."""

    async def __aenter__(self) -> Any:
        await self._lock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._lock.release()
            raise
        return self.connection


class ReleasingTransactionContext(sqlite_client.SqliteTransactionContext):
    """Tortoise's SQLite transaction, releasing its lock when the transaction cannot begin."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = sqlite_client.get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                sqlite_client.get_connections().reset(self.token)
                raise
        except BaseException:
            self._trxlock.release()
            raise
        return self.connection


class SqliteClient(sqlite_client.SqliteClient):
    """Tortoise's SQLite client, with transactions serialised across processes (`--workers`),
    that tries again after the database could not be opened."""

    def acquire_connection(self) -> ConnectionWrapper[Any]:
        return ReleasingConnectionWrapper(self._lock, self)

    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(ImmediateSqliteTransaction(self), self._lock)


client_class = SqliteClient  # this module is the Tortoise engine of SQLite connections


class PooledConnection(asyncpg.Connection):
    """The server's pooled PostgreSQL connections, handed back to the pool without asyncpg's reset
    script (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL): one more round trip after every
    statement outside a transaction, for state this server never leaves on them. It takes no
    advisory locks, holds cursors and `SET LOCAL` only inside transactions (which asyncpg always
    ends on release), sets no session parameter and listens on a connection of its own
    (`leadbridge.events`)."""

    def get_reset_query(self) -> str:
        return ""


def connection_config(database_url: str, *, migrating: bool = False) -> str | dict[str, Any]:
    """PostgreSQL through pooled connections released without a reset (`PooledConnection`);
    SQLite through this module's client, in WAL mode, waiting for locks. Migrations, which run
    alone, keep Tortoise's own clients: its migration executor picks the SQL dialect by the
    client's module."""
    if migrating:
        return database_url
    if database_dialect(database_url) != "sqlite":
        config = expand_db_url(database_url)
        config["credentials"]["connection_class"] = PooledConnection
        return config
    config = expand_db_url(database_url)
    config["engine"] = __name__
    config["credentials"].setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
    return config


def tortoise_config(database_url: str, *, migrating: bool = False) -> dict[str, Any]:
    """The connection is named after its dialect: Tortoise caches compiled SQL per connection name."""
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url[len("postgresql://") :]
    connection_name = database_dialect(database_url)
    return {
        "connections": {connection_name: connection_config(database_url, migrating=migrating)},
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
TORTOISE_ORM = tortoise_config("sqlite://:memory:", migrating=True)


async def pending_migrations(settings: Settings) -> list[str]:
    """Names of the migrations not yet applied, in the order they would run."""
    config = tortoise_config(settings.database_url, migrating=True)
    await Tortoise.init(config=config, init_connections=False)
    try:
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
        await tortoise_migrate(config=tortoise_config(settings.database_url, migrating=True), progress=progress)
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


def migration_names() -> frozenset[str]:
    """The migrations on disk, found as Tortoise's MigrationLoader finds them."""
    import models.migrations

    return frozenset(
        name
        for _, name, is_package in pkgutil.iter_modules(models.migrations.__path__)
        if not is_package and name[0] not in "_~"
    )


APPLIED_MIGRATIONS = f'SELECT "name" FROM "tortoise_migrations" WHERE "app" = \'{APP_LABEL}\''


async def database_ready(settings: Settings, migrations: frozenset[str]) -> bool:
    """Whether the database answers and has every one of `migrations` applied: one small query,
    cheap enough for a load balancer's health check."""
    try:
        _, rows = await connections.get(settings.dialect).execute_query(APPLIED_MIGRATIONS)
    except Exception:
        return False
    return migrations <= {row["name"] for row in rows}
