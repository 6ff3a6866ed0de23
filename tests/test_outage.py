"""An outage says so: while the database is gone, unreachable or not migrated, GraphQL answers
503 SERVICE_UNAVAILABLE with Retry-After and /healthz answers 503, so that a load balancer stops
sending traffic; the server recovers by itself once the database is back."""

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import jwt
import pytest

from leadbridge.settings import Settings
from tests.databases import _admin, with_database
from tests.factories import TEST_SECRET_KEY, client_as, make_user, serving, token_for
from tests.live import cli_env, run_cli

VIEWER = "query Viewer { viewer { email } }"
UNAVAILABLE = {
    "errors": [
        {"message": "The database is unavailable: try again shortly", "extensions": {"code": "SERVICE_UNAVAILABLE"}}
    ]
}


def settings_for(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, rate_limit_capacity=0)


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.strip("/")


@asynccontextmanager
async def postgres_database_gone(database_url: str) -> AsyncIterator[None]:
    """Every connection to the database terminated and the database renamed away, as if it had
    been dropped; renamed back when the block ends."""
    name = database_name(database_url)
    server = with_database(database_url, "postgres")
    for _attempt in range(20):
        try:
            await _admin(
                server,
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
                f"ALTER DATABASE {name} RENAME TO {name}_gone",
            )
            break
        except asyncpg.ObjectInUseError:  # a connection came back between the two statements
            await asyncio.sleep(0.1)
    try:
        yield
    finally:
        await _admin(server, f"ALTER DATABASE {name}_gone RENAME TO {name}")


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists and answers, with no migration applied."""
    if backend == "sqlite":
        yield f"sqlite://{tmp_path / 'empty.db'}"
        return
    databases = request.getfixturevalue("postgres_databases")
    name = f"{databases.prefix}_empty"
    asyncio.run(_admin(databases.server_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"))
    url = with_database(databases.server_url, name)
    yield url
    databases.drop(url)


async def test_postgres_gone_answers_503_and_the_server_recovers_when_it_returns(backend, settings, database_url):
    if backend != "postgres":
        pytest.skip("a running SQLite server keeps its file open: see the test below for SQLite")
    # given a server that answers a user
    async with serving(settings) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            before = await client.post("/graphql", json={"query": VIEWER})

            # when the database is dropped from under it, its connections terminated
            async with postgres_database_gone(database_url):
                during = await client.post("/graphql", json={"query": VIEWER})
                health_during = await anonymous_client.get("/healthz")

            # and it comes back
            after = await client.post("/graphql", json={"query": VIEWER})
            health_after = await anonymous_client.get("/healthz")

    # then the requests made while it was gone are told to come back later, and the server recovered
    assert (before.status_code, before.json()) == (200, {"data": {"viewer": {"email": user.email}}})
    assert (during.status_code, during.json(), during.headers["retry-after"]) == (503, UNAVAILABLE, "5")
    assert (health_during.status_code, health_during.json()) == (503, {"status": "unavailable"})
    assert (after.status_code, after.json()) == (200, {"data": {"viewer": {"email": user.email}}})
    assert (health_after.status_code, health_after.json()) == (200, {"status": "ok"})


async def test_sqlite_unreadable_answers_503_and_the_server_recovers_when_it_returns(
    backend, settings, database_url, tmp_path
):
    if backend != "sqlite":
        pytest.skip("PostgreSQL is taken away under a running server in the test above")
    # given a user in a database whose file is then put out of reach (a directory in its place)
    async with serving(settings):
        user = await make_user()
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    path = Path(database_url.removeprefix("sqlite://"))
    aside = tmp_path / "aside.db"
    shutil.move(path, aside)
    path.mkdir()

    # when a server starts on it, and the file comes back while it runs
    async with serving(settings) as anonymous_client:
        during = await anonymous_client.post("/graphql", json={"query": VIEWER}, headers=headers)
        health_during = await anonymous_client.get("/healthz")
        path.rmdir()
        shutil.move(aside, path)
        after = await anonymous_client.post("/graphql", json={"query": VIEWER}, headers=headers)
        health_after = await anonymous_client.get("/healthz")

    # then the requests made while it was unreadable are told to come back later, and the server recovered
    assert (during.status_code, during.json(), during.headers["retry-after"]) == (503, UNAVAILABLE, "5")
    assert (health_during.status_code, health_during.json()) == (503, {"status": "unavailable"})
    assert (after.status_code, after.json()) == (200, {"data": {"viewer": {"email": user.email}}})
    assert (health_after.status_code, health_after.json()) == (200, {"status": "ok"})


async def test_healthz_answers_503_while_migrations_are_pending(empty_database_url):
    # given a server on a database that answers but has no migration applied, and a signed token
    settings = settings_for(empty_database_url)
    token = jwt.encode({"sub": "1", "ver": 0, "exp": int(time.time()) + 3600}, TEST_SECRET_KEY, "HS256")
    async with serving(settings) as anonymous_client:
        # when a load balancer asks for its health, and a client sends a query
        unmigrated = await anonymous_client.get("/healthz")
        query = await anonymous_client.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )

        # and when the operator applies the migrations
        migrate = await asyncio.to_thread(run_cli, "migrate", env=cli_env(empty_database_url))
        migrated = await anonymous_client.get("/healthz")

    # then both are unavailable until the migrations are applied
    assert (unmigrated.status_code, unmigrated.json()) == (503, {"status": "unavailable"})
    assert (query.status_code, query.json(), query.headers["retry-after"]) == (503, UNAVAILABLE, "5")
    assert migrate.returncode == 0, migrate.stderr
    assert (migrated.status_code, migrated.json()) == (200, {"status": "ok"})
