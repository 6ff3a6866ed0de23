"""Visibility against an independent oracle of CONTRACT.md section 5, on random networks.

Each example creates its own companies, users and records, so records of earlier examples are
invisible to its users by construction and the oracle only needs the example's own data.
"""

import asyncio
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadbridge.app import create_app
from leadbridge.settings import Settings
from models import (
    AccessPolicy,
    Company,
    Lead,
    LeadAcceptance,
    LeadCompanySection,
    LeadMember,
    Opportunity,
    OpportunityMember,
    OpportunityStage,
    User,
)
from tests.factories import TEST_SECRET_KEY, gid, token_for

ROLES = ["VIEWER", "PARTICIPANT", "COLLABORATOR", "OWNER"]
RANK = {role: rank for rank, role in enumerate(ROLES)}

LEADS = """
query {
  leads(first: 100, filter: { includeConverted: true }) {
    totalCount
    edges { node { id estimatedAmount viewerRole companySections { company { id } crmAccount } } }
  }
}
"""
OPPORTUNITIES = """
query { opportunities(first: 100) { totalCount edges { node { id amount expectedRevenue viewerRole } } } }
"""
LOOKUPS = """
query ($id: ID!, $ids: [ID!]!) {
  lead(id: $id) { id }
  node(id: $id) { id }
  nodes(ids: $ids) { id }
}
"""


@dataclass
class RecordPlan:
    sourced_by: int
    partner: int | None
    owner: int
    members: dict[int, str] = field(default_factory=dict)


@dataclass
class NetworkPlan:
    companies: int
    users: list[tuple[int, bool]]
    policies: list[set[str]]
    leads: list[RecordPlan]
    opportunities: list[RecordPlan]


@st.composite
def networks(draw: st.DrawFn) -> NetworkPlan:
    companies = draw(st.integers(2, 3))
    users = draw(st.lists(st.tuples(st.integers(0, companies - 1), st.booleans()), min_size=2, max_size=6))
    policies = [draw(st.sets(st.sampled_from(ROLES), max_size=2)) for _ in range(companies)]

    def record() -> RecordPlan:
        owner = draw(st.integers(0, len(users) - 1))
        sourced_by = users[owner][0]
        partner = draw(st.one_of(st.none(), st.integers(0, companies - 1)))
        members = draw(st.dictionaries(st.integers(0, len(users) - 1), st.sampled_from(ROLES), max_size=3))
        members.pop(owner, None)
        return RecordPlan(sourced_by=sourced_by, partner=partner, owner=owner, members=members)

    leads = [record() for _ in range(draw(st.integers(0, 4)))]
    opportunities = [record() for _ in range(draw(st.integers(0, 3)))]
    return NetworkPlan(companies, users, policies, leads, opportunities)


def oracle_role(plan: NetworkPlan, record: RecordPlan, user_index: int) -> str | None:
    """CONTRACT.md section 5: the highest of the direct membership and every applicable policy."""
    company, is_admin = plan.users[user_index]
    candidates: list[str] = []
    if user_index == record.owner:
        candidates.append("OWNER")
    if user_index in record.members:
        candidates.append(record.members[user_index])
    if company in (record.sourced_by, record.partner):
        if is_admin:
            candidates.append("OWNER")
        candidates.extend(plan.policies[company])
    return max(candidates, key=RANK.__getitem__) if candidates else None


