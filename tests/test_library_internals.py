"""A server with `LEADBRIDGE_LIBRARY_INTERNALS=off` answers as one with them on."""

from dataclasses import replace

from models import tortoise_internals
from tests.factories import (
    client_as,
    make_lead,
    make_partner_program,
    make_sales_plan,
    make_solution,
    make_user,
    serving,
)

LEAD_CATALOG = """
query {
  leads(first: 10) {
    edges { node { id salesPlans { id name } solutions { id name } partnerPrograms { id name } } }
  }
}
"""


async def test_a_request_is_answered_alike_with_library_internals_off(settings):
    async with serving(settings) as anonymous_client:
        owner = await make_user()
        for name in ("First", "Second"):
            lead = await make_lead(owner)
            await lead.sales_plans.add(await make_sales_plan(owner.company, name=f"{name} plan"))
            await lead.solutions.add(await make_solution(owner.company), await make_solution(owner.company))
            await lead.partner_programs.add(await make_partner_program(owner.company))
        async with client_as(anonymous_client, owner) as owner_client:
            with_internals = await owner_client.post("/graphql", json={"query": LEAD_CATALOG})

    try:
        async with serving(replace(settings, library_internals=False)) as anonymous_client:
            assert tortoise_internals.uses_internals() is False
            async with client_as(anonymous_client, owner) as owner_client:
                without_internals = await owner_client.post("/graphql", json={"query": LEAD_CATALOG})
    finally:
        tortoise_internals.use_internals(True)

    assert with_internals.status_code == without_internals.status_code == 200
    assert with_internals.json()["data"]["leads"]["edges"][0]["node"]["solutions"]
    assert without_internals.content == with_internals.content
