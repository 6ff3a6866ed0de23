"""`Lead.duplicates`: the visible, unmerged leads with the same email, normalized customer name
or website domain, most recent first, paged like every connection, at a fixed SQL cost; the
stored match keys follow every write of the customer name and the website."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.migrations.api import migrate as tortoise_migrate

from leadbridge import demo, seed
from leadbridge.database import tortoise_config
from models import Account, Lead, LeadStatus, MemberRole, User
from models.matching import normalized_company_name, website_domain
from tests import live
from tests.factories import (
    StatementCounter,
    add_member,
    client_as,
    gid,
    graphql,
    make_company,
    make_lead,
    make_policy,
    make_user,
)

DUPLICATES = """
query ($id: ID!, $first: Int, $after: String) {
  lead(id: $id) {
    duplicates(first: $first, after: $after) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""
LEADS_WITH_DUPLICATES = """
query ($first: Int) {
  leads(first: $first) { edges { node { id duplicates(first: 5) { totalCount nodes { id topic } } } } }
}
"""
UPDATE_LEAD = """
mutation ($input: UpdateLeadInput!) {
  updateLead(input: $input) { lead { id } userErrors { code message field } }
}
"""
CREATE_LEAD = """
mutation ($input: CreateLeadInput!) {
  createLead(input: $input) { lead { id } userErrors { code message field } }
}
"""
IMPORT_LEADS = """
mutation ($input: ImportLeadsInput!) {
  importLeads(input: $input) { createdCount userErrors { code message field } }
}
"""
DUPLICATES_STATEMENTS = 3
"""`leads` with each lead's `duplicates`: the viewer (token check), the page of leads, and one
query for the duplicates of every lead of the page, whatever their number."""
COUNTED_DUPLICATES_STATEMENTS = DUPLICATES_STATEMENTS + 1
"""The same with `totalCount`: one more query counts the duplicates of every lead of the page."""
LEADS_WITH_FEW_DUPLICATES = """
query {
  leads(first: 20) {
    edges { node { id duplicates(first: 3) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } } }
  }
}
"""

EARLY = datetime(2026, 1, 1, tzinfo=UTC)


def ids(body: dict) -> list[str]:
    return [edge["node"]["id"] for edge in body["data"]["lead"]["duplicates"]["edges"]]


async def aged(lead: Lead, days: int) -> Lead:
    """The lead as if created `days` after EARLY: the order of duplicates follows creation."""
    await Lead.filter(id=lead.pk).update(created_at=EARLY + timedelta(days=days))
    return lead


async def test_duplicates_match_email_normalized_name_or_domain_most_recent_first(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, email="wile@acme.example", customer_name="ACME, Inc.", website="www.acme.example")
    by_email = await aged(await make_lead(owner, email="wile@acme.example"), 1)
    by_name = await aged(await make_lead(owner, customer_name="acme"), 3)
    by_domain = await aged(await make_lead(owner, website="https://WWW.Acme.example/contact"), 2)
    await make_lead(owner, customer_name="Acme Rockets", website="acme-rockets.example", email="road@runner.example")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, DUPLICATES, {"id": gid(lead)})
        of_name = await graphql(owner_client, DUPLICATES, {"id": gid(by_name)})

    assert "errors" not in body, body
    assert ids(body) == [gid(by_name), gid(by_domain), gid(by_email)]
    assert body["data"]["lead"]["duplicates"]["totalCount"] == 3
    assert ids(of_name) == [gid(lead)]


async def test_empty_values_never_match(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, email=None, customer_name=None, website=None, topic="Only a topic")
    await make_lead(owner, email=None, customer_name=None, website=None, topic="Another topic")
    await make_lead(owner, email=None, customer_name="   ", website="", topic="Blank values")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, DUPLICATES, {"id": gid(lead)})

    assert body == {
        "data": {
            "lead": {
                "duplicates": {
                    "totalCount": 0,
                    "edges": [],
                    "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
                }
            }
        }
    }