async def build(plan: NetworkPlan) -> tuple[list[Company], list[User], list[Lead], list[Opportunity]]:
    # Every example shares one database; id(plan) may be reused once a plan is freed, a uuid never is.
    network = uuid.uuid4().hex
    companies = [await Company.create(name=f"Company {network}-{index}") for index in range(plan.companies)]
    users = [
        await User.create(
            email=f"u{index}-{network}@example.com", name=f"U{index}", company=companies[company], is_admin=is_admin
        )
        for index, (company, is_admin) in enumerate(plan.users)
    ]
    for company, roles in zip(companies, plan.policies, strict=True):
        for role in roles:
            await AccessPolicy.create(company=company, role=role)
    stage = await OpportunityStage.get(name="Qualification")
    leads: list[Lead] = []
    for index, record in enumerate(plan.leads):
        lead = await Lead.create(
            topic=f"Lead {index}",
            estimated_amount=Decimal("100.00"),
            currency="EUR",
            sourced_by=companies[record.sourced_by],
            partner=companies[record.partner] if record.partner is not None else None,
            owner=users[record.owner],
            stored_acceptance=LeadAcceptance.NOT_REQUIRED,
        )
        await LeadMember.create(lead=lead, user=users[record.owner], role="OWNER")
        for member, role in record.members.items():
            await LeadMember.create(lead=lead, user=users[member], role=role)
        for company_index in {index for index in (record.sourced_by, record.partner) if index is not None}:
            await LeadCompanySection.create(
                lead=lead, company=companies[company_index], crm_account=f"CRM-{company_index}"
            )
        leads.append(lead)
    opportunities: list[Opportunity] = []
    for index, record in enumerate(plan.opportunities):
        opportunity = await Opportunity.create(
            name=f"Opportunity {index}",
            amount=Decimal("1000.00"),
            currency="EUR",
            stage=stage,
            sourced_by=companies[record.sourced_by],
            partner=companies[record.partner] if record.partner is not None else None,
            owner=users[record.owner],
        )
        await OpportunityMember.create(opportunity=opportunity, user=users[record.owner], role="OWNER")
        for member, role in record.members.items():
            await OpportunityMember.create(opportunity=opportunity, user=users[member], role=role)
        opportunities.append(opportunity)
    return companies, users, leads, opportunities


async def check(plan: NetworkPlan, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, rate_limit_capacity=0))
    async with LifespanManager(app):
        companies, users, leads, opportunities = await build(plan)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        for user_index, user in enumerate(users):
            headers = {"Authorization": f"Bearer {token_for(user)}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as client:
                await check_user(client, plan, user_index, companies, leads, opportunities)


async def post(client: httpx.AsyncClient, query: str, variables: dict | None = None) -> dict:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def check_user(
    client: httpx.AsyncClient,
    plan: NetworkPlan,
    user_index: int,
    companies: list[Company],
    leads: list[Lead],
    opportunities: list[Opportunity],
) -> None:
    lead_roles = {
        gid(lead): oracle_role(plan, record, user_index) for lead, record in zip(leads, plan.leads, strict=True)
    }
    opportunity_roles = {
        gid(opportunity): oracle_role(plan, record, user_index)
        for opportunity, record in zip(opportunities, plan.opportunities, strict=True)
    }
    viewer_company = gid(companies[plan.users[user_index][0]])

    listed = (await post(client, LEADS))["leads"]
    expected_leads = {lead_id: role for lead_id, role in lead_roles.items() if role}
    assert {edge["node"]["id"]: edge["node"]["viewerRole"] for edge in listed["edges"]} == expected_leads
    assert listed["totalCount"] == len(expected_leads)
    for edge in listed["edges"]:
        node = edge["node"]
        money = None if expected_leads[node["id"]] == "PARTICIPANT" else "100.00"
        assert node["estimatedAmount"] == money
        for section in node["companySections"]:
            own = section["company"]["id"] == viewer_company
            assert (section["crmAccount"] is not None) == own

    listed = (await post(client, OPPORTUNITIES))["opportunities"]
    expected_opportunities = {opportunity_id: role for opportunity_id, role in opportunity_roles.items() if role}
    assert {edge["node"]["id"]: edge["node"]["viewerRole"] for edge in listed["edges"]} == expected_opportunities
    assert listed["totalCount"] == len(expected_opportunities)
    for edge in listed["edges"]:
        participant = expected_opportunities[edge["node"]["id"]] == "PARTICIPANT"
        assert edge["node"]["amount"] == (None if participant else "1000.00")
        assert edge["node"]["expectedRevenue"] == (None if participant else "200.00")

    every_id = [*lead_roles, *opportunity_roles]
    for record_id in every_id:
        found = await post(client, LOOKUPS, {"id": record_id, "ids": every_id})
        visible = bool(lead_roles.get(record_id) or opportunity_roles.get(record_id))
        assert (found["node"] is not None) == visible
        assert found["node"] in (None, {"id": record_id})
        assert (found["lead"] is not None) == (visible and record_id in lead_roles)
        assert found["nodes"] == [
            {"id": other} if (lead_roles.get(other) or opportunity_roles.get(other)) else None for other in every_id
        ]


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=networks())
def test_every_user_sees_exactly_what_the_rules_allow(plan: NetworkPlan, database_url: str) -> None:
    asyncio.run(check(plan, database_url))
