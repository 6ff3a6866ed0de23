"""Concurrent merges and conversions of overlapping leads through a live server: each lead is
merged once, or converted, never both; the loser answers ALREADY_MERGED or ALREADY_CONVERTED."""

import asyncio
from typing import Any

import pytest

from models import Lead
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
