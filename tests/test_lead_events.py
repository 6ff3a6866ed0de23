"""Live updates: the `leadEvents` subscription over graphql-transport-ws against a live
`leadbridge serve`, on SQLite and PostgreSQL, and across two workers on PostgreSQL."""

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from tortoise import connections
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from models import MemberRole, User
from resolvers.ids import global_id
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_company,
    make_lead,
    make_opportunity,
    make_policy,
    make_user,
    token_for,
)
from tests.live import LiveServer, live_server, live_server_fixtures, run_cli

SUBSCRIPTION = """
subscription ($leadId: ID) {
  leadEvents(leadId: $leadId) {
    kind
    lead { id status acceptance isConverted estimatedAmount }
    actor { id }
    opportunity { id }
  }
}
"""
READY_PROBE = "query { viewer { id } }"
SET_STATUS = """
mutation ($input: SetLeadStatusInput!) {
  setLeadStatus(input: $input) { lead { id status } userErrors { code message field } }
}
"""
RESPOND = """
mutation ($input: RespondToLeadInput!) {
  respondToLead(input: $input) { lead { id acceptance } userErrors { code message field } }
}
"""
CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { lead { id isConverted } opportunity { id } userErrors { code message field } }
}
"""
LINK = """
mutation ($input: LinkOpportunityInput!) {
  linkOpportunity(input: $input) { lead { id } opportunity { id } userErrors { code message field } }
}
"""
CONVERT_MANY = """
mutation ($input: ConvertLeadsInput!) {
  convertLeads(input: $input) { results { lead { id } userErrors { code message field } } }
}
"""
UNLINK = """
mutation ($input: UnlinkOpportunityInput!) {
  unlinkOpportunity(input: $input) { lead { id } opportunity { id } userErrors { code message field } }
}
"""
MERGE = """
mutation ($input: MergeLeadsInput!) {
  mergeLeads(input: $input) { lead { id } userErrors { code message field } }
}
"""
PROTOCOL = Subprotocol("graphql-transport-ws")
WAIT = 15.0  # seconds: the longest a delivery may take before the test gives up
QUIET = 0.5  # seconds: how long an outsider is watched after everyone else got the event
FUTURE = datetime.now(UTC) + timedelta(days=14)


live_env, db, server = live_server_fixtures("lead-events")


def bearer(user: User, env: dict[str, str]) -> str:
    return f"Bearer {token_for(user, secret_key=env['LEADBRIDGE_SECRET_KEY'])}"


def ws_url(server: LiveServer) -> str:
    return server.graphql_url.replace("http://", "ws://", 1)


class Subscriber:
    """A graphql-transport-ws client with one `leadEvents` subscription, operation id "events"."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    async def receive(self) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.socket.recv(), WAIT))

    async def subscribe(self, lead_id: str | None = None) -> None:
        """Subscribe, then wait for the answer to a query sent after it: operations start in
        the order they arrive, and the subscription registers before its first await."""
        await self.send("events", SUBSCRIPTION, {"leadId": lead_id})
        await self.send("ready", READY_PROBE)
        answers = [await self.receive(), await self.receive()]
        assert [(answer["id"], answer["type"]) for answer in answers] == [("ready", "next"), ("ready", "complete")]

    async def send(self, operation_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))

    async def next_event(self, wait: float = WAIT) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(self.socket.recv(), wait))
        assert message["type"] == "next" and message["id"] == "events", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["leadEvents"]

    async def event_within(self, seconds: float) -> dict[str, Any] | None:
        try:
            return await self.next_event(seconds)
        except TimeoutError:
            return None

    async def nothing_within(self, seconds: float) -> bool:
        return await self.event_within(seconds) is None


@asynccontextmanager
async def connected_as(server: LiveServer, payload: dict[str, Any] | None) -> AsyncIterator[ClientConnection]:
    async with connect(ws_url(server), subprotocols=[PROTOCOL], open_timeout=WAIT) as socket:
        assert socket.subprotocol == PROTOCOL
        await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        yield socket


@asynccontextmanager
async def subscriber(server: LiveServer, user: User, lead_id: str | None = None) -> AsyncIterator[Subscriber]:
    async with connected_as(server, {"Authorization": bearer(user, server.env)}) as socket:
        assert json.loads(await asyncio.wait_for(socket.recv(), WAIT)) == {"type": "connection_ack"}
        watching = Subscriber(socket)
        await watching.subscribe(lead_id)
        yield watching


