"""What a partner portal's page of leads costs in SQL statements: the same for 5 leads as for 100,
and the same for page 1 as for a page far down the list."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from models import (
    Lead,
    LeadAcceptance,
    LeadCompanySection,
    LeadMember,
    LeadOpportunity,
    MemberRole,
    Opportunity,
    OpportunityMember,
    OpportunityStage,
)
from tests.factories import (
    StatementCounter,
    client_as,
    graphql,
    make_company,
    make_partner_program,
    make_sales_plan,
    make_solution,
    make_user,
)

PORTAL = """
query {
  leads(first: 50) {
    edges {
      node {
        id topic status acceptance estimatedAmount
        owner { id name email }
        sourcedBy { id name }
        partner { id name }
        members { role source user { id name company { id name } } }
        companySections { industry region crmAccount company { id name } }
        salesPlans { id name }
        solutions { id name }
        partnerPrograms { id name }
        opportunities(first: 5) {
          edges { node { id name amount stage { id name probability } members { role user { id name } } } }
        }
      }
    }
  }
}
"""
PAGE = """
query ($after: String) {
  leads(first: 20, after: $after) { edges { node { id topic } } pageInfo { hasNextPage endCursor } }
}
"""
PAGE_WITH_COUNT = """
query { leads(first: 20) { totalCount edges { node { id } } } }
"""

PORTAL_STATEMENTS = 19
"""The portal query's statements, whatever the number of leads: the viewer (token check), the
page of leads, then one batch per nested field and level, each applying the viewer's visibility
inside its query: the viewer's direct roles on the leads and on the opportunities (money), users,
companies, lead members with their access policies and users, company sections, sales plans,
solutions, partner programs, opportunity links, opportunities, stages, opportunity members with
their access policies and users."""


class Network:
    """A vendor that shares its leads with a partner, seen by the partner's admin."""

    async def build(self) -> None:
        self.vendor, self.partner = await make_company(), await make_company()
        self.vendor_user = await make_user(company=self.vendor)
        self.vendor_colleague = await make_user(company=self.vendor)
        self.partner_admin = await make_user(company=self.partner, is_admin=True)
        self.plans = [await make_sales_plan(self.vendor) for _ in range(2)]
        self.solutions = [await make_solution(self.vendor) for _ in range(2)]
        self.programs = [await make_partner_program(self.partner) for _ in range(2)]
        self.stage = await OpportunityStage.get(name="Prospecting")
        self.created = 0

    async def add_leads(self, count: int) -> None:
        """`count` shared, accepted leads, each with two members, two company sections, six catalog
        links and two opportunities of two members each, inserted in a few statements."""
        start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=self.created)
        leads = [
            Lead(
                topic=f"Lead {self.created + n}",
                customer_name=f"Customer {self.created + n}",
                estimated_amount=Decimal("1000.00"),
                currency="EUR",
                sourced_by_id=self.vendor.pk,
                partner_id=self.partner.pk,
                owner_id=self.vendor_user.pk,
                stored_acceptance=LeadAcceptance.ACCEPTED,
                created_at=start + timedelta(minutes=n),
            )
            for n in range(count)
        ]
        await Lead.bulk_create(leads)
        leads = await Lead.filter(topic__in=[lead.topic for lead in leads]).order_by("id")
        self.created += count
        await LeadMember.bulk_create(
            [LeadMember(lead_id=lead.pk, user_id=self.vendor_user.pk, role=MemberRole.OWNER) for lead in leads]
            + [
                LeadMember(lead_id=lead.pk, user_id=self.vendor_colleague.pk, role=MemberRole.COLLABORATOR)
                for lead in leads
            ]
        )
        await LeadCompanySection.bulk_create(
            [
                LeadCompanySection(
                    lead_id=lead.pk, company_id=company.pk, industry="Retail", region="EMEA", crm_account="A-1"
                )
                for lead in leads
                for company in (self.vendor, self.partner)
            ]
        )
        for lead in leads:
            await lead.sales_plans.add(*self.plans)
            await lead.solutions.add(*self.solutions)
            await lead.partner_programs.add(*self.programs)
        opportunities = [
            Opportunity(
                name=f"{lead.topic} / {n}",
                amount=Decimal("5000.00"),
                currency="EUR",
                stage_id=self.stage.pk,
                sourced_by_id=self.vendor.pk,
                partner_id=self.partner.pk,
                owner_id=self.vendor_user.pk,
            )
            for lead in leads
            for n in range(2)
        ]
        await Opportunity.bulk_create(opportunities)
        opportunities = await Opportunity.filter(name__in=[o.name for o in opportunities]).order_by("id")
        await OpportunityMember.bulk_create(
            [
                OpportunityMember(opportunity_id=opportunity.pk, user_id=user.pk, role=role)
                for opportunity in opportunities
                for user, role in ((self.vendor_user, MemberRole.OWNER), (self.vendor_colleague, MemberRole.VIEWER))
            ]
        )
        by_name = {lead.topic: lead for lead in leads}
        await LeadOpportunity.bulk_create(
            [
                LeadOpportunity(
                    lead_id=by_name[opportunity.name.split(" / ")[0]].pk,
                    opportunity_id=opportunity.pk,
                    created_by_conversion=False,
                    actor_id=self.vendor_user.pk,
                )
                for opportunity in opportunities
            ]
        )


