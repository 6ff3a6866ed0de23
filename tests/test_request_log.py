"""One JSON log line per request: request id (also in the X-Request-ID header), user id,
operation, duration and outcome; never a token, a password or an e-mail address."""

import json
import logging
import os
import time
from typing import Any

import httpx
import pytest

from tests.factories import client_as, make_user, token_for
from tests.live import LiveServer, cli_env, live_server, run_cli

VIEWER = "query Viewer { viewer { id email } }"
CREATE_LEAD = """
mutation CreateLead($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id email } userErrors { code } }
}
"""
UNKNOWN_FIELD = "query Broken { viewer { nickname } }"
BAD_EMAIL_FILTER = '{ leads(email: "grace@example.com") { totalCount } }'
FORBIDDEN_WORDS = ("hunter2", "@")


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="leadbridge.request")
    return caplog


def entries(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == "leadbridge.request"]


def without_duration(entry: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(entry["duration_ms"], float)
    return {key: value for key, value in entry.items() if key != "duration_ms"}


def logged(request_id: str, **fields: Any) -> dict[str, Any]:
    entry = {
        "event": "request",
        "request_id": request_id,
        "method": "POST",
        "path": "/graphql",
        "pid": os.getpid(),
        "status": 200,
        "outcome": "ok",
        "user_id": None,
        "operation_type": None,
        "operation_name": None,
        "error_codes": [],
        "cost": None,
    }
    entry.update(fields)
    return entry


async def test_each_request_is_logged_once_with_its_id_in_the_response(
    anonymous_client: httpx.AsyncClient, request_log: pytest.LogCaptureFixture
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": VIEWER})

    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    assert [without_duration(entry) for entry in entries(request_log)] == [
        logged(request_id, user_id=user.id, operation_type="query", operation_name="Viewer")
    ]


async def test_outcomes_and_error_codes_are_logged(
    anonymous_client: httpx.AsyncClient, request_log: pytest.LogCaptureFixture
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        broken = await client.post("/graphql", json={"query": UNKNOWN_FIELD})
        batched = await client.post("/graphql", json=[{"query": VIEWER}])
    unauthenticated = await anonymous_client.post("/graphql", json={"query": VIEWER})
    health = await anonymous_client.get("/healthz")

    assert [without_duration(entry) for entry in entries(request_log)] == [
        logged(
            broken.headers["x-request-id"], user_id=user.id, operation_type="query", operation_name="Broken",
            outcome="refused", error_codes=["GRAPHQL_VALIDATION_FAILED"],
        ),
        logged(
            batched.headers["x-request-id"], user_id=user.id, status=400, outcome="refused",
            error_codes=["BATCHING_NOT_SUPPORTED"],
        ),
        logged(
            unauthenticated.headers["x-request-id"], status=401, outcome="unauthenticated",
            error_codes=["UNAUTHENTICATED"],
        ),
        logged(health.headers["x-request-id"], method="GET", path="/healthz"),
    ]


async def test_no_token_password_or_email_reaches_the_log(
    anonymous_client: httpx.AsyncClient, request_log: pytest.LogCaptureFixture
) -> None:
    user = await make_user(email="grace@example.com")
    token = token_for(user)
    lead = {"topic": "Secret", "lastName": "Doe", "email": "pat@customer.example", "description": "hunter2"}

    async with client_as(anonymous_client, user) as client:
        created = await client.post(
            "/graphql", json={"query": CREATE_LEAD, "variables": {"input": lead, "password": "hunter2"}}
        )
        viewer = await client.post("/graphql", json={"query": VIEWER})
    forged = await anonymous_client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}x", "X-Password": "hunter2"}
    )
    probed = await anonymous_client.get("/users/grace@example.com")

    assert created.json()["data"]["createLead"]["lead"]["email"] == "pat@customer.example"
    assert viewer.json()["data"]["viewer"]["email"] == "grace@example.com"
    assert forged.status_code == 401
    assert probed.status_code == 404
    log = "\n".join(record.getMessage() for record in request_log.records)
    assert [entry["path"] for entry in entries(request_log)] == ["/graphql"] * 3 + ["(not shown)"]
    assert token not in log
    assert token.split(".")[1] not in log
    assert [word for word in FORBIDDEN_WORDS if word in log] == []


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("edge-7f3a9c1d-0001", True),
        ("short", False),
        ("has space in it", False),
        ("x" * 129, False),
        ('injected"}\n{"event":"forged', False),
    ],
    ids=["plain", "too-short", "space", "too-long", "injection"],
)
async def test_a_plain_request_id_from_the_client_is_kept(
    anonymous_client: httpx.AsyncClient, request_log: pytest.LogCaptureFixture, sent: str, kept: bool
) -> None:
    response = await anonymous_client.get("/healthz", headers={"X-Request-ID": sent})

    request_id = response.headers["x-request-id"]
    assert (request_id == sent) is kept
    assert [entry["request_id"] for entry in entries(request_log)] == [request_id]


def logged_output(server: LiveServer, request_id: str) -> str:
    """The server's output once it holds the request's log line (written after the response)."""
    for _ in range(100):
        output = server.output()
        if request_id in output:
            return output
        time.sleep(0.05)
    return server.output()


def test_leadbridge_serve_writes_the_log_to_stderr(database_url: str) -> None:
    env = cli_env(database_url)
    created = run_cli("users", "create", "--email", "ada@example.com", "--name", "Ada", "--company", "Acme", env=env)
    assert created.returncode == 0, created.stderr
    issued = run_cli("token", "--email", "ada@example.com", env=env)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()

    with live_server(env) as server:
        refused = httpx.post(
            server.graphql_url, json={"query": BAD_EMAIL_FILTER}, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        response = httpx.post(
            server.graphql_url, json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        output = logged_output(server, response.headers["x-request-id"])

    request_id = response.headers["x-request-id"]
    lines = [json.loads(line) for line in output.splitlines() if request_id in line]
    assert [(line["request_id"], line["status"], line["operation_name"]) for line in lines] == [
        (request_id, 200, "Viewer")
    ]
    assert refused.json()["errors"][0]["message"] == "Unknown argument 'email' on field 'Query.leads'."
    assert token not in output
    assert "@example.com" not in output
