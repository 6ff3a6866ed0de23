"""Concurrent merges and conversions of overlapping leads through a live server: each lead is
merged once, or converted, never both; the loser answers ALREADY_MERGED or ALREADY_CONVERTED."""

import asyncio
from typing import Any

import pytest

from models import Activity, Lead, LeadMember, MemberRole
from resolvers.ids import decode_id
from tests import factories as f
from tests.live import cli_env, live_server, live_token, post_all, with_database

MERGE = """
mutation ($input: MergeLeadsInput!) {
  mergeLeads(input: $input) { lead { id } userErrors { code field } }
}
"""
CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { lead { id } userErrors { code field } }
}
"""
ROUNDS = 5


async def seed() -> tuple[int, list[list[str]]]:
    """ROUNDS groups of three leads of one owner: two survivors and the duplicate they share."""
    owner = await f.make_user()
    groups = [[f.gid(await f.make_lead(owner, customer_name=f"Acme {n}")) for _ in range(3)] for n in range(ROUNDS)]
    return owner.id, groups


async def race(url: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The mutations' payloads, sent all at once."""
    return [next(iter(body["data"].values())) for body in await post_all(url, token, calls)]


async def stored() -> dict[int, tuple[int | None, bool]]:
    return {lead.pk: (lead.merged_into_id, lead.is_converted) for lead in await Lead.all()}


def pk(global_id: str) -> int:
    return decode_id(global_id, "Lead", [])


def codes(payload: dict[str, Any]) -> tuple[str, ...]:
    return tuple(error["code"] for error in payload["userErrors"])


@pytest.mark.slow
def test_two_merges_sharing_a_duplicate_merge_it_once_and_a_conversion_races_a_merge(backend, database_url):
    owner_id, groups = with_database(database_url, seed)
    env = cli_env(database_url)
    workers = ["--workers", "2"] if backend == "postgres" else []

    with live_server(env, *workers) as server:
        token = live_token(env, owner_id)
        merges = []
        for first, second, shared in groups:
            merges.append(
                asyncio.run(
                    race(
                        server.graphql_url,
                        token,
                        [
                            (MERGE, {"input": {"leadId": first, "duplicateIds": [shared]}}),
                            (MERGE, {"input": {"leadId": second, "duplicateIds": [shared]}}),
                        ],
                    )
                )
            )
        after_merges = with_database(database_url, stored)
        conversions = []
        for first, second, _ in groups:
            conversions.append(
                asyncio.run(
                    race(
                        server.graphql_url,
                        token,
                        [
                            (MERGE, {"input": {"leadId": first, "duplicateIds": [second]}}),
                            (CONVERT, {"input": {"leadId": second}}),
                        ],
                    )
                )
            )
        final = with_database(database_url, stored)

    for outcome in merges:
        assert sorted(codes(payload) for payload in outcome) == [(), ("ALREADY_MERGED",)]
    for (_, _, shared), outcome in zip(groups, merges, strict=True):
        winner = next(payload["lead"]["id"] for payload in outcome if payload["lead"])
        assert after_merges[pk(shared)][0] == pk(winner)
    for outcome in conversions:
        merged, converted = (codes(payload) for payload in outcome)
        assert (merged, converted) in [((), ("ALREADY_MERGED",)), (("ALREADY_CONVERTED",), ())]
    for first, second, _ in groups:
        merged_into, is_converted = final[pk(second)]
        assert (merged_into is not None) != is_converted
        assert merged_into in (None, pk(first))


LOG_ACTIVITY = """
mutation ($input: LogActivityInput!) {
  logActivity(input: $input) { userErrors { code field } }
}
"""
ADD_MEMBER = """
mutation ($input: AddLeadMemberInput!) {
  addLeadMember(input: $input) { userErrors { code field } }
}
"""


async def seed_pairs() -> tuple[int, str, list[tuple[str, str]]]:
    """ROUNDS survivor and duplicate pairs of one owner, and a colleague to add as a member."""
    owner = await f.make_user()
    colleague = await f.make_user(company=await owner.company)
    pairs = [(f.gid(await f.make_lead(owner)), f.gid(await f.make_lead(owner))) for _ in range(ROUNDS)]
    return owner.id, f.gid(colleague), pairs


async def where_they_are() -> dict[str, dict[int | None, int]]:
    """The activity of each lead, and the user of each lead's VIEWER membership (a duplicate keeps
    its members: the survivor gains copies)."""
    return {
        "activities": {row.lead_id: row.id for row in await Activity.all()},
        "members": {row.lead_id: row.user_id for row in await LeadMember.filter(role=MemberRole.VIEWER)},
    }


@pytest.mark.slow
def test_an_activity_or_member_added_while_a_merge_runs_lands_on_the_survivor_or_is_refused(backend, database_url):
    owner_id, colleague, pairs = with_database(database_url, seed_pairs)
    env = cli_env(database_url)
    workers = ["--workers", "2"] if backend == "postgres" else []

    with live_server(env, *workers) as server:
        token = live_token(env, owner_id)
        outcomes = [
            asyncio.run(
                race(
                    server.graphql_url,
                    token,
                    [
                        (LOG_ACTIVITY, {"input": {"leadId": duplicate, "kind": "CALL", "subject": "Late call"}}),
                        (ADD_MEMBER, {"input": {"leadId": duplicate, "userId": colleague, "role": "VIEWER"}}),
                        (MERGE, {"input": {"leadId": survivor, "duplicateIds": [duplicate]}}),
                    ],
                )
            )
            for survivor, duplicate in pairs
        ]
        final = with_database(database_url, where_they_are)

    for (survivor, duplicate), (logged, added, merged) in zip(pairs, outcomes, strict=True):
        assert codes(merged) == ()
        assert codes(logged) in [(), ("ALREADY_MERGED",)]
        assert codes(added) in [(), ("ALREADY_MERGED",)]
        assert pk(duplicate) not in final["activities"]
        assert (pk(survivor) in final["activities"]) == (codes(logged) == ())
        assert (pk(survivor) in final["members"]) == (codes(added) == ())
