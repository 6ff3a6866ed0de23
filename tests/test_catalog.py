from models import LeadStatus, MemberRole, PartnerProgram, SalesPlan, Solution
from resolvers.ids import global_id
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_company,
    make_lead,
    make_opportunity,
    make_partner_program,
    make_sales_plan,
    make_solution,
    make_user,
)

CREATE_SALES_PLAN = """
mutation ($input: CreateSalesPlanInput!) {
  createSalesPlan(input: $input) { salesPlan { id name company { name } } userErrors { code message field } }
}
"""

CREATE_SOLUTION = """
mutation ($input: CreateSolutionInput!) {
  createSolution(input: $input) { solution { id name company { name } } userErrors { code message field } }
}
"""

CREATE_PARTNER_PROGRAM = """
mutation ($input: CreatePartnerProgramInput!) {
  createPartnerProgram(input: $input) { partnerProgram { id name company { name } } userErrors { code message field } }
}
"""

SALES_PLANS = """
query ($first: Int, $after: String, $companyId: ID) {
  salesPlans(first: $first, after: $after, companyId: $companyId) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name company { name } } }
  }
}
"""

LINK_CATALOG = """
mutation ($input: LinkCatalogInput!) {
  linkCatalog(input: $input) {
    lead { salesPlans { name } solutions { name } partnerPrograms { name } }
    opportunity { salesPlans { name } solutions { name } partnerPrograms { name } }
    userErrors { code message field }
  }
}
"""

UNLINK_CATALOG = """
mutation ($input: UnlinkCatalogInput!) {
  unlinkCatalog(input: $input) {
    lead { salesPlans { name } solutions { name } partnerPrograms { name } }
    userErrors { code message field }
  }
}
"""


async def links_of(record) -> tuple[list[int], list[int], list[int]]:
    return (
        sorted(entry.pk for entry in await record.sales_plans.all()),
        sorted(entry.pk for entry in await record.solutions.all()),
        sorted(entry.pk for entry in await record.partner_programs.all()),
    )


async def test_an_admin_creates_catalog_entries_for_their_company(anonymous_client):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        plan = await graphql(admin_client, CREATE_SALES_PLAN, {"input": {"name": "  FY25 Growth "}})
        solution = await graphql(admin_client, CREATE_SOLUTION, {"input": {"name": "Analytics Suite"}})
        program = await graphql(admin_client, CREATE_PARTNER_PROGRAM, {"input": {"name": "Gold Partners"}})

    created_plan = await SalesPlan.get(company_id=company.pk)
    created_solution = await Solution.get(company_id=company.pk)
    created_program = await PartnerProgram.get(company_id=company.pk)
    assert plan["data"]["createSalesPlan"] == {
        "salesPlan": {"id": gid(created_plan), "name": "FY25 Growth", "company": {"name": company.name}},
        "userErrors": [],
    }
    assert solution["data"]["createSolution"] == {
        "solution": {"id": gid(created_solution), "name": "Analytics Suite", "company": {"name": company.name}},
        "userErrors": [],
    }
    assert program["data"]["createPartnerProgram"] == {
        "partnerProgram": {"id": gid(created_program), "name": "Gold Partners", "company": {"name": company.name}},
        "userErrors": [],
    }


async def test_only_admins_create_catalog_entries(anonymous_client):
    company = await make_company()
    user = await make_user(company=company)

    async with client_as(anonymous_client, user) as user_client:
        plan = await graphql(user_client, CREATE_SALES_PLAN, {"input": {"name": "Plan"}})
        solution = await graphql(user_client, CREATE_SOLUTION, {"input": {"name": "Solution"}})
        program = await graphql(user_client, CREATE_PARTNER_PROGRAM, {"input": {"name": "Program"}})

    assert plan["data"]["createSalesPlan"] == {
        "salesPlan": None,
        "userErrors": [{"code": "FORBIDDEN", "message": "Only company admins may create a sales plan", "field": None}],
    }
    assert solution["data"]["createSolution"]["userErrors"] == [
        {"code": "FORBIDDEN", "message": "Only company admins may create a solution", "field": None}
    ]
    assert program["data"]["createPartnerProgram"]["userErrors"] == [
        {"code": "FORBIDDEN", "message": "Only company admins may create a partner program", "field": None}
    ]
    assert await SalesPlan.all().count() == 0
    assert await Solution.all().count() == 0
    assert await PartnerProgram.all().count() == 0


