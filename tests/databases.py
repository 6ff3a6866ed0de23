"""Test databases: one migrated template per backend and session, a fresh copy per test."""

import asyncio
import itertools
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from leadbridge.database import apply_migrations
from leadbridge.settings import Settings

POSTGRES_ENV = "LEADBRIDGE_TEST_POSTGRES_URL"
_counter = itertools.count()


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def postgres_unavailable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    url = postgres_url()
    if not url:
        return f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped"
    try:
        asyncio.run(_ping(url))
    except (OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL at {url} does not answer ({error}): PostgreSQL tests skipped"
    return None


async def _ping(url: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    await connection.close()


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.template = root / "template.db"
        asyncio.run(apply_migrations(Settings(database_url=f"sqlite://{self.template}")))

    def fresh(self, directory: Path) -> str:
        path = directory / f"leadbridge-{next(_counter)}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite://{path}"

    def drop(self, url: str) -> None:
        return None

    def close(self) -> None:
        return None


class PostgresDatabases:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.prefix = f"lbtest_{os.getpid()}"
        self.template_name = f"{self.prefix}_template"
        asyncio.run(
            _admin(server_url, f"DROP DATABASE IF EXISTS {self.template_name}", f"CREATE DATABASE {self.template_name}")
        )
        asyncio.run(apply_migrations(Settings(database_url=with_database(server_url, self.template_name))))

    def fresh(self, directory: Path) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        asyncio.run(_admin(self.server_url, f"CREATE DATABASE {name} TEMPLATE {self.template_name}"))
        return with_database(self.server_url, name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.strip("/")
        asyncio.run(_admin(self.server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        asyncio.run(_admin(self.server_url, f"DROP DATABASE IF EXISTS {self.template_name} WITH (FORCE)"))
