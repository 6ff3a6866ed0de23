"""GraphQL errors over graphql-transport-ws carry the same `extensions.code` as over HTTP."""

import asyncio
import json
from typing import Any

import pytest
import websockets

from tests.factories import gid, make_lead, make_user
from tests.live import LiveServer, live_server_fixtures
from tests.test_lead_events import WAIT, bearer, connected_as

UNKNOWN_FIELD = "subscription { leadEvents { kind nope } }"
MISSING_VARIABLE = "subscription ($leadId: ID!) { leadEvents(leadId: $leadId) { kind } }"
TOO_MANY_LEADS = "query { leads(first: 101) { totalCount } }"
LEAD_EVENTS = "subscription ($leadId: ID) { leadEvents(leadId: $leadId) { kind } }"


live_env, db, server = live_server_fixtures("websocket")


async def answer(server: LiveServer, token: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The first message the server sends for one operation, after the connection is acknowledged."""
    async with connected_as(server, {"Authorization": token}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), WAIT)) == {"type": "connection_ack"}
        payload = {"query": query, "variables": variables or {}}
        await socket.send(json.dumps({"id": "op", "type": "subscribe", "payload": payload}))
        return json.loads(await asyncio.wait_for(socket.recv(), WAIT))


async def test_a_validation_error_is_graphql_validation_failed(db, server):
    viewer = await make_user()

    message = await answer(server, bearer(viewer, server.env), UNKNOWN_FIELD)

    assert message == {
        "id": "op",
        "type": "error",
        "payload": [
            {
                "message": "Cannot query field 'nope' on type 'LeadEvent'.",
                "locations": [{"line": 1, "column": 34}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ],
    }


async def test_a_missing_variable_is_bad_user_input(db, server):
    viewer = await make_user()

    message = await answer(server, bearer(viewer, server.env), MISSING_VARIABLE)

    assert message == {
        "id": "op",
        "type": "error",
        "payload": [
            {
                "message": "Variable '$leadId' has invalid value: Expected a value of non-null type 'ID!' to be provided.",
                "locations": [{"line": 1, "column": 15}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
    }


async def test_a_page_above_100_is_bad_user_input(db, server):
    viewer = await make_user()

    message = await answer(server, bearer(viewer, server.env), TOO_MANY_LEADS)

    assert message == {
        "id": "op",
        "type": "next",
        "payload": {
            "data": None,
            "errors": [
                {
                    "message": "'first' may be at most 100, got 101",
                    "locations": [{"line": 1, "column": 15}],
                    "extensions": {"code": "BAD_USER_INPUT"},
                }
            ],
        },
    }


async def test_the_events_of_an_invisible_lead_name_it_as_queries_and_mutations_do(db, server):
    owner, outsider = await make_user(), await make_user()
    lead = await make_lead(owner)

    message = await answer(server, bearer(outsider, server.env), LEAD_EVENTS, {"leadId": gid(lead)})

    assert message == {
        "id": "op",
        "type": "error",
        "payload": [
            {
                "message": f"No Lead with ID '{gid(lead)}'",
                "locations": [{"line": 1, "column": 30}],
                "path": ["leadEvents"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }


async def test_an_unpaired_surrogate_in_a_message_closes_the_socket_as_unreadable(db, server):
    viewer = await make_user()

    async with connected_as(server, {"Authorization": bearer(viewer, server.env)}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), WAIT)) == {"type": "connection_ack"}
        await socket.send(
            '{"id":"op","type":"subscribe","payload":{"query":"subscription ($leadId: ID) '
            '{ leadEvents(leadId: $leadId) { kind } }","variables":{"leadId":"\\ud800"}}}'
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), WAIT)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


async def test_a_message_is_written_as_http_bodies_are(db, server):
    """Compact UTF-8 JSON, non-ASCII text as itself rather than as \\u escapes, on both transports."""
    owner = await make_user()
    lead = await make_lead(owner, topic="Café ☕ in Zürich")
    query = "query ($id: ID!) { lead(id: $id) { topic } }"

    async with connected_as(server, {"Authorization": bearer(owner, server.env)}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), WAIT)) == {"type": "connection_ack"}
        payload = {"query": query, "variables": {"id": gid(lead)}}
        await socket.send(json.dumps({"id": "op", "type": "subscribe", "payload": payload}))
        message = await asyncio.wait_for(socket.recv(), WAIT)

    assert isinstance(message, str)
    assert message == '{"id":"op","type":"next","payload":{"data":{"lead":{"topic":"Café ☕ in Zürich"}}}}'