async def test_a_name_taken_in_the_company_is_a_conflict_ignoring_case(anonymous_client):
    company, other = await make_company(), await make_company()
    admin = await make_user(company=company, is_admin=True)
    await make_sales_plan(company, name="Gold")
    await make_sales_plan(other, name="Silver")

    async with client_as(anonymous_client, admin) as admin_client:
        taken = await graphql(admin_client, CREATE_SALES_PLAN, {"input": {"name": "gold"}})
        free_here = await graphql(admin_client, CREATE_SALES_PLAN, {"input": {"name": "Silver"}})

    assert taken["data"]["createSalesPlan"] == {
        "salesPlan": None,
        "userErrors": [
            {"code": "CONFLICT", "message": "Your company already has a sales plan named 'gold'", "field": ["name"]}
        ],
    }
    assert free_here["data"]["createSalesPlan"]["userErrors"] == []
    assert sorted(plan.name for plan in await SalesPlan.filter(company_id=company.pk)) == ["Gold", "Silver"]


async def test_an_empty_or_over_long_name_is_invalid(anonymous_client):
    admin = await make_user(is_admin=True)

    async with client_as(anonymous_client, admin) as admin_client:
        empty = await graphql(admin_client, CREATE_SOLUTION, {"input": {"name": "   "}})
        too_long = await graphql(admin_client, CREATE_SOLUTION, {"input": {"name": "x" * 201}})

    assert empty["data"]["createSolution"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "name must not be empty", "field": ["name"]}
    ]
    assert too_long["data"]["createSolution"]["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "name may be at most 200 characters", "field": ["name"]}
    ]
    assert await Solution.all().count() == 0


async def test_sales_plans_are_listed_by_name_in_pages_and_by_company(anonymous_client):
    company, other = await make_company(), await make_company()
    user = await make_user(company=company)
    await make_sales_plan(company, name="Beta")
    await make_sales_plan(other, name="Alpha")
    await make_sales_plan(company, name="Gamma")

    async with client_as(anonymous_client, user) as user_client:
        first_page = await graphql(user_client, SALES_PLANS, {"first": 2})
        end_cursor = first_page["data"]["salesPlans"]["pageInfo"]["endCursor"]
        second_page = await graphql(user_client, SALES_PLANS, {"first": 2, "after": end_cursor})
        of_company = await graphql(user_client, SALES_PLANS, {"companyId": gid(company)})

    assert first_page["data"]["salesPlans"]["totalCount"] == 3
    assert first_page["data"]["salesPlans"]["pageInfo"]["hasNextPage"] is True
    assert first_page["data"]["salesPlans"]["edges"] == [
        {"node": {"name": "Alpha", "company": {"name": other.name}}},
        {"node": {"name": "Beta", "company": {"name": company.name}}},
    ]
    assert second_page["data"]["salesPlans"]["edges"] == [
        {"node": {"name": "Gamma", "company": {"name": company.name}}}
    ]
    assert second_page["data"]["salesPlans"]["pageInfo"]["hasNextPage"] is False
    assert [edge["node"]["name"] for edge in of_company["data"]["salesPlans"]["edges"]] == ["Beta", "Gamma"]