async def mutate(server: LiveServer, user: User, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(headers={"Authorization": bearer(user, server.env)}, timeout=WAIT) as client:
        response = await client.post(server.graphql_url, json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload.get("userErrors", []) == [], payload
    return payload


async def close_code(socket: ClientConnection) -> int | None:
    """The code the server closes the socket with, asserting it sends nothing before."""
    try:
        message = await asyncio.wait_for(socket.recv(), WAIT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    raise AssertionError(f"expected the socket to close, got {message!r}")


async def vendor_network() -> dict[str, Any]:
    """A lead whose owner's company gives all its users VIEWER through a policy, and a user of
    another company who owns a lead of their own."""
    vendor = await make_company()
    owner = await make_user(company=vendor)
    colleague = await make_user(company=vendor)
    await make_policy(vendor, MemberRole.VIEWER)
    outsider = await make_user(company=await make_company())
    return {
        "owner": owner,
        "colleague": colleague,
        "outsider": outsider,
        "lead": await make_lead(owner),
        "outsiders_lead": await make_lead(outsider),
    }


async def test_status_change_reaches_the_owner_and_a_policy_member_and_no_one_else(db, server):
    net = await vendor_network()
    lead = net["lead"]

    async with (
        subscriber(server, net["owner"]) as owner_events,
        subscriber(server, net["colleague"], gid(lead)) as colleague_events,
        subscriber(server, net["outsider"]) as outsider_events,
    ):
        await mutate(server, net["owner"], SET_STATUS, {"input": {"leadId": gid(lead), "status": "WORKING_CONTACTED"}})

        expected = {
            "kind": "STATUS_CHANGED",
            "lead": {
                "id": gid(lead),
                "status": "WORKING_CONTACTED",
                "acceptance": "NOT_REQUIRED",
                "isConverted": False,
                "estimatedAmount": "1000.00",
            },
            "actor": {"id": gid(net["owner"])},
            "opportunity": None,
        }
        assert await owner_events.next_event() == expected
        assert await colleague_events.next_event() == expected
        assert await outsider_events.nothing_within(QUIET)

        await mutate(
            server,
            net["outsider"],
            SET_STATUS,
            {"input": {"leadId": gid(net["outsiders_lead"]), "status": "WORKING_CONTACTED"}},
        )

        assert (await outsider_events.next_event())["lead"]["id"] == gid(net["outsiders_lead"])
        assert await owner_events.nothing_within(QUIET)


async def test_a_participant_gets_events_without_money(db, server):
    net = await vendor_network()
    participant = await make_user(company=await make_company())
    await add_member(net["lead"], participant, MemberRole.PARTICIPANT)

    async with subscriber(server, participant) as participant_events:
        await mutate(
            server, net["owner"], SET_STATUS, {"input": {"leadId": gid(net["lead"]), "status": "WORKING_CONTACTED"}}
        )

        event = await participant_events.next_event()

    assert event["lead"] == {
        "id": gid(net["lead"]),
        "status": "WORKING_CONTACTED",
        "acceptance": "NOT_REQUIRED",
        "isConverted": False,
        "estimatedAmount": None,
    }


async def test_acceptance_answer_reaches_the_sourcing_owner(db, server):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_rep = await make_user(company=partner)
    await make_policy(partner, MemberRole.COLLABORATOR)
    lead = await make_lead(owner, partner=partner, acceptance_deadline=FUTURE)

    async with subscriber(server, owner, gid(lead)) as owner_events:
        await mutate(server, partner_rep, RESPOND, {"input": {"leadId": gid(lead), "decision": "ACCEPT"}})

        event = await owner_events.next_event()

    assert (event["kind"], event["lead"]["acceptance"], event["actor"]) == (
        "ACCEPTANCE_ANSWERED",
        "ACCEPTED",
        {"id": gid(partner_rep)},
    )


async def test_conversion_unlink_and_link_reach_subscribers_in_order(db, server):
    net = await vendor_network()
    owner, lead = net["owner"], net["lead"]
    existing = await make_opportunity(owner)

    async with (
        subscriber(server, owner, gid(lead)) as owner_events,
        subscriber(server, net["outsider"]) as outsider_events,
    ):
        converted = await mutate(server, owner, CONVERT, {"input": {"leadId": gid(lead)}})
        created = converted["opportunity"]["id"]
        await mutate(server, owner, LINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})
        await mutate(server, owner, UNLINK, {"input": {"leadId": gid(lead), "opportunityId": gid(existing)}})

        received = [await owner_events.next_event() for _ in range(3)]
        assert await outsider_events.nothing_within(QUIET)

    assert [(event["kind"], event["opportunity"], event["lead"]["isConverted"]) for event in received] == [
        ("CONVERTED", {"id": created}, True),
        ("OPPORTUNITY_LINKED", {"id": gid(existing)}, True),
        ("OPPORTUNITY_UNLINKED", {"id": gid(existing)}, True),
    ]


async def test_each_lead_of_convert_leads_is_published_and_a_replay_is_not(db, server):
    net = await vendor_network()
    owner, first, sentinel = net["owner"], net["lead"], await make_lead(net["owner"])
    second = await make_lead(owner)

    async with subscriber(server, owner) as owner_events:
        await mutate(server, owner, CONVERT, {"input": {"leadId": gid(first), "idempotencyKey": "once"}})
        batch = await mutate(server, owner, CONVERT_MANY, {"input": {"items": [{"leadId": gid(second)}]}})
        await mutate(server, owner, CONVERT, {"input": {"leadId": gid(first), "idempotencyKey": "once"}})
        await mutate(server, owner, SET_STATUS, {"input": {"leadId": gid(sentinel), "status": "WORKING_CONTACTED"}})

        received = [await owner_events.next_event() for _ in range(3)]

    assert batch["results"][0]["userErrors"] == []
    assert [(event["kind"], event["lead"]["id"]) for event in received] == [
        ("CONVERTED", gid(first)),
        ("CONVERTED", gid(second)),
        ("STATUS_CHANGED", gid(sentinel)),
    ]


async def test_a_merge_reaches_the_subscribers_of_the_survivor_and_of_each_duplicate(db, server):
    net = await vendor_network()
    owner, survivor = net["owner"], net["lead"]
    duplicate = await make_lead(owner)
    watcher = await make_user()
    await add_member(duplicate, watcher, MemberRole.VIEWER)

    async with (
        subscriber(server, owner) as owner_events,
        subscriber(server, watcher, gid(duplicate)) as watcher_events,
        subscriber(server, net["outsider"]) as outsider_events,
    ):
        await mutate(server, owner, MERGE, {"input": {"leadId": gid(survivor), "duplicateIds": [gid(duplicate)]}})

        received = [await owner_events.next_event() for _ in range(2)]
        watched = await watcher_events.next_event()
        assert await outsider_events.nothing_within(QUIET)

    assert [(event["kind"], event["lead"]["id"], event["lead"]["status"]) for event in received] == [
        ("LEADS_MERGED", gid(survivor), "OPEN_NOT_CONTACTED"),
        ("MERGED_INTO", gid(duplicate), "CLOSED_NOT_CONVERTED"),
    ]
    assert (watched["kind"], watched["lead"]["id"]) == ("MERGED_INTO", gid(duplicate))


async def test_a_refused_mutation_publishes_nothing(db, server):
    net = await vendor_network()

    async with subscriber(server, net["owner"]) as owner_events:
        async with httpx.AsyncClient(headers={"Authorization": bearer(net["owner"], server.env)}) as client:
            refused = await client.post(
                server.graphql_url,
                json={
                    "query": SET_STATUS,
                    "variables": {"input": {"leadId": gid(net["lead"]), "status": "CLOSED_CONVERTED"}},
                },
            )
        assert refused.json()["data"]["setLeadStatus"]["userErrors"][0]["code"] == "CONVERSION_REQUIRED"
        await mutate(
            server, net["owner"], SET_STATUS, {"input": {"leadId": gid(net["lead"]), "status": "WORKING_CONTACTED"}}
        )

        assert (await owner_events.next_event())["lead"]["status"] == "WORKING_CONTACTED"


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": 42}],
    ids=["no-payload", "no-token", "bad-token", "not-bearer", "not-a-string"],
)
async def test_a_connection_without_a_valid_token_is_closed_forbidden(db, server, payload):
    async with connected_as(server, payload) as socket:
        assert await close_code(socket) == 4403


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "9" * 5000},
        {"sub": "4294967297"},
        {"sub": "\u0661"},
        {"ver": "0"},
        {"exp": 10**400},
        {"exp": "tomorrow"},
    ],
    ids=[
        "subject-of-5000-digits",
        "subject-beyond-32-bits",
        "subject-in-arabic-indic-digits",
        "version-a-string",
        "expiry-of-400-digits",
        "expiry-a-word",
    ],
)
async def test_a_signed_token_with_claims_this_server_never_issues_is_closed_forbidden(db, server, claims):
    user = await make_user()
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(
        {"sub": str(user.id), "ver": user.token_version, "iat": now, "exp": now + 3600, **claims},
        server.env["LEADBRIDGE_SECRET_KEY"],
        "HS256",
    )

    async with connected_as(server, {"Authorization": f"Bearer {token}"}) as socket:
        assert await close_code(socket) == 4403