async def test_a_lead_the_viewer_cannot_see_or_a_merged_lead_is_never_a_duplicate(anonymous_client):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_user = await make_user(company=partner)
    lead = await make_lead(owner, email="sam@globex.example", customer_name="Globex")
    visible = await make_lead(owner, email="sam@globex.example")
    await make_lead(partner_user, email="sam@globex.example", customer_name="Globex", partner=vendor)
    merged = await make_lead(owner, customer_name="Globex")
    await Lead.filter(id=merged.pk).update(merged_into_id=visible.pk, status=LeadStatus.CLOSED_NOT_CONVERTED)
    theirs = await make_lead(partner_user, customer_name="Globex Corporation")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, DUPLICATES, {"id": gid(lead)})
    async with client_as(anonymous_client, partner_user) as partner_client:
        across = await graphql(partner_client, DUPLICATES, {"id": gid(theirs)})

    assert ids(body) == [gid(visible)]
    assert [gid(lead) not in ids(across), gid(visible) not in ids(across), len(ids(across))] == [True, True, 1]


async def test_duplicates_page_with_first_and_after_and_refuse_a_page_too_large(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, customer_name="Initech")
    others = [await aged(await make_lead(owner, customer_name="Initech LLC"), day) for day in range(3)]
    other_lead = await make_lead(owner, customer_name="Initech")

    async with client_as(anonymous_client, owner) as owner_client:
        first = await graphql(owner_client, DUPLICATES, {"id": gid(lead), "first": 2})
        cursor = first["data"]["lead"]["duplicates"]["pageInfo"]["endCursor"]
        second = await graphql(owner_client, DUPLICATES, {"id": gid(lead), "first": 2, "after": cursor})
        foreign = await graphql(owner_client, DUPLICATES, {"id": gid(other_lead), "after": cursor})
        too_many = await graphql(owner_client, DUPLICATES, {"id": gid(lead), "first": 101})

    assert ids(first) == [gid(other_lead), gid(others[2])]
    assert first["data"]["lead"]["duplicates"]["pageInfo"]["hasNextPage"] is True
    assert ids(second) == [gid(others[1]), gid(others[0])]
    assert second["data"]["lead"]["duplicates"]["pageInfo"]["hasNextPage"] is False
    assert foreign["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert too_many["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert too_many["errors"][0]["message"] == "'first' may be at most 100, got 101"


async def test_the_match_keys_follow_create_update_and_import(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, customer_name="Umbrella")

    async with client_as(anonymous_client, owner) as owner_client:
        created = await graphql(
            owner_client, CREATE_LEAD, {"input": {"topic": "New", "customerName": "Umbrella Corp."}}
        )
        renamed = await make_lead(owner, customer_name="Someone else", website="nothing.example")
        updated = await graphql(
            owner_client,
            UPDATE_LEAD,
            {"input": {"leadId": gid(renamed), "customerName": "Hooli", "website": "https://umbrella.example"}},
        )
        await graphql(owner_client, UPDATE_LEAD, {"input": {"leadId": gid(lead), "website": "umbrella.example"}})
        operations = {"query": IMPORT_LEADS, "variables": {"input": {"file": None}}}
        imported = await owner_client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
            files={"0": ("leads.csv", b"topic,customerName\nImported,UMBRELLA LTD\n", "text/csv")},
        )
        body = await graphql(owner_client, DUPLICATES, {"id": gid(lead)})

    assert created["data"]["createLead"]["userErrors"] == []
    assert updated["data"]["updateLead"]["userErrors"] == []
    assert imported.json()["data"]["importLeads"] == {"createdCount": 1, "userErrors": []}
    imported_lead = await Lead.get(topic="Imported")
    assert ids(body) == [gid(imported_lead), gid(renamed), created["data"]["createLead"]["lead"]["id"]]
    stored = await Lead.get(id=renamed.pk).values("normalized_name", "website_domain")
    assert stored == {"normalized_name": "hooli", "website_domain": "umbrella.example"}


