"""Concurrent conversions of one lead through a live server convert it once."""

import asyncio
from decimal import Decimal

import httpx
import pytest

from models import Account, Contact, ConversionEvent, ConversionEventKind, Lead, Opportunity
from tests import factories as f
from tests.live import cli_env, live_server, live_token, with_database

CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { lead { id } account { id } userErrors { code } }
}
"""
CALLS = 20


async def seed() -> tuple[int, str]:
    owner = await f.make_user()
    lead = await f.make_lead(
        owner, customer_name="Acme Corporation", email="wile@acme.example", estimated_amount=Decimal("5000.00")
    )
    return owner.id, f.gid(lead)


async def converge(url: str, token: str, lead_id: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=CALLS)) as client:

        async def call() -> dict:
            response = await client.post(
                url, json={"query": CONVERT, "variables": {"input": {"leadId": lead_id}}}, headers=headers
            )
            assert response.status_code == 200, response.text
            return response.json()

        return await asyncio.gather(*(call() for _ in range(CALLS)))


async def stored() -> dict[str, int]:
    return {
        "accounts": await Account.all().count(),
        "contacts": await Contact.all().count(),
        "opportunities": await Opportunity.all().count(),
        "conversions": await ConversionEvent.filter(kind=ConversionEventKind.CONVERTED).count(),
        "converted leads": await Lead.filter(is_converted=True).count(),
    }


@pytest.mark.slow
def test_twenty_concurrent_conversions_of_one_lead_convert_it_once(backend, database_url):
    owner_id, lead_id = with_database(database_url, seed)
    env = cli_env(database_url)
    workers = ["--workers", "2"] if backend == "postgres" else []

    with live_server(env, *workers) as server:
        bodies = asyncio.run(converge(server.graphql_url, live_token(env, owner_id), lead_id))

    assert [body.get("errors") for body in bodies] == [None] * CALLS
    outcomes = sorted(tuple(error["code"] for error in body["data"]["convertLead"]["userErrors"]) for body in bodies)
    assert outcomes == [()] + [("ALREADY_CONVERTED",)] * (CALLS - 1)
    assert with_database(database_url, stored) == {
        "accounts": 1,
        "contacts": 1,
        "opportunities": 1,
        "conversions": 1,
        "converted leads": 1,
    }
