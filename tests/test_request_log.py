"""One JSON log line per request: request id (also in the X-Request-ID header), user id,
operation, duration and outcome, every string of it bounded; never a token, a password, an
e-mail address or the query's text, in development or production, from `serve` or `demo`. Only
unexpected errors are logged besides, with where they were raised but not their messages."""

import json
import logging
import os
import time
from typing import Any

import httpx
import pytest

import resolvers.leads
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
LONG_NAME = "Q" * 5000
LONG_NAMED = f"query {LONG_NAME} {{ viewer {{ id }} }}"
MANY_ERRORS = "{ viewer { " + " ".join(f"unknown{n}" for n in range(40)) + " } }"
SECRET = "grace.secret@example.com hunter2"
SEARCH = 'query Search { leads(filter: {search: "grace.secret@example.com hunter2"}) { totalCount } }'
NOT_FOUND = 'query Preview { conversionPreview(leadId: "TGVhZDo5OTk5OTk=") { blockers { code } } }'
BAD_RANGE = """
query Pipeline { pipeline(filter: {closeDateFrom: "2026-02-02", closeDateTo: "2026-01-01"}) { opportunityCount } }
"""
SYNTAX_ERROR = '{ leads(filter: {search: "grace.secret@example.com hunter2"}) { totalCount } '


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
            broken.headers["x-request-id"],
            user_id=user.id,
            operation_type="query",
            operation_name="Broken",
            outcome="refused",
            error_codes=["GRAPHQL_VALIDATION_FAILED"],
        ),
        logged(
            batched.headers["x-request-id"],
            user_id=user.id,
            status=400,
            outcome="refused",
            error_codes=["BATCHING_NOT_SUPPORTED"],
        ),
        logged(
            unauthenticated.headers["x-request-id"],
            status=401,
            outcome="unauthenticated",
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


async def test_the_operation_name_and_the_error_codes_are_logged_bounded(
    anonymous_client: httpx.AsyncClient, request_log: pytest.LogCaptureFixture
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        named = await client.post("/graphql", json={"query": LONG_NAMED})
        refused = await client.post("/graphql", json={"query": MANY_ERRORS})

    codes = [(error.get("extensions") or {}).get("code", "GRAPHQL_ERROR") for error in refused.json()["errors"]]
    assert named.json()["data"]["viewer"]["id"]
    assert len(codes) == 40
    named_entry, refused_entry = entries(request_log)
    assert named_entry["operation_name"] == "Q" * 197 + "..."
    assert refused_entry["error_codes"] == list(dict.fromkeys(codes))
    assert max(len(record.getMessage()) for record in request_log.records) < 1000


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger's records from INFO up: what a server writes."""
    caplog.set_level(logging.INFO)
    return caplog


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records of the server's loggers (httpx's are the test client's)."""
    return [record for record in caplog.records if record.name != "httpx"]


def formatted(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each of the server's log records as a handler writes it, traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in server_records(caplog)]


async def test_expected_errors_are_logged_with_no_traceback(
    anonymous_client: httpx.AsyncClient, every_log: pytest.LogCaptureFixture
) -> None:
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        not_found = await client.post("/graphql", json={"query": NOT_FOUND})
        bad_range = await client.post("/graphql", json={"query": BAD_RANGE})
        unparsed = await client.post("/graphql", json={"query": SYNTAX_ERROR})

    assert [error["extensions"]["code"] for error in not_found.json()["errors"]] == ["NOT_FOUND"]
    assert [error["extensions"]["code"] for error in bad_range.json()["errors"]] == ["BAD_USER_INPUT"]
    assert unparsed.json()["errors"][0]["message"].startswith("Syntax Error")
    assert [record.name for record in server_records(every_log)] == ["leadbridge.request"] * 3
    assert [line for line in formatted(every_log) if "Traceback" in line or "hunter2" in line or "@" in line] == []


async def test_an_unexpected_error_is_logged_with_its_traceback_but_not_its_message(
    anonymous_client: httpx.AsyncClient, every_log: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(criteria: resolvers.leads.LeadCriteria) -> None:
        raise ValueError(f"cannot search for {criteria.search!r}")

    monkeypatch.setattr(resolvers.leads, "conditions_of", broken)
    user = await make_user()

    async with client_as(anonymous_client, user) as client:
        response = await client.post("/graphql", json={"query": SEARCH})

    assert response.json()["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 16}],
            "path": ["leads"],
            "extensions": {"code": "INTERNAL"},
        }
    ]
    [unexpected] = [line for line in formatted(every_log) if line.startswith("leadbridge.errors")]
    assert unexpected.startswith(
        "leadbridge.errors ERROR unexpected error at leads: Traceback (most recent call last):"
    )
    assert f"line {broken.__code__.co_firstlineno + 1}, in broken" in unexpected
    assert unexpected.endswith("\nValueError")
    assert [word for word in ("grace.secret", "hunter2", "@") if word in "\n".join(formatted(every_log))] == []


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


@pytest.mark.parametrize(
    ("command", "environment"),
    [("serve", "development"), ("serve", "production"), ("demo", "development")],
    ids=["serve", "serve-production", "demo"],
)
def test_the_servers_log_holds_request_lines_and_no_query_text(
    database_url: str, command: str, environment: str
) -> None:
    env = cli_env(database_url, LEADBRIDGE_ENV=environment)
    created = run_cli("users", "create", "--email", "ada@example.com", "--name", "Ada", "--company", "Acme", env=env)
    assert created.returncode == 0, created.stderr
    issued = run_cli("token", "--email", "ada@example.com", env=env)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}

    with live_server(env, command=command) as server, httpx.Client(headers=headers, timeout=10) as client:
        answers = {
            query: client.post(server.graphql_url, json={"query": query})
            for query in (BAD_EMAIL_FILTER, NOT_FOUND, BAD_RANGE, SYNTAX_ERROR, SEARCH, VIEWER)
        }
        output = logged_output(server, answers[VIEWER].headers["x-request-id"])

    logged = [json.loads(line) for line in output.splitlines() if line.startswith('{"event":"request"')]
    lines = [line for line in logged if line["path"] == "/graphql"]
    assert [(line["request_id"], line["status"]) for line in lines] == [
        (answer.headers["x-request-id"], answer.status_code) for answer in answers.values()
    ]
    assert [line["operation_name"] for line in lines] == [None, "Preview", "Pipeline", None, "Search", "Viewer"]
    assert (
        answers[BAD_EMAIL_FILTER].json()["errors"][0]["message"] == "Unknown argument 'email' on field 'Query.leads'."
    )
    assert answers[NOT_FOUND].json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert [word for word in (token, "grace", "hunter2", "@example.com", "Traceback") if word in output] == []
