"""Accounts and contacts: who sees them (CONTRACT.md section 5), the `accounts` and `contacts`
queries, the nested lists, createAccount and createContact."""

import pytest

from models import Account, Contact, MemberRole
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_account,
    make_contact,
    make_lead,
    make_opportunity,
    make_user,
)

ACCOUNTS = """
query ($first: Int, $after: String, $search: String) {
  accounts(first: $first, after: $after, search: $search) {
    totalCount
    edges { node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CONTACTS = """
query ($first: Int, $after: String, $search: String, $accountId: ID) {
  contacts(first: $first, after: $after, search: $search, accountId: $accountId) {
    totalCount
    edges { node { id lastName } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
NODES = """
query ($ids: [ID!]!) { nodes(ids: $ids) { id } }
"""
ACCOUNT = """
query ($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Account {
      id name website industry
      contacts { nodes { id firstName lastName email phone jobTitle account { id } } }
      opportunities(first: $first, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } }
    }
  }
}
"""
CREATE_ACCOUNT = """
mutation ($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id name website industry } userErrors { code message field } }
}
"""
CREATE_CONTACT = """
mutation ($input: CreateContactInput!) {
  createContact(input: $input) {
    contact { id firstName lastName email phone jobTitle account { id } }
    userErrors { code message field }
  }
}
"""


async def snapshot() -> list[dict]:
    return [*await Account.all().order_by("id").values(), *await Contact.all().order_by("id").values()]


def names(connection: dict) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


# --- visibility ---------------------------------------------------------------------------


async def test_accounts_of_the_own_company_and_of_visible_records_only(anonymous_client):
    viewer = await make_user()
    colleague = await make_user(company=viewer.company)
    vendor = await make_user()
    own = await make_account(viewer.company, name="Own account")
    via_opportunity = await make_account(vendor.company, name="Via opportunity")
    via_lead = await make_account(vendor.company, name="Via lead")
    behind_hidden_opportunity = await make_account(vendor.company, name="Behind a hidden opportunity")
    unreferenced = await make_account(vendor.company, name="Unreferenced")
    shared = await make_opportunity(vendor, account=via_opportunity)
    await add_member(shared, viewer, MemberRole.VIEWER)
    lead = await make_lead(vendor, converted_account=via_lead, is_converted=True)
    await add_member(lead, viewer, MemberRole.VIEWER)
    await make_opportunity(vendor, account=behind_hidden_opportunity)
    every_id = [gid(account) for account in (own, via_opportunity, via_lead, behind_hidden_opportunity, unreferenced)]

    async with (
        client_as(anonymous_client, viewer) as viewer_client,
        client_as(anonymous_client, colleague) as colleague_client,
    ):
        listed = (await graphql(viewer_client, ACCOUNTS))["data"]["accounts"]
        looked_up = (await graphql(viewer_client, NODES, {"ids": every_id}))["data"]["nodes"]
        colleague_listed = (await graphql(colleague_client, ACCOUNTS))["data"]["accounts"]

    assert names(listed) == ["Own account", "Via lead", "Via opportunity"]
    assert listed["totalCount"] == 3
    assert looked_up == [{"id": every_id[0]}, {"id": every_id[1]}, {"id": every_id[2]}, None, None]
    assert names(colleague_listed) == ["Own account"]


async def test_an_outsiders_account_does_not_exist_for_the_viewer(anonymous_client):
    viewer = await make_user()
    outsider = await make_user()
    foreign = await make_account(outsider.company, name="Foreign")

    async with client_as(anonymous_client, viewer) as viewer_client:
        node = await graphql(viewer_client, ACCOUNT, {"id": gid(foreign)})
        listed = (await graphql(viewer_client, ACCOUNTS))["data"]["accounts"]

    assert node == {"data": {"node": None}}
    assert listed["edges"] == []
    assert listed["totalCount"] == 0


async def test_an_account_becomes_invisible_when_the_opportunity_is_no_longer_visible(anonymous_client):
    viewer = await make_user()
    vendor = await make_user()
    account = await make_account(vendor.company)
    shared = await make_opportunity(vendor, account=account)
    await add_member(shared, viewer, MemberRole.PARTICIPANT)

    async with client_as(anonymous_client, viewer) as viewer_client:
        while_shared = await graphql(viewer_client, NODES, {"ids": [gid(account)]})
        shared.account = None
        await shared.save()
        after = await graphql(viewer_client, NODES, {"ids": [gid(account)]})

    assert while_shared == {"data": {"nodes": [{"id": gid(account)}]}}
    assert after == {"data": {"nodes": [None]}}


async def test_contacts_of_the_own_company_and_of_visible_records_only(anonymous_client):
    viewer = await make_user()
    vendor = await make_user()
    own = await make_contact(viewer.company, last_name="Adams")
    via_opportunity = await make_contact(vendor.company, last_name="Baker")
    via_lead = await make_contact(vendor.company, last_name="Clark")
    hidden = await make_contact(vendor.company, last_name="Davis")
    unreferenced = await make_contact(vendor.company, last_name="Evans")
    shared = await make_opportunity(vendor, contact=via_opportunity)
    await add_member(shared, viewer, MemberRole.VIEWER)
    lead = await make_lead(vendor, converted_contact=via_lead, is_converted=True)
    await add_member(lead, viewer, MemberRole.PARTICIPANT)
    await make_opportunity(vendor, contact=hidden)
    every_id = [gid(contact) for contact in (own, via_opportunity, via_lead, hidden, unreferenced)]

    async with client_as(anonymous_client, viewer) as viewer_client:
        listed = (await graphql(viewer_client, CONTACTS))["data"]["contacts"]
        looked_up = (await graphql(viewer_client, NODES, {"ids": every_id}))["data"]["nodes"]

    assert [edge["node"]["lastName"] for edge in listed["edges"]] == ["Adams", "Baker", "Clark"]
    assert listed["totalCount"] == 3
    assert looked_up == [{"id": every_id[0]}, {"id": every_id[1]}, {"id": every_id[2]}, None, None]


# --- an account's nested lists --------------------------------------------------------------


async def test_an_account_lists_only_its_visible_contacts_and_opportunities(anonymous_client):
    viewer = await make_user()
    vendor = await make_user()
    account = await make_account(vendor.company, name="Shared", website="https://shared.example", industry="Retail")
    referenced = await make_contact(
        vendor.company,
        account=account,
        first_name="Ria",
        last_name="Referenced",
        email="ria@shared.example",
        phone="+1 555 0100",
        job_title="CFO",
    )
    await make_contact(vendor.company, account=account, last_name="Unreferenced")
    own_contact = await make_contact(viewer.company, account=account, first_name=None, last_name="mine")
    shared = await make_opportunity(vendor, account=account, contact=referenced)
    await add_member(shared, viewer, MemberRole.VIEWER)
    await make_opportunity(vendor, account=account)
    own_opportunity = await make_opportunity(viewer, account=account)

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = await graphql(viewer_client, ACCOUNT, {"id": gid(account)})

    assert body == {
        "data": {
            "node": {
                "id": gid(account),
                "name": "Shared",
                "website": "https://shared.example",
                "industry": "Retail",
                "contacts": {
                    "nodes": [
                        {
                            "id": gid(own_contact),
                            "firstName": None,
                            "lastName": "mine",
                            "email": own_contact.email,
                            "phone": None,
                            "jobTitle": None,
                            "account": {"id": gid(account)},
                        },
                        {
                            "id": gid(referenced),
                            "firstName": "Ria",
                            "lastName": "Referenced",
                            "email": "ria@shared.example",
                            "phone": "+1 555 0100",
                            "jobTitle": "CFO",
                            "account": {"id": gid(account)},
                        },
                    ]
                },
                "opportunities": {
                    "totalCount": 2,
                    "edges": [{"node": {"id": gid(shared)}}, {"node": {"id": gid(own_opportunity)}}],
                    "pageInfo": {
                        "hasNextPage": False,
                        "endCursor": body["data"]["node"]["opportunities"]["pageInfo"]["endCursor"],
                    },
                },
            }
        }
    }


async def test_an_accounts_opportunities_come_in_pages(anonymous_client):
    owner = await make_user()
    account = await make_account(owner.company)
    created = [await make_opportunity(owner, account=account) for _ in range(5)]

    async with client_as(anonymous_client, owner) as client:
        first = (await graphql(client, ACCOUNT, {"id": gid(account), "first": 2}))["data"]["node"]["opportunities"]
        second = (
            await graphql(client, ACCOUNT, {"id": gid(account), "first": 2, "after": first["pageInfo"]["endCursor"]})
        )["data"]["node"]["opportunities"]
        last = (
            await graphql(client, ACCOUNT, {"id": gid(account), "first": 2, "after": second["pageInfo"]["endCursor"]})
        )["data"]["node"]["opportunities"]

    pages = [first, second, last]
    assert [[edge["node"]["id"] for edge in page["edges"]] for page in pages] == [
        [gid(created[0]), gid(created[1])],
        [gid(created[2]), gid(created[3])],
        [gid(created[4])],
    ]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
    assert [page["totalCount"] for page in pages] == [5, 5, 5]


# --- the accounts and contacts queries -----------------------------------------------------


async def test_accounts_search_name_or_website_in_any_case(anonymous_client):
    viewer = await make_user()
    await make_account(viewer.company, name="Northwind Traders", website="https://northwind.example")
    await make_account(viewer.company, name="Contoso", website="https://NORTHWIND-partner.example")
    await make_account(viewer.company, name="Fabrikam", website=None)

    async with client_as(anonymous_client, viewer) as viewer_client:
        found = (await graphql(viewer_client, ACCOUNTS, {"search": " northWIND "}))["data"]["accounts"]

    assert names(found) == ["Contoso", "Northwind Traders"]
    assert found["totalCount"] == 2


async def test_accounts_are_sorted_by_name_in_any_case_and_paged(anonymous_client):
    viewer = await make_user()
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo"]:
        await make_account(viewer.company, name=name)

    async with client_as(anonymous_client, viewer) as viewer_client:
        first = (await graphql(viewer_client, ACCOUNTS, {"first": 3}))["data"]["accounts"]
        rest = (await graphql(viewer_client, ACCOUNTS, {"first": 3, "after": first["pageInfo"]["endCursor"]}))["data"][
            "accounts"
        ]

    assert names(first) == ["Alpha", "Bravo", "charlie"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert names(rest) == ["delta", "echo"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert (first["totalCount"], rest["totalCount"]) == (5, 5)


async def test_contacts_search_names_and_email_and_narrow_to_an_account(anonymous_client):
    viewer = await make_user()
    account = await make_account(viewer.company)
    by_first = await make_contact(
        viewer.company, first_name="Morgan", last_name="Avery", email="a@x.example", account=account
    )
    by_last = await make_contact(viewer.company, first_name="Sam", last_name="MORGANSON", email="b@x.example")
    by_email = await make_contact(
        viewer.company, first_name="Lee", last_name="Cole", email="morgan.lee@x.example", account=account
    )
    await make_contact(viewer.company, first_name="Kim", last_name="Drew", email="kim@x.example", account=account)

    async with client_as(anonymous_client, viewer) as viewer_client:
        searched = (await graphql(viewer_client, CONTACTS, {"search": "morgan"}))["data"]["contacts"]
        in_account = (await graphql(viewer_client, CONTACTS, {"search": "morgan", "accountId": gid(account)}))["data"][
            "contacts"
        ]
        other_type = (await graphql(viewer_client, CONTACTS, {"accountId": gid(viewer)}))["data"]["contacts"]

    assert [edge["node"]["id"] for edge in searched["edges"]] == [gid(by_first), gid(by_email), gid(by_last)]
    assert [edge["node"]["id"] for edge in in_account["edges"]] == [gid(by_first), gid(by_email)]
    assert in_account["totalCount"] == 2
    assert other_type == {"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_contacts_of_an_invisible_account_are_not_listed(anonymous_client):
    viewer = await make_user()
    outsider = await make_user()
    foreign = await make_account(outsider.company)
    await make_contact(outsider.company, account=foreign)

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = (await graphql(viewer_client, CONTACTS, {"accountId": gid(foreign)}))["data"]["contacts"]

    assert (body["totalCount"], body["edges"]) == (0, [])


async def test_accounts_and_contacts_refuse_more_than_a_hundred_per_page(anonymous_client):
    viewer = await make_user()

    async with client_as(anonymous_client, viewer) as viewer_client:
        accounts = await graphql(viewer_client, ACCOUNTS, {"first": 101})
        contacts = await graphql(viewer_client, CONTACTS, {"first": 101})

    for body in (accounts, contacts):
        assert "data" not in body
        assert [(error["message"], error["extensions"]["code"]) for error in body["errors"]] == [
            ("'first' may be at most 100, got 101", "BAD_USER_INPUT")
        ]


# --- createAccount and createContact ---------------------------------------------------------


async def test_create_account_belongs_to_the_creators_company(anonymous_client):
    creator = await make_user()
    colleague = await make_user(company=creator.company)
    outsider = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(
            creator_client,
            CREATE_ACCOUNT,
            {"input": {"name": " Initech ", "website": "https://initech.example", "industry": "Software"}},
        )
    async with (
        client_as(anonymous_client, colleague) as colleague_client,
        client_as(anonymous_client, outsider) as outsider_client,
    ):
        colleague_sees = (await graphql(colleague_client, ACCOUNTS))["data"]["accounts"]
        outsider_sees = (await graphql(outsider_client, ACCOUNTS))["data"]["accounts"]

    account = await Account.get()
    assert body == {
        "data": {
            "createAccount": {
                "account": {
                    "id": gid(account),
                    "name": "Initech",
                    "website": "https://initech.example",
                    "industry": "Software",
                },
                "userErrors": [],
            }
        }
    }
    assert (account.company_id, account.created_by_id) == (creator.company_id, creator.id)
    assert names(colleague_sees) == ["Initech"]
    assert names(outsider_sees) == []


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"name": " "}, ("INVALID_INPUT", "name must not be empty", ["name"])),
        ({"name": "n" * 256}, ("INVALID_INPUT", "name may be at most 255 characters", ["name"])),
        ({"name": "Ok", "website": "w" * 256}, ("INVALID_INPUT", "website may be at most 255 characters", ["website"])),
        (
            {"name": "Ok", "industry": "i" * 121},
            ("INVALID_INPUT", "industry may be at most 120 characters", ["industry"]),
        ),
    ],
)
async def test_create_account_refuses_bad_input(anonymous_client, given, error):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(creator_client, CREATE_ACCOUNT, {"input": given})

    code, message, field = error
    assert body == {
        "data": {"createAccount": {"account": None, "userErrors": [{"code": code, "message": message, "field": field}]}}
    }
    assert await snapshot() == []


async def test_create_contact_in_a_visible_account(anonymous_client):
    creator = await make_user()
    vendor = await make_user()
    account = await make_account(vendor.company)
    shared = await make_opportunity(vendor, account=account)
    await add_member(shared, creator, MemberRole.COLLABORATOR)

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(
            creator_client,
            CREATE_CONTACT,
            {
                "input": {
                    "firstName": "Jo",
                    "lastName": "Nakamura",
                    "email": " Jo.Nakamura@Customer.Example ",
                    "phone": "+44 20 7946 0000",
                    "jobTitle": "Head of IT",
                    "accountId": gid(account),
                }
            },
        )

    contact = await Contact.get()
    assert body == {
        "data": {
            "createContact": {
                "contact": {
                    "id": gid(contact),
                    "firstName": "Jo",
                    "lastName": "Nakamura",
                    "email": "jo.nakamura@customer.example",
                    "phone": "+44 20 7946 0000",
                    "jobTitle": "Head of IT",
                    "account": {"id": gid(account)},
                },
                "userErrors": [],
            }
        }
    }
    assert (contact.company_id, contact.account_id) == (creator.company_id, account.id)


async def test_create_contact_refuses_an_account_the_viewer_cannot_see(anonymous_client):
    creator = await make_user()
    foreign = await make_account((await make_user()).company)
    before = await snapshot()

    async with client_as(anonymous_client, creator) as creator_client:
        hidden = await graphql(
            creator_client, CREATE_CONTACT, {"input": {"lastName": "Doe", "accountId": gid(foreign)}}
        )
        wrong_type = await graphql(
            creator_client, CREATE_CONTACT, {"input": {"lastName": "Doe", "accountId": gid(creator)}}
        )

    assert hidden["data"]["createContact"] == {
        "contact": None,
        "userErrors": [
            {"code": "NOT_FOUND", "message": f"No Account with ID '{gid(foreign)}'", "field": ["accountId"]}
        ],
    }
    assert wrong_type["data"]["createContact"] == {
        "contact": None,
        "userErrors": [
            {"code": "NOT_FOUND", "message": f"No Account with ID '{gid(creator)}'", "field": ["accountId"]}
        ],
    }
    assert await snapshot() == before


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"lastName": ""}, ("INVALID_INPUT", "lastName must not be empty", ["lastName"])),
        ({"lastName": "l" * 121}, ("INVALID_INPUT", "lastName may be at most 120 characters", ["lastName"])),
        (
            {"lastName": "Doe", "email": "not-an-email"},
            ("INVALID_INPUT", "'not-an-email' is not a valid email address", ["email"]),
        ),
        ({"lastName": "Doe", "phone": "5" * 51}, ("INVALID_INPUT", "phone may be at most 50 characters", ["phone"])),
    ],
)
async def test_create_contact_refuses_bad_input(anonymous_client, given, error):
    creator = await make_user()

    async with client_as(anonymous_client, creator) as creator_client:
        body = await graphql(creator_client, CREATE_CONTACT, {"input": given})

    code, message, field = error
    assert body == {
        "data": {"createContact": {"contact": None, "userErrors": [{"code": code, "message": message, "field": field}]}}
    }
    assert await snapshot() == []
