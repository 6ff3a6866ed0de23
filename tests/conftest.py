"""Every test runs on SQLite and, where LEADBRIDGE_TEST_POSTGRES_URL answers, on PostgreSQL."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from leadbridge.app import create_app
from leadbridge.settings import Settings
from tests.factories import TEST_SECRET_KEY
from tests.databases import PostgresDatabases, SqliteDatabases, postgres_unavailable_reason, postgres_url


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    databases = PostgresDatabases(postgres_url())  # type: ignore[arg-type]
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    databases = request.getfixturevalue(f"{backend}_databases")
    url = databases.fresh(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET_KEY)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def anonymous_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
