"""Every test runs on SQLite and, where LEADBRIDGE_TEST_POSTGRES_URL answers, on PostgreSQL."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from leadbridge.settings import Settings
from tests.databases import PostgresDatabases, SqliteDatabases, postgres_unavailable_reason, postgres_url
from tests.factories import TEST_SECRET_KEY, serving


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    url = postgres_url()
    assert url is not None, "postgres_unavailable_reason() is None only when the URL is set"
    databases = PostgresDatabases(url)
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
    """Rate limiting off, so that tests compare whole response bodies; tests/test_rate_limit.py turns it on."""
    return Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, rate_limit_capacity=0)


@pytest.fixture
async def anonymous_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(settings) as client:
        yield client