async def portal(client) -> tuple[dict, StatementCounter]:
    with StatementCounter() as counter:
        body = await graphql(client, PORTAL)
    assert "errors" not in body, body["errors"]
    return body, counter


async def test_the_portal_query_costs_the_same_statements_for_5_and_for_100_leads(anonymous_client):
    network = Network()
    await network.build()
    await network.add_leads(5)

    async with client_as(anonymous_client, network.partner_admin) as admin_client:
        few_body, few = await portal(admin_client)
        await network.add_leads(95)
        many_body, many = await portal(admin_client)

    assert len(few_body["data"]["leads"]["edges"]) == 5
    assert len(many_body["data"]["leads"]["edges"]) == 50
    assert few.count == PORTAL_STATEMENTS, "\n".join(few.statements)
    assert many.count == PORTAL_STATEMENTS, "\n".join(many.statements)


async def test_the_portal_query_reads_every_nested_record_of_each_lead(anonymous_client):
    network = Network()
    await network.build()
    await network.add_leads(3)

    async with client_as(anonymous_client, network.partner_admin) as admin_client:
        body, _ = await portal(admin_client)

    lead = body["data"]["leads"]["edges"][0]["node"]
    assert lead["topic"] == "Lead 2"
    assert lead["acceptance"] == "ACCEPTED"
    assert lead["estimatedAmount"] == "1000.00"
    assert lead["owner"]["email"] == network.vendor_user.email
    assert lead["sourcedBy"]["name"] == network.vendor.name
    assert lead["partner"]["name"] == network.partner.name
    assert sorted(
        (member["role"], member["source"], member["user"]["company"]["name"]) for member in lead["members"]
    ) == [
        ("COLLABORATOR", "DIRECT", network.vendor.name),
        ("OWNER", "ACCESS_POLICY", network.partner.name),
        ("OWNER", "DIRECT", network.vendor.name),
    ]
    assert sorted((section["company"]["name"], section["crmAccount"]) for section in lead["companySections"]) == sorted(
        [(network.vendor.name, None), (network.partner.name, "A-1")]
    )
    assert [plan["name"] for plan in lead["salesPlans"]] == sorted(plan.name for plan in network.plans)
    assert [solution["name"] for solution in lead["solutions"]] == sorted(s.name for s in network.solutions)
    assert [program["name"] for program in lead["partnerPrograms"]] == sorted(p.name for p in network.programs)
    opportunities = [edge["node"] for edge in lead["opportunities"]["edges"]]
    assert [opportunity["name"] for opportunity in opportunities] == ["Lead 2 / 1", "Lead 2 / 0"]
    assert {opportunity["stage"]["name"] for opportunity in opportunities} == {"Prospecting"}
    assert {opportunity["amount"] for opportunity in opportunities} == {"5000.00"}
    assert {len(opportunity["members"]) for opportunity in opportunities} == {3}


async def test_totalcount_is_counted_only_when_selected(anonymous_client):
    network = Network()
    await network.build()
    await network.add_leads(3)

    async with client_as(anonymous_client, network.partner_admin) as admin_client:
        with StatementCounter() as without:
            plain = await graphql(admin_client, PAGE)
        with StatementCounter() as counted:
            body = await graphql(admin_client, PAGE_WITH_COUNT)

    assert len(plain["data"]["leads"]["edges"]) == 3
    assert body["data"]["leads"]["totalCount"] == 3
    assert not any("COUNT(" in statement.upper() for statement in without.statements), without.statements
    assert counted.count == without.count + 1


async def test_a_deep_page_costs_what_the_first_page_costs_and_is_a_keyset_query(anonymous_client):
    network = Network()
    await network.build()
    await network.add_leads(100)

    async with client_as(anonymous_client, network.partner_admin) as admin_client:
        with StatementCounter() as first_page:
            body = await graphql(admin_client, PAGE)
        seen = [edge["node"]["id"] for edge in body["data"]["leads"]["edges"]]
        after = body["data"]["leads"]["pageInfo"]["endCursor"]
        with StatementCounter() as second_page:
            body = await graphql(admin_client, PAGE, {"after": after})
        for _ in range(3):
            seen += [edge["node"]["id"] for edge in body["data"]["leads"]["edges"]]
            after = body["data"]["leads"]["pageInfo"]["endCursor"]
            with StatementCounter() as fifth_page:
                body = await graphql(admin_client, PAGE, {"after": after})
        seen += [edge["node"]["id"] for edge in body["data"]["leads"]["edges"]]

    assert len(seen) == len(set(seen)) == 100
    assert body["data"]["leads"]["pageInfo"]["hasNextPage"] is False
    assert fifth_page.count == second_page.count == first_page.count == 2
    assert fifth_page.statements == second_page.statements
    deep_query = next(
        statement for statement in fifth_page.statements if 'FROM "lead"' in statement and "LIMIT" in statement
    )
    assert "OFFSET" not in deep_query.upper()
    assert '"created_at"<' in deep_query.replace(" ", "") and '"id"<' in deep_query.replace(" ", ""), deep_query