async def test_the_migration_fills_the_keys_of_existing_leads(anonymous_client):
    migration = import_module("models.migrations.0007_lead_merging")
    owner = await make_user()
    lead = await make_lead(owner, customer_name="Wayne Enterprises, Inc.", website="http://www.wayne.example")
    bare = await make_lead(owner, customer_name=None, website=None, topic="Bare")
    await Lead.filter(id__in=[lead.pk, bare.pk]).update(normalized_name=None, website_domain=None)

    apps = SimpleNamespace(get_model=lambda app, name: Lead)
    await migration.fill_match_keys(apps, SimpleNamespace(client=Lead._meta.db))

    assert await Lead.filter(id__in=[lead.pk, bare.pk]).order_by("id").values_list(
        "normalized_name", "website_domain"
    ) == [("wayne enterprises", "wayne.example"), (None, None)]


async def test_duplicates_of_a_page_of_leads_cost_the_same_statements_for_2_and_for_12_leads(anonymous_client):
    vendor = await make_company()
    admin = await make_user(company=vendor, is_admin=True)
    colleague = await make_user(company=vendor)

    async def pairs(count: int) -> None:
        for n in range(count):
            await make_lead(colleague, customer_name=f"Pair {n} {count}")
            await make_lead(colleague, customer_name=f"pair {n} {count} inc")

    await pairs(1)
    async with client_as(anonymous_client, admin) as admin_client:
        with StatementCounter() as few:
            few_body = await graphql(admin_client, LEADS_WITH_DUPLICATES, {"first": 50})
        await pairs(6)
        with StatementCounter() as many:
            many_body = await graphql(admin_client, LEADS_WITH_DUPLICATES, {"first": 50})

    assert "errors" not in many_body, many_body
    assert [len(edge["node"]["duplicates"]["nodes"]) for edge in few_body["data"]["leads"]["edges"]] == [1, 1]
    assert [edge["node"]["duplicates"]["totalCount"] for edge in many_body["data"]["leads"]["edges"]] == [1] * 14
    assert few.count == COUNTED_DUPLICATES_STATEMENTS, "\n".join(few.statements)
    assert many.count == COUNTED_DUPLICATES_STATEMENTS, "\n".join(many.statements)


async def test_a_lead_with_30_duplicates_pages_through_all_of_them_five_at_a_time(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, customer_name="Umbrella")
    # Two by two created at the same moment: pages also break between leads of the same moment.
    twins = [await aged(await make_lead(owner, customer_name="Umbrella Corp"), n // 2) for n in range(30)]
    newest_first = [gid(twin) for twin in reversed(twins)]

    pages: list[dict] = []
    after = None
    async with client_as(anonymous_client, owner) as owner_client:
        for _ in range(6):
            body = await graphql(owner_client, DUPLICATES, {"id": gid(lead), "first": 5, "after": after})
            assert "errors" not in body, body
            pages.append(body["data"]["lead"]["duplicates"])
            after = pages[-1]["pageInfo"]["endCursor"]

    assert [[edge["node"]["id"] for edge in page["edges"]] for page in pages] == [
        newest_first[start : start + 5] for start in range(0, 30, 5)
    ]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True] * 5 + [False]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False] + [True] * 5
    assert [page["totalCount"] for page in pages] == [30] * 6


async def test_a_page_of_20_leads_reads_at_most_first_plus_one_duplicates_of_each_in_one_query(anonymous_client):
    owner = await make_user()
    expected: dict[str, list[str]] = {}
    for n in range(20):
        lead = await aged(await make_lead(owner, customer_name=f"Soylent {n}"), 100 + n)
        others = [await aged(await make_lead(owner, customer_name=f"Soylent {n} Inc"), n) for _ in range(10)]
        expected[gid(lead)] = [gid(other) for other in reversed(others[-3:])]

    async with client_as(anonymous_client, owner) as owner_client:
        with StatementCounter() as counter:
            body = await graphql(owner_client, LEADS_WITH_FEW_DUPLICATES)

    assert "errors" not in body, body
    pages = {edge["node"]["id"]: edge["node"]["duplicates"] for edge in body["data"]["leads"]["edges"]}
    assert {lead: [edge["node"]["id"] for edge in page["edges"]] for lead, page in pages.items()} == expected
    assert {(page["pageInfo"]["hasNextPage"], page["pageInfo"]["hasPreviousPage"]) for page in pages.values()} == {
        (True, False)
    }
    assert counter.count == DUPLICATES_STATEMENTS, "\n".join(counter.statements)
    # Four rows a lead (a page of 3 and one telling that more follow), not its ten duplicates.
    assert counter.rows[-1] == 20 * 4


