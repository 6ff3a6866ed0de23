"""The parsed documents kept between requests are bounded by the memory they hold, not only by
their number: a flood of distinct large documents leaves the cache within its bytes and the
server's memory where it was. Every transport (a JSON POST, a GET, a multipart upload, an
operation over a websocket) parses each document once, through that cache."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message

import schema.documents
from schema.documents import MAX_DOCUMENT_BYTES, MAX_HELD_BYTES, documents
from tests.factories import client_as, make_user, token_for
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


WAIT = 10.0


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The source of every document graphql-core parses from now on."""
    parsed: list[str] = []
    parse = schema.documents.parse

    def counting(query: str, **options: Any) -> Any:
        parsed.append(query)
        return parse(query, **options)

    monkeypatch.setattr(schema.documents, "parse", counting)
    return parsed


def fresh(query: str) -> str:
    """`query` with a comment no other test sends, so that the cache does not hold it yet."""
    return f"# {uuid.uuid4().hex}\n{query}"


class Socket:
    """A websocket to the app, driven in this event loop through ASGI."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.outgoing: asyncio.Queue[Message] = asyncio.Queue()

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.incoming.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive_json(self) -> dict[str, Any]:
        message = await asyncio.wait_for(self.outgoing.get(), WAIT)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def run(self) -> None:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"test"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
            "subprotocols": ["graphql-transport-ws"],
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
        }
        await self.app(scope, self.incoming.get, self.outgoing.put)


@asynccontextmanager
async def socket_as(anonymous_client: httpx.AsyncClient, token: str) -> AsyncIterator[Socket]:
    """A websocket of the client's app, its connection acknowledged for the token."""
    transport = anonymous_client._transport
    assert isinstance(transport, httpx.ASGITransport)
    socket = Socket(transport.app)
    await socket.incoming.put({"type": "websocket.connect"})
    task = asyncio.create_task(socket.run())
    try:
        accepted = await asyncio.wait_for(socket.outgoing.get(), WAIT)
        assert accepted["type"] == "websocket.accept", accepted
        await socket.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert await socket.receive_json() == {"type": "connection_ack"}
        yield socket
    finally:
        await socket.incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(task, WAIT)


async def test_a_json_post_and_a_get_parse_their_document_once(anonymous_client, parses):
    user = await make_user()
    posted, got = fresh("query Me { viewer { id } }"), fresh("query Me { viewer { name } }")

    async with client_as(anonymous_client, user) as client:
        first = await client.post("/graphql", json={"query": posted})
        again = await client.post("/graphql", json={"query": posted})
        by_get = await client.get("/graphql", params={"query": got})

    assert first.json() == again.json() == {"data": {"viewer": {"id": first.json()["data"]["viewer"]["id"]}}}
    assert by_get.json() == {"data": {"viewer": {"name": user.name}}}
    assert parses == [posted, got]
    assert held(posted) and held(got)


async def test_a_multipart_upload_parses_its_document_once(anonymous_client, parses):
    user = await make_user()
    query = fresh("query Me { viewer { email } }")
    upload = {
        "data": {"operations": json.dumps({"query": query}), "map": "{}"},
        "files": {"unused": ("notes.txt", b"hello", "text/plain")},
    }

    async with client_as(anonymous_client, user) as client:
        first = await client.post("/graphql", **upload)
        again = await client.post("/graphql", **upload)

    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json() == {"data": {"viewer": {"email": user.email}}}
    assert parses == [query]
    assert held(query)


async def test_an_operation_over_a_websocket_parses_its_document_once(anonymous_client, parses):
    user = await make_user()
    query = fresh("query Me { viewer { email } }")

    async with socket_as(anonymous_client, token_for(user)) as socket:
        answers = []
        for operation in ("first", "again"):
            await socket.send_json({"id": operation, "type": "subscribe", "payload": {"query": query}})
            answers.append(await socket.receive_json())
            assert await socket.receive_json() == {"id": operation, "type": "complete"}

    assert answers == [
        {"id": "first", "type": "next", "payload": {"data": {"viewer": {"email": user.email}}}},
        {"id": "again", "type": "next", "payload": {"data": {"viewer": {"email": user.email}}}},
    ]
    assert parses == [query]
    assert held(query)


async def test_a_subscription_over_a_websocket_parses_its_document_once(anonymous_client, parses):
    user = await make_user()
    subscription = fresh("subscription Events { leadEvents { kind } }")
    probe = fresh("query Me { viewer { email } }")

    async with socket_as(anonymous_client, token_for(user)) as socket:
        for operation in ("first", "again"):
            await socket.send_json({"id": operation, "type": "subscribe", "payload": {"query": subscription}})
        await socket.send_json({"id": "probe", "type": "subscribe", "payload": {"query": probe}})
        answered = await socket.receive_json()
        assert await socket.receive_json() == {"id": "probe", "type": "complete"}

    assert answered == {"id": "probe", "type": "next", "payload": {"data": {"viewer": {"email": user.email}}}}
    assert parses == [subscription, probe]
    assert held(subscription)
