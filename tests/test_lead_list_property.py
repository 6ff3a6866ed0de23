"""`leads` against an oracle written in Python, on random leads and random lists of them: every
filter, every order both ways, and pages walked forwards and backwards from random cursors.

Each example makes its own owner, whose leads are the only ones the owner sees."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadbridge.app import create_app
from leadbridge.settings import Settings
from models import Lead, LeadAcceptance, LeadStatus
from tests.factories import TEST_SECRET_KEY, gid, make_company, make_lead, make_user, token_for

LEADS = """
query ($first: Int, $after: String, $last: Int, $before: String, $filter: LeadFilter, $orderBy: LeadOrder) {
  leads(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
TEXT = st.text(alphabet="aAbB%_\\", max_size=3)
ACCEPTANCES = ["NOT_REQUIRED", "PENDING", "ACCEPTED", "REJECTED", "EXPIRED"]
STATUSES = [status.value for status in LeadStatus]
MAX_PAGES = 12
"""More pages than any example's leads fill, one lead a page."""


@dataclass
class LeadPlan:
    customer_name: str | None
    last_name: str | None
    score: int | None
    status: str
    acceptance: str
    shared: bool
    converted: bool


@dataclass
class ListPlan:
    filter: dict[str, Any]
    field: str
    direction: str
    page_size: int
    backward: bool


leads_plans = st.lists(
    st.builds(
        LeadPlan,
        customer_name=st.none() | TEXT,
        last_name=st.none() | TEXT,
        score=st.none() | st.integers(0, 3),
        status=st.sampled_from(STATUSES),
        acceptance=st.sampled_from(ACCEPTANCES),
        shared=st.booleans(),
        converted=st.booleans(),
    ),
    min_size=2,
    max_size=10,
)


@st.composite
def list_plans(draw: st.DrawFn) -> ListPlan:
    filter: dict[str, Any] = {}

    def sometimes() -> bool:
        return draw(st.integers(0, 2)) == 0

    if draw(st.booleans()):
        filter["includeConverted"] = True
    if sometimes():
        filter["status"] = draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=3, unique=True))
    if sometimes():
        filter["acceptance"] = draw(st.lists(st.sampled_from(ACCEPTANCES), min_size=1, max_size=3, unique=True))
    if sometimes():
        filter["search"] = draw(st.sampled_from(["a", "B", "%", "_", "\\", "a_", "%b", "b\\"]))
    if sometimes():
        filter["minScore"] = draw(st.integers(0, 3))
    return ListPlan(
        filter=filter,
        field=draw(st.sampled_from(["CREATED_AT", "UPDATED_AT", "SCORE", "CUSTOMER_NAME"])),
        direction=draw(st.sampled_from(["ASC", "DESC"])),
        page_size=draw(st.integers(1, 4)),
        backward=draw(st.booleans()),
    )


def oracle(leads: list[Lead], plans: list[LeadPlan], wanted: ListPlan) -> list[str]:
    """The ids the list holds, in its order, by the rules the schema describes."""

    seen_acceptance = {lead.id: plan.acceptance for lead, plan in zip(leads, plans, strict=True)}

    def kept(lead: Lead) -> bool:
        given = wanted.filter
        if lead.is_converted and not given.get("includeConverted"):
            return False
        if "status" in given and lead.status.value not in given["status"]:
            return False
        if "acceptance" in given and seen_acceptance[lead.id] not in given["acceptance"]:
            return False
        if "search" in given:
            term = given["search"].upper()
            texts = [lead.first_name, lead.last_name, lead.customer_name, lead.email]
            if not any(text is not None and term in text.upper() for text in texts):
                return False
        return "minScore" not in given or (lead.score is not None and lead.score >= given["minScore"])

    def key(lead: Lead) -> Any:
        if wanted.field == "SCORE":
            return lead.score if lead.score is not None else -1
        if wanted.field == "CUSTOMER_NAME":
            return (lead.customer_name or "").lower()
        return lead.created_at if wanted.field == "CREATED_AT" else lead.updated_at

    ordered = sorted((lead for lead in leads if kept(lead)), key=lambda lead: (key(lead), lead.id))
    if wanted.direction == "DESC":
        ordered.reverse()
    return [gid(lead) for lead in ordered]


async def build(plans: list[LeadPlan], now: datetime) -> tuple[Any, list[Lead]]:
    owner = await make_user()
    partner = await make_company()
    deadlines = {"PENDING": now + timedelta(days=1), "EXPIRED": now - timedelta(days=1)}
    leads = []
    for plan in plans:
        stored = "PENDING" if plan.acceptance == "EXPIRED" else plan.acceptance
        leads.append(
            await make_lead(
                owner,
                first_name="Pat",
                last_name=plan.last_name,
                customer_name=plan.customer_name,
                email=None,
                score=plan.score,
                status=LeadStatus(plan.status),
                stored_acceptance=LeadAcceptance(stored),
                acceptance_deadline=deadlines.get(plan.acceptance),
                partner=partner if plan.shared else None,
                is_converted=plan.converted,
            )
        )
    return owner, [await Lead.get(id=lead.id) for lead in leads]


async def walk(client: httpx.AsyncClient, wanted: ListPlan) -> tuple[list[str], int]:
    """Every id of the list, page after page in the plan's direction, and the total it counts."""
    seen: list[str] = []
    cursor: str | None = None
    total = -1
    for _ in range(MAX_PAGES):
        paging = (
            {"last": wanted.page_size, "before": cursor}
            if wanted.backward
            else {"first": wanted.page_size, "after": cursor}
        )
        variables = {
            **paging,
            "filter": wanted.filter,
            "orderBy": {"field": wanted.field, "direction": wanted.direction},
        }
        response = await client.post("/graphql", json={"query": LEADS, "variables": variables})
        body = response.json()
        assert "errors" not in body, body
        connection = body["data"]["leads"]
        total = connection["totalCount"]
        ids = [edge["node"]["id"] for edge in connection["edges"]]
        info = connection["pageInfo"]
        assert len(ids) <= wanted.page_size
        assert info["startCursor"] == (connection["edges"][0]["cursor"] if ids else None)
        assert info["endCursor"] == (connection["edges"][-1]["cursor"] if ids else None)
        if wanted.backward:
            seen = ids + seen
            assert info["hasNextPage"] is (cursor is not None)
            more, cursor = info["hasPreviousPage"], info["startCursor"]
        else:
            seen += ids
            assert info["hasPreviousPage"] is (cursor is not None)
            more, cursor = info["hasNextPage"], info["endCursor"]
        if not more:
            return seen, total
    raise AssertionError(f"the list did not end in {MAX_PAGES} pages: {seen}")


async def check(plans: list[LeadPlan], wanted: ListPlan, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, rate_limit_capacity=0))
    now = datetime.now(UTC)
    async with LifespanManager(app):
        owner, leads = await build(plans, now)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        headers = {"Authorization": f"Bearer {token_for(owner)}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as client:
            seen, total = await walk(client, wanted)
    expected = oracle(leads, plans, wanted)
    assert seen == expected
    assert total == len(expected)


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=leads_plans, wanted=list_plans())
def test_leads_list_exactly_the_leads_the_oracle_keeps_in_its_order(
    plans: list[LeadPlan], wanted: ListPlan, database_url: str
) -> None:
    asyncio.run(check(plans, wanted, database_url))
