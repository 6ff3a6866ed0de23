"""The `companies` directory: every company of the network, by name, searchable and paged."""

from models import Company
from tests.factories import client_as, gid, graphql, make_company, make_user

COMPANIES = """
query ($first: Int, $after: String, $search: String) {
  companies(first: $first, after: $after, search: $search) {
    totalCount
    edges { node { id name domain } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def names(connection: dict) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


async def test_every_company_is_listed_even_without_any_shared_record(anonymous_client):
    viewer = await make_user(company=await make_company(name="Viewer Co", domain="viewer.example"))
    stranger = await make_company(name="aardvark Ltd", domain="aardvark.example")

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = await graphql(viewer_client, COMPANIES)

    assert body["data"]["companies"]["edges"] == [
        {"node": {"id": gid(stranger), "name": "aardvark Ltd", "domain": "aardvark.example"}},
        {"node": {"id": gid(viewer.company), "name": "Viewer Co", "domain": "viewer.example"}},
    ]
    assert body["data"]["companies"]["totalCount"] == 2


async def test_companies_search_name_or_domain_in_any_case(anonymous_client):
    viewer = await make_user(company=await make_company(name="Umbrella", domain="umbrella.example"))
    await make_company(name="Globex Corporation", domain="globex.example")
    await make_company(name="Hooli", domain="GLOBEX-partners.example")

    async with client_as(anonymous_client, viewer) as viewer_client:
        found = (await graphql(viewer_client, COMPANIES, {"search": "GLOBEX"}))["data"]["companies"]

    assert names(found) == ["Globex Corporation", "Hooli"]
    assert found["totalCount"] == 2


async def test_companies_come_in_pages(anonymous_client):
    viewer = await make_user(company=await make_company(name="Company 0"))
    for n in range(1, 5):
        await make_company(name=f"Company {n}")

    async with client_as(anonymous_client, viewer) as viewer_client:
        first = (await graphql(viewer_client, COMPANIES, {"first": 2}))["data"]["companies"]
        second = (await graphql(viewer_client, COMPANIES, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
            "data"
        ]["companies"]
        third = (await graphql(viewer_client, COMPANIES, {"first": 2, "after": second["pageInfo"]["endCursor"]}))[
            "data"
        ]["companies"]

    assert [names(page) for page in (first, second, third)] == [
        ["Company 0", "Company 1"],
        ["Company 2", "Company 3"],
        ["Company 4"],
    ]
    assert [page["pageInfo"]["hasNextPage"] for page in (first, second, third)] == [True, True, False]
    assert [page["totalCount"] for page in (first, second, third)] == [5, 5, 5]
    assert await Company.all().count() == 5
