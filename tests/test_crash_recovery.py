"""Crash recovery: a live server under a conversion and update load is killed with SIGKILL
several times and restarted; every acknowledged conversion is there in full, every update
acknowledged is kept, and nothing half-done exists.

A client that lost its answer in a crash retries with the same idempotency key, as a real
client would; the retry must either convert the lead or return the first result."""

import asyncio
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from models import MemberRole
from tests.factories import add_member, gid, make_activity, make_company, make_lead, make_sales_plan, make_user
from tests.live import cli_env, live_server, live_token, with_database

KILLS = 4
CONVERSION_LEADS = 48
UPDATE_LEADS = 8
CONVERTERS = 4
UPDATERS = 4

CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    lead { id isConverted }
    account { id }
    contact { id }
    opportunity { id }
    userErrors { code message field }
  }
}
"""
UPDATE = """
mutation ($input: UpdateLeadInput!) {
  updateLead(input: $input) { lead { id description } userErrors { code message field } }
}
"""
LEADS_AFTER = """
query ($after: String) {
  leads(first: 50, after: $after, filter: {includeConverted: true}) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id status isConverted convertedAt description
      convertedBy { id } convertedAccount { id } convertedContact { id }
      opportunities(first: 10) { totalCount edges { node {
        id account { id } contact { id }
        members { user { id } role source }
        salesPlans { id }
      } } }
      events { kind opportunity { id } }
    } }
  }
}
"""
TOTALS = "{ accounts { totalCount } contacts { totalCount } opportunities { totalCount } }"


@dataclass
class Seeded:
    viewer_id: int
    viewer: str
    colleague: str
    sales_plan: str
    conversion_leads: list[str]
    update_leads: list[str]


async def seed() -> Seeded:
    """A viewer who owns leads with a collaborator, a linked sales plan and an activity each."""
    company = await make_company()
    viewer = await make_user(company=company)
    colleague = await make_user(company=company)
    plan = await make_sales_plan(company)
    leads = []
    for _ in range(CONVERSION_LEADS + UPDATE_LEADS):
        lead = await make_lead(viewer)
        await add_member(lead, colleague, MemberRole.COLLABORATOR)
        await lead.sales_plans.add(plan)
        await make_activity(lead, viewer)
        leads.append(gid(lead))
    return Seeded(viewer.id, gid(viewer), gid(colleague), gid(plan), leads[:CONVERSION_LEADS], leads[CONVERSION_LEADS:])


@dataclass
class Ledger:
    """What the clients were told, and what they sent without being told."""

    to_convert: deque[str]
    acknowledged: dict[str, dict[str, str]] = field(default_factory=dict)  # lead -> ids answered
    in_doubt: set[str] = field(default_factory=set)  # conversions sent and not answered
    updates_sent: dict[str, int] = field(default_factory=dict)
    updates_acknowledged: dict[str, int] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)


async def run_load(url: str, token: str, seeded: Seeded, ledger: Ledger, kill: Any | None, rng: random.Random) -> None:
    """Converters and updaters until the server dies (`kill` is called once some conversions
    were acknowledged) or, without `kill`, until every conversion in doubt was retried."""
    stop = asyncio.Event()
    acknowledged_now = 0
    retries = deque(sorted(ledger.in_doubt))

    async def convert(client: httpx.AsyncClient, lead: str) -> None:
        nonlocal acknowledged_now
        ledger.in_doubt.add(lead)
        variables = {"input": {"leadId": lead, "idempotencyKey": f"crash-{lead}"}}
        try:
            response = await client.post("/graphql", json={"query": CONVERT, "variables": variables})
        except httpx.TransportError:
            stop.set()
            return
        body = response.json()
        payload = (body.get("data") or {}).get("convertLead")
        if response.status_code != 200 or body.get("errors") or not payload or payload["userErrors"]:
            ledger.refusals.append(f"convertLead {lead}: HTTP {response.status_code} {response.text[:300]}")
        else:
            ledger.acknowledged[lead] = {name: payload[name]["id"] for name in ("account", "contact", "opportunity")}
            acknowledged_now += 1
        ledger.in_doubt.discard(lead)

    async def converter(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            if retries:
                await convert(client, retries.popleft())
            elif kill is not None and ledger.to_convert:
                await convert(client, ledger.to_convert.popleft())
            else:
                return

    async def updater(client: httpx.AsyncClient, leads: list[str]) -> None:
        while not stop.is_set() and (kill is not None or retries):
            lead = rng.choice(leads)
            version = ledger.updates_sent.get(lead, 0) + 1
            ledger.updates_sent[lead] = version
            variables = {"input": {"leadId": lead, "description": f"version {version}"}}
            try:
                response = await client.post("/graphql", json={"query": UPDATE, "variables": variables})
            except httpx.TransportError:
                stop.set()
                return
            body = response.json()
            if response.status_code != 200 or body.get("errors") or body["data"]["updateLead"]["userErrors"]:
                ledger.refusals.append(f"updateLead {lead}: HTTP {response.status_code} {response.text[:300]}")
            else:
                ledger.updates_acknowledged[lead] = version

    async def killer() -> None:
        assert kill is not None
        for _ in range(200):
            if acknowledged_now >= 2 or stop.is_set():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(rng.uniform(0, 0.3))
        kill()

    limits = httpx.Limits(max_connections=CONVERTERS + UPDATERS)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30, limits=limits
    ) as client:
        workers = [converter(client) for _ in range(CONVERTERS)]
        workers += [updater(client, seeded.update_leads[index::UPDATERS]) for index in range(UPDATERS)]
        if kill is not None:
            workers.append(killer())
        await asyncio.gather(*workers)


async def read_back(url: str, token: str) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        leads: dict[str, dict[str, Any]] = {}
        after = None
        while True:
            response = await client.post("/graphql", json={"query": LEADS_AFTER, "variables": {"after": after}})
            body = response.json()
            assert "errors" not in body, body
            page = body["data"]["leads"]
            leads.update({edge["node"]["id"]: edge["node"] for edge in page["edges"]})
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        totals = (await client.post("/graphql", json={"query": TOTALS})).json()
        assert "errors" not in totals, totals
        return leads, {name: value["totalCount"] for name, value in totals["data"].items()}


def conversion_problems(lead: dict[str, Any], seeded: Seeded) -> list[str]:
    """What is missing from a converted lead, or left behind on an unconverted one."""
    name = lead["id"]
    opportunities = [edge["node"] for edge in lead["opportunities"]["edges"]]
    if not lead["isConverted"]:
        leftovers = (
            lead["status"] == "CLOSED_CONVERTED",
            lead["convertedAt"],
            lead["convertedBy"],
            lead["convertedAccount"],
            lead["convertedContact"],
            opportunities,
            lead["events"],
        )
        return [f"{name} is not converted but has {leftovers}"] if any(leftovers) else []
    problems = []
    if lead["status"] != "CLOSED_CONVERTED" or not lead["convertedAt"] or lead["convertedBy"] != {"id": seeded.viewer}:
        problems.append(f"{name} converted without status, time or converter: {lead}")
    if not lead["convertedAccount"] or not lead["convertedContact"] or len(opportunities) != 1:
        problems.append(f"{name} converted without its account, contact or one opportunity: {lead}")
        return problems
    opportunity = opportunities[0]
    members = {(member["user"]["id"], member["role"], member["source"]) for member in opportunity["members"]}
    if opportunity["account"] != lead["convertedAccount"] or opportunity["contact"] != lead["convertedContact"]:
        problems.append(f"{name}: the opportunity is not on the converted account and contact: {lead}")
    if not {(seeded.viewer, "OWNER", "DIRECT"), (seeded.colleague, "COLLABORATOR", "DIRECT")} <= members:
        problems.append(f"{name}: the opportunity lacks the lead's members: {opportunity['members']}")
    if opportunity["salesPlans"] != [{"id": seeded.sales_plan}]:
        problems.append(f"{name}: the opportunity lacks the lead's links: {opportunity['salesPlans']}")
    if lead["events"] != [{"kind": "CONVERTED", "opportunity": {"id": opportunity["id"]}}]:
        problems.append(f"{name}: not one conversion event naming the opportunity: {lead['events']}")
    return problems


@pytest.mark.slow
def test_acknowledged_conversions_survive_sigkill_in_full(database_url: str) -> None:
    # given a viewer with leads to convert and leads to update, served live
    seeded = with_database(database_url, seed)
    env = cli_env(database_url, LEADBRIDGE_RATE_LIMIT_CAPACITY="0")
    token = live_token(env, seeded.viewer_id)
    ledger = Ledger(to_convert=deque(seeded.conversion_leads))
    rng = random.Random(6)

    # when the server is killed with SIGKILL under load, several times, and restarted
    for _ in range(KILLS):
        with live_server(env) as server:
            asyncio.run(run_load(server.url, token, seeded, ledger, server.process.kill, rng))
            server.process.wait(timeout=30)

    # and, after the last restart, the clients retry what they were not answered
    with live_server(env) as server:
        asyncio.run(run_load(server.url, token, seeded, ledger, None, rng))
        leads, totals = asyncio.run(read_back(server.url, token))

    # then every acknowledged conversion is there in full, with the records it was answered
    assert ledger.refusals == []
    assert ledger.in_doubt == set()
    assert len(ledger.acknowledged) >= KILLS
    for lead_id, answered in ledger.acknowledged.items():
        lead = leads[lead_id]
        assert lead["isConverted"], lead
        assert lead["convertedAccount"] == {"id": answered["account"]}
        assert lead["convertedContact"] == {"id": answered["contact"]}
        assert [edge["node"]["id"] for edge in lead["opportunities"]["edges"]] == [answered["opportunity"]]

    # and nothing is half done: a lead is converted in full or untouched, and there is no
    # account, contact or opportunity that a conversion left without its lead
    assert [problem for lead in leads.values() for problem in conversion_problems(lead, seeded)] == []
    converted = sum(lead["isConverted"] for lead in leads.values())
    assert converted == len(ledger.acknowledged)
    assert totals == {"accounts": converted, "contacts": converted, "opportunities": converted}

    # and every acknowledged update is kept, or a later one that was sent
    for lead_id, version in ledger.updates_acknowledged.items():
        kept = int(leads[lead_id]["description"].removeprefix("version "))
        assert version <= kept <= ledger.updates_sent[lead_id]