async def test_the_demo_network_holds_two_duplicate_leads_its_admin_sees(settings, anonymous_client):
    await demo.seed(settings)
    admin = await User.get(email="admin@northwind.example").prefetch_related("company")
    soylent = await Lead.filter(customer_name__startswith="Soylent").order_by("id")

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, DUPLICATES, {"id": gid(soylent[0])})

    assert len(soylent) == 2
    assert soylent[0].sourced_by_id != soylent[1].sourced_by_id
    assert ids(body) == [gid(soylent[1])]


async def test_a_policy_member_sees_duplicates_only_where_the_policy_reaches(anonymous_client):
    vendor, other = await make_company(), await make_company()
    await make_policy(vendor, MemberRole.VIEWER)
    owner = await make_user(company=vendor)
    viewer = await make_user(company=vendor)
    outsider_owner = await make_user(company=other)
    lead = await make_lead(owner, email="miles@cyberdyne.example")
    reached = await make_lead(owner, email="miles@cyberdyne.example")
    shared_directly = await make_lead(outsider_owner, email="miles@cyberdyne.example")
    await add_member(shared_directly, viewer, MemberRole.VIEWER)
    await make_lead(outsider_owner, email="miles@cyberdyne.example")

    async with client_as(anonymous_client, viewer) as viewer_client:
        body = await graphql(viewer_client, DUPLICATES, {"id": gid(lead)})

    assert sorted(ids(body)) == sorted([gid(reached), gid(shared_directly)])


async def test_the_benchmark_seed_stores_the_match_keys_of_its_leads(anonymous_client):
    await seed.seed(50, random_seed=7)

    rows = await Lead.all().values_list("customer_name", "website", "normalized_name", "website_domain")

    assert len(rows) == 50
    assert [(name, domain) for _, _, name, domain in rows] == [
        (normalized_company_name(customer), website_domain(website)) for customer, website, _, _ in rows
    ]


async def test_duplicates_created_at_the_same_moment_page_by_id_newest_first(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, customer_name="Tyrell")
    twins = [await make_lead(owner, customer_name="Tyrell Corp") for _ in range(3)]
    await Lead.filter(id__in=[twin.pk for twin in twins]).update(created_at=EARLY)

    seen: list[str] = []
    after = None
    async with client_as(anonymous_client, owner) as owner_client:
        for _ in range(3):
            body = await graphql(owner_client, DUPLICATES, {"id": gid(lead), "first": 1, "after": after})
            seen.extend(ids(body))
            after = body["data"]["lead"]["duplicates"]["pageInfo"]["endCursor"]
        last = body["data"]["lead"]["duplicates"]["pageInfo"]["hasNextPage"]

    assert seen == [gid(twin) for twin in reversed(twins)]
    assert last is False


async def test_the_match_keys_follow_an_update_of_the_email_and_a_cleared_name_or_website(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, email="ada@babbage.example", customer_name="Babbage", website="babbage.example")
    moved = await make_lead(owner, email="old@elsewhere.example")
    cleared = await make_lead(owner, customer_name="Babbage Ltd", website="www.babbage.example")

    async with client_as(anonymous_client, owner) as owner_client:
        updates = [
            await graphql(owner_client, UPDATE_LEAD, {"input": {"leadId": gid(moved), "email": "ADA@babbage.example"}}),
            await graphql(
                owner_client, UPDATE_LEAD, {"input": {"leadId": gid(cleared), "customerName": None, "website": None}}
            ),
        ]
        body = await graphql(owner_client, DUPLICATES, {"id": gid(lead)})

    assert [update["data"]["updateLead"]["userErrors"] for update in updates] == [[], []]
    assert ids(body) == [gid(moved)]
    assert await Lead.get(id=cleared.pk).values("normalized_name", "website_domain") == {
        "normalized_name": None,
        "website_domain": None,
    }


