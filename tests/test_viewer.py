from tests.factories import StatementCounter, client_as, graphql, make_user

VIEWER = """
query {
  viewer { id email name isAdmin canEditConvertedLeads company { id name domain } }
}
"""


async def test_viewer_is_the_token_holder(anonymous_client):
    user = await make_user(email="ada@northwind.example", name="Ada", is_admin=True)

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, VIEWER)

    assert body == {
        "data": {
            "viewer": {
                "id": "VXNlcjo" + body["data"]["viewer"]["id"][7:],
                "email": "ada@northwind.example",
                "name": "Ada",
                "isAdmin": True,
                "canEditConvertedLeads": False,
                "company": {
                    "id": body["data"]["viewer"]["company"]["id"],
                    "name": user.company.name,
                    "domain": user.company.domain,
                },
            }
        }
    }


async def test_the_viewer_with_their_company_costs_the_token_check_alone(anonymous_client):
    user = await make_user(name="Ada")

    async with client_as(anonymous_client, user) as client:
        with StatementCounter() as counter:
            body = await graphql(client, VIEWER)

    assert body["data"]["viewer"]["company"]["name"] == user.company.name
    assert counter.count == 1, counter.statements