async def test_a_deactivated_users_token_is_refused(db, server):
    user = await make_user(is_active=False)

    async with connected_as(server, {"Authorization": bearer(user, server.env)}) as socket:
        assert await close_code(socket) == 4403


@pytest.mark.parametrize("command", ["deactivate", "revoke-tokens"])
async def test_an_open_subscription_closes_forbidden_at_the_next_event_once_its_user_is_signed_out(db, server, command):
    net = await vendor_network()

    async with (
        subscriber(server, net["owner"]) as owner_events,
        subscriber(server, net["colleague"]) as colleague_events,
    ):
        signed_out = await asyncio.to_thread(
            run_cli, "users", command, "--email", net["colleague"].email, env=server.env
        )
        await mutate(
            server, net["owner"], SET_STATUS, {"input": {"leadId": gid(net["lead"]), "status": "WORKING_CONTACTED"}}
        )

        delivered = await owner_events.next_event()
        assert await close_code(colleague_events.socket) == 4403

    assert signed_out.returncode == 0, signed_out.stderr
    assert (delivered["kind"], delivered["lead"]["status"]) == ("STATUS_CHANGED", "WORKING_CONTACTED")
    assert "Traceback" not in server.output()


async def test_an_operation_started_on_an_open_connection_once_its_user_is_deactivated_closes_it(db, server):
    user = await make_user()

    async with connected_as(server, {"Authorization": bearer(user, server.env)}) as socket:
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        deactivated = await asyncio.to_thread(run_cli, "users", "deactivate", "--email", user.email, env=server.env)
        await Subscriber(socket).send("ready", READY_PROBE)

        assert await close_code(socket) == 4403

    assert deactivated.returncode == 0, deactivated.stderr