async def test_a_page_stays_stable_while_leads_are_added_or_removed_before_its_cursor(anonymous_client):
    network = Network()
    await network.build()
    await network.add_leads(30)

    async with client_as(anonymous_client, network.partner_admin) as admin_client:
        first = await graphql(admin_client, PAGE)
        after = first["data"]["leads"]["pageInfo"]["endCursor"]
        await network.add_leads(5)
        await Lead.filter(topic__in=["Lead 29", "Lead 15", "Lead 10"]).delete()
        second = await graphql(admin_client, PAGE, {"after": after})

    first_topics = [edge["node"]["topic"] for edge in first["data"]["leads"]["edges"]]
    second_topics = [edge["node"]["topic"] for edge in second["data"]["leads"]["edges"]]
    assert first_topics == [f"Lead {n}" for n in range(29, 9, -1)]
    assert second_topics == [f"Lead {n}" for n in range(9, -1, -1)]


INDEXED = {
    "lead": [
        ("status",),
        ("acceptance",),
        ("acceptance_deadline",),
        ("sourced_by_id", "external_id"),
        ("partner_id",),
        ("owner_id",),
        ("score",),
        ("email",),
        ("customer_name",),
        ("is_converted",),
        ("created_at",),
        ("updated_at",),
        ("is_converted", "created_at", "id"),
        ("is_converted", "updated_at", "id"),
        ("is_converted", "score", "id"),
        ("is_converted", "customer_name", "id"),
    ],
    "opportunity": [
        ("name",),
        ("sourced_by_id",),
        ("partner_id",),
        ("stage_id",),
        ("account_id",),
        ("contact_id",),
        ("owner_id",),
        ("created_at", "id"),
        ("updated_at", "id"),
        ("close_date", "id"),
        ("amount", "id"),
    ],
    "lead_member": [("lead_id", "user_id"), ("user_id", "lead_id")],
    "opportunity_member": [("opportunity_id", "user_id"), ("user_id", "opportunity_id")],
    "lead_opportunity": [("lead_id", "opportunity_id"), ("opportunity_id",)],
    "user": [("company_id", "is_admin")],
    "activity": [("lead_id", "created_at"), ("owner_id",)],
}


async def indexed_columns(table: str) -> set[tuple[str, ...]]:
    from tortoise import connections

    connection = connections.get(next(iter(connections.db_config)))
    if connection.capabilities.dialect == "sqlite":
        names = await connection.execute_query_dict(
            f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'"
        )
        found = set()
        for row in names:
            columns = await connection.execute_query_dict(f"PRAGMA index_info('{row['name']}')")
            found.add(tuple(column["name"] for column in sorted(columns, key=lambda column: column["seqno"])))
        return found
    rows = await connection.execute_query_dict(
        "SELECT array_agg(a.attname ORDER BY k.n) AS columns FROM pg_index i "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        f"WHERE i.indrelid = '\"{table}\"'::regclass GROUP BY i.indexrelid"
    )
    return {tuple(row["columns"]) for row in rows}


async def test_every_filter_and_order_of_leads_and_opportunities_has_an_index(anonymous_client):
    for table, wanted in INDEXED.items():
        found = await indexed_columns(table)

        assert [columns for columns in wanted if columns not in found] == [], (table, found)


PAGE_WITH_TYPENAMES = """
query ($after: String, $search: String) {
  leads(first: 20, after: $after, filter: {search: $search}) {
    __typename
    edges { cursor node { __typename id topic status viewerRole viewerCan { update convert } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_the_portal_and_lists_of_leads_run_planned_and_a_refused_cursor_falls_back(anonymous_client, caplog):
    """A planned run that meets an error gives way to the generic executor, which answers it;
    the portal's shapes never need to (statement counts above would double if they did)."""
    network = Network()
    await network.build()
    await network.add_leads(3)
    caplog.set_level("DEBUG", logger="leadbridge.planner")

    async with client_as(anonymous_client, network.partner_admin) as admin_client:
        await portal(admin_client)
        first = await graphql(admin_client, PAGE_WITH_TYPENAMES, {"search": "Customer"})
        await graphql(admin_client, PAGE_WITH_TYPENAMES, {"after": first["data"]["leads"]["pageInfo"]["endCursor"]})
        assert [record.message for record in caplog.records] == []

        refused = await graphql(admin_client, PAGE_WITH_TYPENAMES, {"after": "not-a-cursor"})

    assert refused["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert [record.message for record in caplog.records] == [
        "a planned run fell back to the generic executor: GraphQLError"
    ]