async def test_a_collaborator_links_catalog_entries_and_linking_again_changes_nothing(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    collaborator = await make_user(company=partner)
    lead = await make_lead(owner, partner=partner)
    await add_member(lead, collaborator, MemberRole.COLLABORATOR)
    plan = await make_sales_plan(vendor, name="FY25")
    solution = await make_solution(vendor, name="Analytics")
    program = await make_partner_program(partner, name="Gold")
    link = {
        "leadId": gid(lead),
        "salesPlanIds": [gid(plan)],
        "solutionIds": [gid(solution)],
        "partnerProgramIds": [gid(program)],
    }

    async with client_as(anonymous_client, collaborator) as collaborator_client:
        first = await graphql(collaborator_client, LINK_CATALOG, {"input": link})
        again = await graphql(collaborator_client, LINK_CATALOG, {"input": link})

    linked = {
        "salesPlans": [{"name": "FY25"}],
        "solutions": [{"name": "Analytics"}],
        "partnerPrograms": [{"name": "Gold"}],
    }
    assert first["data"]["linkCatalog"] == {"lead": linked, "opportunity": None, "userErrors": []}
    assert again["data"]["linkCatalog"] == {"lead": linked, "opportunity": None, "userErrors": []}
    assert await links_of(lead) == ([plan.pk], [solution.pk], [program.pk])


async def test_unlinking_removes_the_entries_and_ignores_unlinked_ones(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    kept, removed, never_linked = (
        await make_sales_plan(owner.company, name="Kept"),
        await make_sales_plan(owner.company, name="Removed"),
        await make_sales_plan(owner.company, name="Never"),
    )
    await lead.sales_plans.add(kept, removed)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            UNLINK_CATALOG,
            {"input": {"leadId": gid(lead), "salesPlanIds": [gid(removed), gid(never_linked)]}},
        )

    assert body["data"]["unlinkCatalog"] == {
        "lead": {"salesPlans": [{"name": "Kept"}], "solutions": [], "partnerPrograms": []},
        "userErrors": [],
    }
    assert await links_of(lead) == ([kept.pk], [], [])


async def test_unknown_entries_are_not_found_by_position_and_nothing_is_linked(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    plan = await make_sales_plan(owner.company)
    solution = await make_solution(owner.company)
    unknown_plan_id = global_id("SalesPlan", plan.pk + 1000)

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client,
            LINK_CATALOG,
            {
                "input": {
                    "leadId": gid(lead),
                    "salesPlanIds": [gid(plan), unknown_plan_id],
                    "solutionIds": [gid(solution), gid(plan)],
                }
            },
        )

    assert body["data"]["linkCatalog"] == {
        "lead": None,
        "opportunity": None,
        "userErrors": [
            {
                "code": "NOT_FOUND",
                "message": f"No SalesPlan with ID '{unknown_plan_id}'",
                "field": ["salesPlanIds", "1"],
            },
            {"code": "NOT_FOUND", "message": f"No Solution with ID '{gid(plan)}'", "field": ["solutionIds", "1"]},
        ],
    }
    assert await links_of(lead) == ([], [], [])


async def test_a_viewer_or_participant_may_not_link(anonymous_client):
    company = await make_company()
    owner = await make_user(company=company)
    viewer = await make_user(company=company)
    participant = await make_user(company=company)
    lead = await make_lead(owner)
    await add_member(lead, viewer, MemberRole.VIEWER)
    await add_member(lead, participant, MemberRole.PARTICIPANT)
    plan = await make_sales_plan(company)

    for user, role in ((viewer, "VIEWER"), (participant, "PARTICIPANT")):
        async with client_as(anonymous_client, user) as member_client:
            body = await graphql(
                member_client, LINK_CATALOG, {"input": {"leadId": gid(lead), "salesPlanIds": [gid(plan)]}}
            )
        assert body["data"]["linkCatalog"]["userErrors"] == [
            {
                "code": "FORBIDDEN",
                "message": f"Your role on this lead ({role}) does not allow this",
                "field": ["leadId"],
            }
        ]
    assert await links_of(lead) == ([], [], [])


async def test_catalog_links_of_a_converted_lead_are_read_only(anonymous_client):
    owner = await make_user(can_edit_converted_leads=True)
    lead = await make_lead(owner, is_converted=True, status=LeadStatus.CLOSED_CONVERTED)
    plan = await make_sales_plan(owner.company)
    await lead.sales_plans.add(plan)

    async with client_as(anonymous_client, owner) as owner_client:
        linked = await graphql(
            owner_client, LINK_CATALOG, {"input": {"leadId": gid(lead), "salesPlanIds": [gid(plan)]}}
        )
        unlinked = await graphql(
            owner_client, UNLINK_CATALOG, {"input": {"leadId": gid(lead), "salesPlanIds": [gid(plan)]}}
        )

    expected = [
        {
            "code": "LEAD_CONVERTED",
            "message": "This lead is converted and can no longer be changed",
            "field": ["leadId"],
        }
    ]
    assert linked["data"]["linkCatalog"]["userErrors"] == expected
    assert unlinked["data"]["unlinkCatalog"]["userErrors"] == expected
    assert await links_of(lead) == ([plan.pk], [], [])


async def test_a_collaborator_links_entries_to_an_opportunity(anonymous_client):
    owner = await make_user()
    opportunity = await make_opportunity(owner)
    solution = await make_solution(owner.company, name="Analytics")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(
            owner_client, LINK_CATALOG, {"input": {"opportunityId": gid(opportunity), "solutionIds": [gid(solution)]}}
        )

    assert body["data"]["linkCatalog"] == {
        "lead": None,
        "opportunity": {"salesPlans": [], "solutions": [{"name": "Analytics"}], "partnerPrograms": []},
        "userErrors": [],
    }
    assert await links_of(opportunity) == ([], [solution.pk], [])
