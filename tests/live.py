"""A live `leadbridge serve` in a subprocess, for browser, audit and multi-process tests."""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from strawberry.relay import from_base64


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADBRIDGE_")}
    env.update(
        {
            "LEADBRIDGE_DATABASE_URL": database_url,
            "LEADBRIDGE_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
            "LEADBRIDGE_RATE_LIMIT_CAPACITY": "0",
        }
    )
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadbridge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    log_path: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def output(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def live_server(
    env: dict[str, str], *args: str, command: str = "serve", ready_timeout: float = 30
) -> Iterator[LiveServer]:
    """Start `leadbridge serve` (or `demo`) on a free port and wait until /healthz answers 200."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="leadbridge-live-", suffix=".log", delete=False)  # noqa: SIM115 open while the server runs
    log_path = Path(log_file.name)
    process = subprocess.Popen(
        [sys.executable, "-m", "leadbridge", command, "--host", "127.0.0.1", "--port", str(port), *args],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    log_file.close()
    url = f"http://127.0.0.1:{port}"
    server = LiveServer(url=url, env=env, process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early: {server.output()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready in time")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)


T = TypeVar("T")


def with_database(database_url: str, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with Tortoise connected to the database, outside any server: to seed or inspect it."""
    from leadbridge.database import connected
    from leadbridge.settings import Settings

    async def main() -> T:
        async with connected(Settings(database_url=database_url)):
            return await work()

    return asyncio.run(main())


async def post_all(url: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Send every (query, variables) at once as the token's user, each on its own connection: the
    bodies, in order, each checked to be a 200 without top-level errors."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=len(calls))) as client:

        async def call(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(url, json={"query": query, "variables": variables}, headers=headers)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            return body

        return await asyncio.gather(*(call(query, variables) for query, variables in calls))


def live_token(env: dict[str, str], user_id: int) -> str:
    """A bearer token the live server with this environment accepts, for the user with this id
    whose tokens were never revoked (token version 0)."""
    import jwt

    from leadbridge.auth import ALGORITHM

    now = int(time.time())
    claims = {"sub": str(user_id), "ver": 0, "iat": now, "exp": now + 3600}
    return jwt.encode(claims, env["LEADBRIDGE_SECRET_KEY"], algorithm=ALGORITHM)


@dataclass
class SampleNetwork:
    """Users of three companies and records of every kind, as global IDs."""

    viewer_id: int  # an admin of company A who may edit converted leads
    colleague_id: int  # a user of company A
    partner_id: int  # a user of company B, A's partner
    outsider_id: int  # a user of company C, which shares nothing with A
    own_lead_ids: list[str] = field(default_factory=list)  # leads the viewer owns, not shared
    ids: list[str] = field(default_factory=list)  # every record seeded, of every type

    def ids_of(self, type_name: str) -> list[str]:
        """The seeded global IDs of one GraphQL type."""
        return [value for value in self.ids if from_base64(value)[0] == type_name]


async def seed_sample_network(own_leads: int = 6) -> SampleNetwork:
    """Companies A, B and C with users, leads (own, shared both ways, foreign), opportunities,
    accounts, contacts, catalog entries, sections and activities; Tortoise must be connected."""
    from models import LeadAcceptance, LeadCompanySection, MemberRole, OpportunityStage, OpportunityTemplate
    from tests import factories as f

    company_a, company_b, company_c = [await f.make_company() for _ in range(3)]
    viewer = await f.make_user(company=company_a, is_admin=True, can_edit_converted_leads=True)
    colleague = await f.make_user(company=company_a)
    partner = await f.make_user(company=company_b)
    outsider = await f.make_user(company=company_c)
    network = SampleNetwork(viewer.id, colleague.id, partner.id, outsider.id)
    records: list[Any] = [company_a, company_b, company_c, viewer, colleague, partner, outsider]

    plans = [await f.make_sales_plan(company) for company in (company_a, company_b)]
    solutions = [await f.make_solution(company) for company in (company_a, company_b)]
    programs = [await f.make_partner_program(company) for company in (company_a, company_b)]
    records += [*plans, *solutions, *programs]
    for _ in range(own_leads):
        lead = await f.make_lead(
            viewer, description="Needs a quote", phone="+1 555 0100", website="https://customer.example"
        )
        await f.add_member(lead, colleague, MemberRole.COLLABORATOR)
        await lead.sales_plans.add(plans[0])
        await lead.solutions.add(solutions[0])
        await lead.partner_programs.add(programs[0])
        await LeadCompanySection.create(
            lead=lead, company=company_a, industry="Retail", region="EMEA", crm_account="A-1"
        )
        records += [lead, await f.make_activity(lead, viewer)]
        network.own_lead_ids.append(f.gid(lead))
    records += [
        await f.make_lead(viewer, partner=company_b),
        await f.make_lead(viewer, partner=company_b, stored_acceptance=LeadAcceptance.ACCEPTED),
        await f.make_lead(partner, partner=company_a),
        await f.make_lead(outsider),
    ]
    for owner in (viewer, viewer, partner, outsider):
        account = await f.make_account(owner.company)
        contact = await f.make_contact(owner.company, account=account)
        opportunity = await f.make_opportunity(owner, account=account, contact=contact)
        if owner is viewer:
            await f.add_member(opportunity, colleague, MemberRole.PARTICIPANT)
        records += [account, contact, opportunity]
    records += list(await OpportunityStage.all())
    records += list(await OpportunityTemplate.all())
    network.ids = [f.gid(record) for record in records]
    return network


# The record type each ID argument or input field of the contract names (`leadId`, `salesPlanIds`...).
ID_ARGUMENT_TYPES: dict[str, str | None] = {
    "leadId": "Lead",
    "opportunityId": "Opportunity",
    "userId": "User",
    "ownerId": "User",
    "excludeMemberIds": "User",
    "accountId": "Account",
    "contactId": "Contact",
    "stageId": "OpportunityStage",
    "stageIds": "OpportunityStage",
    "defaultStageId": "OpportunityStage",
    "templateId": "OpportunityTemplate",
    "defaultTemplateId": "OpportunityTemplate",
    "sourcedById": "Company",
    "partnerId": "Company",
    "companyId": "Company",
    "salesPlanIds": "SalesPlan",
    "solutionIds": "Solution",
    "partnerProgramIds": "PartnerProgram",
    "duplicateIds": "Lead",
}


def live_server_fixtures(label: str) -> tuple[Any, Any, Any]:
    """A test module's `live_env`, `db` and `server` fixtures: one database and one live server per
    backend for the module (each test builds its own users and leads, so no test sees another's
    events), and the test process's own connection to that database, for the factories. Assign
    them at module level: `live_env, db, server = live_server_fixtures("lead-events")`."""
    from leadbridge.database import connected
    from leadbridge.settings import Settings

    @pytest.fixture(scope="module", params=["sqlite", "postgres"])
    def live_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
        databases = request.getfixturevalue(f"{request.param}_databases")
        database_url = databases.fresh(tmp_path_factory.mktemp(label))
        yield cli_env(database_url)
        databases.drop(database_url)

    @pytest.fixture
    async def db(live_env: dict[str, str]) -> AsyncIterator[None]:
        settings = Settings(
            database_url=live_env["LEADBRIDGE_DATABASE_URL"], secret_key=live_env["LEADBRIDGE_SECRET_KEY"]
        )
        async with connected(settings):
            yield

    @pytest.fixture(scope="module")
    def server(live_env: dict[str, str]) -> Iterator[LiveServer]:
        with live_server(live_env) as running:
            yield running

    return live_env, db, server