async def test_the_connection_closes_when_its_token_expires(db, server):
    user = await make_user()
    token = token_for(user, ttl_hours=4 / 3600, secret_key=server.env["LEADBRIDGE_SECRET_KEY"])

    async with connected_as(server, {"Authorization": f"Bearer {token}"}) as socket:
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        await Subscriber(socket).subscribe()

        assert await close_code(socket) == 4403


async def test_subscribing_before_connection_init_is_refused(db, server):
    async with connect(ws_url(server), subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"id": "events", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))

        assert await close_code(socket) == 4401


async def test_a_lead_the_viewer_cannot_see_is_refused_like_one_that_does_not_exist(db, server):
    net = await vendor_network()
    made_up = global_id("Lead", 999999)
    huge = base64.b64encode(b"Lead:" + b"9" * 5000).decode()
    zero_padded = base64.b64encode(f"Lead:0{net['outsiders_lead'].id}".encode()).decode()

    async with (
        subscriber(server, net["owner"]) as owner_events,
        connected_as(server, {"Authorization": bearer(net["outsider"], server.env)}) as socket,
    ):
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        outsider = Subscriber(socket)
        answers = {}
        for lead_id in (gid(net["lead"]), made_up, "not-an-id", huge, zero_padded):
            await outsider.send("events", SUBSCRIPTION, {"leadId": lead_id})
            answers[lead_id] = await outsider.receive()
        await mutate(
            server, net["owner"], SET_STATUS, {"input": {"leadId": gid(net["lead"]), "status": "WORKING_CONTACTED"}}
        )
        await owner_events.next_event()

        assert await outsider.nothing_within(QUIET)

    for lead_id, answer in answers.items():
        assert answer == {
            "id": "events",
            "type": "error",
            "payload": [
                {
                    "message": f"No Lead with ID '{lead_id}'",
                    "locations": [{"line": 3, "column": 3}],
                    "path": ["leadEvents"],
                    "extensions": {"code": "NOT_FOUND"},
                }
            ],
        }