async def test_a_negative_page_size_of_duplicates_is_refused(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, customer_name="Soylent")

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, DUPLICATES, {"id": gid(lead), "first": -1})

    assert [(error["message"], error["extensions"]) for error in body["errors"]] == [
        ("'first' must not be negative", {"code": "BAD_USER_INPUT"})
    ]


def test_migrating_to_the_match_keys_fills_them_on_the_leads_and_accounts_that_exist(database_url):
    """A database at the migration before, with leads and accounts written then (by SQL: the models
    have the keys already), migrated to the latest: they get their keys, those without a name or
    website none."""
    stamp = "'2026-01-01 00:00:00'"
    rows = (
        f"INSERT INTO company (id, name, created_at, updated_at) VALUES (1, 'Vendor', {stamp}, {stamp})",
        'INSERT INTO "user" (id, email, name, is_admin, can_edit_converted_leads, is_active, token_version, '
        f"created_at, updated_at, company_id) VALUES (1, 'o@v.example', 'O', FALSE, FALSE, TRUE, 0, {stamp}, {stamp}, 1)",
        *(
            "INSERT INTO lead (id, customer_name, website, status, acceptance, sourced_by_id, owner_id, is_converted, "
            f"created_at, updated_at) VALUES ({pk}, {name}, {website}, 'OPEN_NOT_CONTACTED', 'NOT_REQUIRED', 1, 1, "
            f"FALSE, {stamp}, {stamp})"
            for pk, name, website in (
                (1, "'Stark Industries, Inc.'", "'https://www.stark.example/'"),
                (2, "NULL", "NULL"),
                (3, "'   '", "'acme.example'"),
            )
        ),
        *(
            "INSERT INTO account (id, name, website, company_id, created_at, updated_at) "
            f"VALUES ({pk}, {name}, {website}, 1, {stamp}, {stamp})"
            for pk, name, website in (
                (1, "'Globex Corporation'", "'http://WWW.Globex.example/about'"),
                (2, "'Initech'", "NULL"),
            )
        ),
    )

    async def empty() -> None:
        if database_url.startswith("sqlite"):
            Path(urlsplit(database_url).path).unlink()
        else:
            await Lead._meta.db.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")

    async def migrate_to(target: str | None) -> None:
        try:
            await tortoise_migrate(config=tortoise_config(database_url, migrating=True), target=target)
        finally:
            await Tortoise.close_connections()

    async def write() -> None:
        for row in rows:
            await Lead._meta.db.execute_script(row)

    async def keys() -> list[tuple[str | None, str | None]]:
        return await Lead.all().order_by("id").values_list("normalized_name", "website_domain")

    async def account_keys() -> list[tuple[str | None, str | None]]:
        return await Account.all().order_by("id").values_list("normalized_name", "website_domain")

    live.with_database(database_url, empty)
    asyncio.run(migrate_to("models.0006_indexes"))
    live.with_database(database_url, write)
    asyncio.run(migrate_to(None))

    assert live.with_database(database_url, keys) == [
        ("stark industries", "stark.example"),
        (None, None),
        (None, "acme.example"),
    ]
    assert live.with_database(database_url, account_keys) == [("globex", "globex.example"), ("initech", None)]


async def test_a_name_that_lower_case_lengthens_is_still_a_lead_and_matches_its_duplicate(anonymous_client):
    # "İ" is one character and its lower case two: 255 of them make a 510-character key.
    owner = await make_user()
    name = "İ" * 255

    async with client_as(anonymous_client, owner) as owner_client:
        first, second = [
            await graphql(owner_client, CREATE_LEAD, {"input": {"topic": topic, "customerName": name}})
            for topic in ("First", "Second")
        ]
        body = await graphql(owner_client, DUPLICATES, {"id": first["data"]["createLead"]["lead"]["id"]})

    assert first["data"]["createLead"]["userErrors"] == second["data"]["createLead"]["userErrors"] == []
    assert ids(body) == [second["data"]["createLead"]["lead"]["id"]]
    account = await Account.create(name=name, company_id=owner.company_id)
    assert len((await Account.get(id=account.pk)).normalized_name or "") == 255
