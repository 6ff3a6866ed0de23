"""The parsed documents kept between requests are bounded by the memory they hold, not only by
their number: a flood of distinct large documents leaves the cache within its bytes and the
server's memory where it was."""

from collections.abc import Iterator

import httpx
import pytest

from schema.documents import MAX_DOCUMENT_BYTES, MAX_HELD_BYTES, documents
from tests.factories import client_as, make_user
from tests.live import cli_env, live_server, run_cli

MIB = 1024 * 1024
VIEWER = "{ viewer { id } }"
UNKNOWN_FIELD = "{ viewer { nickname } }"


def commented(n: int) -> str:
    """A valid document of about 1 MB, almost all of it one comment."""
    return f"# {n:06} " + "x" * 1_000_000 + "\n" + VIEWER


def many_ids(n: int) -> str:
    """A valid document of 1,900 string tokens (16 KB of text, over 1 MB once parsed)."""
    return "{ nodes(ids: [" + ", ".join(f'"x{n}-{i}"' for i in range(1900)) + "]) { id } }"


def held(query: str) -> bool:
    return any(key[0] == query for key in documents.entries)


async def post(client: httpx.AsyncClient, query: str) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text[:200]
    return response


async def test_a_flood_of_distinct_large_documents_keeps_the_cache_within_its_bytes(
    anonymous_client: httpx.AsyncClient,
) -> None:
    user = await make_user()
    floods = [many_ids(n) for n in range(40)]
    large = [commented(n) for n in range(3)]

    async with client_as(anonymous_client, user) as client:
        await post(client, VIEWER)
        for query in floods:
            answered = await post(client, query)
        for query in large:
            await post(client, query)
        refused = await post(client, UNKNOWN_FIELD)

    assert answered.json()["data"]["nodes"] == [None] * 1900
    assert refused.json()["errors"][0]["message"].startswith("Cannot query field 'nickname' on type 'User'.")
    assert sum(entry.size for entry in documents.entries.values()) == documents.held_bytes
    assert documents.held_bytes <= MAX_HELD_BYTES
    assert all(entry.size <= MAX_DOCUMENT_BYTES for entry in documents.entries.values())
    assert held(floods[-1]) and not held(floods[0])
    assert not any(held(query) for query in large)
    assert not held(UNKNOWN_FIELD)


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


@pytest.fixture
def bearer(database_url: str) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    env = cli_env(database_url)
    created = run_cli("users", "create", "--email", "ada@example.com", "--name", "Ada", "--company", "Acme", env=env)
    assert created.returncode == 0, created.stderr
    issued = run_cli("token", "--email", "ada@example.com", env=env)
    assert issued.returncode == 0, issued.stderr
    yield env, {"Authorization": f"Bearer {issued.stdout.strip()}"}


@pytest.mark.slow
def test_the_servers_memory_returns_near_where_it_was_after_a_flood_of_large_documents(
    bearer: tuple[dict[str, str], dict[str, str]],
) -> None:
    env, headers = bearer

    with live_server(env) as server, httpx.Client(headers=headers, timeout=60) as client:
        for n in range(5):
            client.post(server.graphql_url, json={"query": commented(1_000 + n)})
            client.post(server.graphql_url, json={"query": many_ids(1_000 + n)})
        before = rss(server.process.pid)
        statuses = {client.post(server.graphql_url, json={"query": commented(n)}).status_code for n in range(20)}
        statuses |= {client.post(server.graphql_url, json={"query": many_ids(n)}).status_code for n in range(40)}
        after = rss(server.process.pid)

    assert statuses == {200}
    assert after - before <= MAX_HELD_BYTES + 16 * MIB, f"RSS grew from {before / MIB:.0f} MiB to {after / MIB:.0f} MiB"