async def test_a_subscription_sent_over_http_is_refused(anonymous_client):
    user = await make_user()

    async with client_as(anonymous_client, user) as user_client:
        body = await graphql(user_client, SUBSCRIPTION)

    assert body == {
        "errors": [
            {
                "message": "Subscriptions run over websockets: open /graphql with graphql-transport-ws",
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }


async def test_delivery_resumes_after_the_listen_connection_drops_on_postgres(db, server):
    if not server.env["LEADBRIDGE_DATABASE_URL"].startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    net = await vendor_network()
    database = urlsplit(server.env["LEADBRIDGE_DATABASE_URL"]).path.strip("/")
    dropped = await connections.get("postgres").execute_query_dict(
        "SELECT pg_terminate_backend(pid) AS dropped FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'",
        [database],
    )
    assert dropped == [{"dropped": True}]

    async with subscriber(server, net["owner"]) as owner_events:
        for turn in range(40):  # events published while it reconnects are lost: publish until one arrives
            status = ("WORKING_CONTACTED", "OPEN_NOT_CONTACTED")[turn % 2]
            await mutate(server, net["owner"], SET_STATUS, {"input": {"leadId": gid(net["lead"]), "status": status}})
            delivered = await owner_events.event_within(QUIET)
            if delivered is not None:
                break

    assert delivered is not None, "no event was delivered after the LISTEN connection dropped"
    assert (delivered["lead"]["id"], delivered["lead"]["status"]) == (gid(net["lead"]), status)


# Two workers on PostgreSQL


def _port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = (task / "children").read_text().split()
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def serving_pid(server: LiveServer, client_port: int) -> int | None:
    """The server process holding the other end of a client's TCP connection (Linux /proc)."""
    server_port = int(server.url.rsplit(":", 1)[1])
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            if _port_of(columns[1]) == server_port and _port_of(columns[2]) == client_port:
                sockets.add(f"socket:[{columns[9]}]")
    for pid in _descendants(server.process.pid):
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(descriptor) in sockets:
                    return pid
            except OSError:
                continue
    return None


async def mutate_noting_worker(server: LiveServer, user: User, query: str, variables: dict[str, Any]) -> int | None:
    """Run a mutation on a connection of its own; the PID of the worker that served it."""
    async with (
        httpx.AsyncClient(headers={"Authorization": bearer(user, server.env)}, timeout=WAIT) as client,
        client.stream("POST", server.graphql_url, json={"query": query, "variables": variables}) as response,
    ):
        client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        worker = serving_pid(server, client_port)
        body = json.loads(await response.aread())
    (payload,) = body["data"].values()
    assert payload["userErrors"] == [], payload
    return worker


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="tells workers apart through Linux /proc")
async def test_events_cross_workers_on_postgres(db, live_env):
    if not live_env["LEADBRIDGE_DATABASE_URL"].startswith("postgres"):
        pytest.skip("several workers need PostgreSQL")
    net = await vendor_network()
    lead = net["lead"]

    with live_server(live_env, "--workers", "2") as two_workers:
        async with (
            subscriber(two_workers, net["owner"]) as first,
            subscriber(two_workers, net["colleague"], gid(lead)) as second,
            subscriber(two_workers, net["owner"]) as third,
            subscriber(two_workers, net["colleague"]) as fourth,
        ):
            subscribers = [first, second, third, fourth]
            subscriber_workers = {serving_pid(two_workers, each.socket.local_address[1]) for each in subscribers}
            mutation_workers = set()
            statuses = []
            for turn in range(12):
                status = ("WORKING_CONTACTED", "OPEN_NOT_CONTACTED")[turn % 2]
                worker = await mutate_noting_worker(
                    two_workers, net["owner"], SET_STATUS, {"input": {"leadId": gid(lead), "status": status}}
                )
                mutation_workers.add(worker)
                statuses.append(status)
                if len(subscriber_workers | mutation_workers) == 2 and turn >= 3:
                    break

            received = [[(await each.next_event())["lead"]["status"] for _ in statuses] for each in subscribers]

    assert len(subscriber_workers | mutation_workers) == 2, "every connection reached the same worker"
    assert None not in subscriber_workers | mutation_workers
    assert received == [statuses] * len(subscribers)
