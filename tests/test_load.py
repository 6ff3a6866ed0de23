"""Load: a bounded mixed read/write load at concurrency 32 against a live server (PostgreSQL
with two workers; SQLite, which is served by one), while an operator imports leads from CSV in
another process: no error of any kind (no "database is locked" on SQLite), and the server
processes' memory stays flat once warm.

LEADBRIDGE_LOAD_SECONDS sets how long the load runs on each backend (60 by default); the
first fifth of it is the warm-up."""

import asyncio
import os
import random
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from models import MemberRole
from tests.factories import add_member, gid, make_activity, make_company, make_lead, make_sales_plan, make_user
from tests.live import cli_env, live_server, live_token, run_cli, with_database

LOAD_SECONDS = float(os.environ.get("LEADBRIDGE_LOAD_SECONDS", "60"))
CONCURRENCY = 32
LEADS = 40
IMPORTED_ROWS = 20_000
MIB = 1024 * 1024

READ = """
query {
  leads(first: 10) {
    totalCount
    edges { node {
      id topic status score estimatedAmount
      owner { name company { name } }
      members { user { name } role source }
      companySections { company { name } industry region }
      salesPlans { name }
      activities(first: 5) { totalCount edges { node { kind subject } } }
      opportunities(first: 3) { totalCount edges { node { name amount stage { name } } } }
      viewerCan { update convert }
    } }
  }
}
"""
UPDATE = """
mutation ($input: UpdateLeadInput!) { updateLead(input: $input) { lead { id description } userErrors { code message } } }
"""
LOG_ACTIVITY = """
mutation ($input: LogActivityInput!) { logActivity(input: $input) { userErrors { code message } } }
"""
CREATE = """
mutation ($input: CreateLeadInput!) { createLead(input: $input) { lead { id } userErrors { code message } } }
"""
CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) { lead { id isConverted } opportunity { id } userErrors { code message } }
}
"""


@dataclass
class Seeded:
    viewer_id: int
    viewer_email: str
    leads: list[str]


async def seed() -> Seeded:
    company = await make_company()
    viewer = await make_user(company=company)
    colleague = await make_user(company=company)
    plan = await make_sales_plan(company)
    leads = []
    for _ in range(LEADS):
        lead = await make_lead(viewer)
        await add_member(lead, colleague, MemberRole.COLLABORATOR)
        await lead.sales_plans.add(plan)
        await make_activity(lead, viewer)
        leads.append(gid(lead))
    return Seeded(viewer.id, viewer.email, leads)


@dataclass
class Tally:
    done: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def check(self, name: str, response: httpx.Response) -> dict[str, Any] | None:
        """The operation's answer when it succeeded in full; the error is kept otherwise."""
        body = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        answer = (body.get("data") or {}).get(name) if isinstance(body, dict) else None
        if (
            response.status_code != 200
            or body.get("errors")
            or answer is None
            or (answer.get("userErrors") if isinstance(answer, dict) else None)
        ):
            self.errors.append(f"{name}: HTTP {response.status_code} {response.text[:300]}")
            return None
        self.done[name] = self.done.get(name, 0) + 1
        return answer


def server_processes(pid: int) -> list[int]:
    """The server's process and all its descendants (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def resident_bytes(pid: int) -> int:
    """RSS of the server and its workers, from /proc."""
    total = 0
    for process in server_processes(pid):
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def write_csv(path: Path, rows: int) -> Path:
    lines = ["External ID,Topic,Last Name,Customer Name\n"]
    lines += [f"load-{index},Imported deal {index},Buyer{index},Imported customer {index}\n" for index in range(rows)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


async def run_load(
    url: str, token: str, seeded: Seeded, pid: int, seconds: float, importing: Callable[[], Any]
) -> tuple[Tally, int, int, Any]:
    """The load for `seconds`, with `importing` run in a thread once warm; returns the tally,
    the servers' RSS after warm-up and at the end, and what `importing` returned."""
    tally = Tally()
    rng = random.Random(32)
    loop = asyncio.get_running_loop()
    warm_until = loop.time() + seconds / 5
    end = loop.time() + seconds

    async def post(
        client: httpx.AsyncClient, name: str, query: str, variables: dict[str, Any]
    ) -> dict[str, Any] | None:
        try:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
        except httpx.TransportError as error:
            tally.errors.append(f"{name}: {type(error).__name__} {error}")
            return None
        return tally.check(name, response)

    async def user(client: httpx.AsyncClient) -> None:
        while loop.time() < end:
            lead = rng.choice(seeded.leads)
            pick = rng.random()
            if pick < 0.5:
                await post(client, "leads", READ, {})
            elif pick < 0.7:
                await post(client, "updateLead", UPDATE, {"input": {"leadId": lead, "description": uuid.uuid4().hex}})
            elif pick < 0.9:
                await post(
                    client, "logActivity", LOG_ACTIVITY, {"input": {"leadId": lead, "kind": "CALL", "subject": "Load"}}
                )
            else:
                name = uuid.uuid4().hex
                draft = {
                    "topic": f"Deal {name}",
                    "lastName": name,
                    "customerName": f"Customer {name}",
                    "email": f"{name}@example.com",
                }
                created = await post(client, "createLead", CREATE, {"input": draft})
                if created:
                    await post(client, "convertLead", CONVERT, {"input": {"leadId": created["lead"]["id"]}})

    async def measure() -> tuple[int, int, Any]:
        """RSS once warm, the import, RSS at the end."""
        await asyncio.sleep(max(0.0, warm_until - loop.time()))
        warm = resident_bytes(pid)
        imported = await asyncio.to_thread(importing)
        await asyncio.sleep(max(0.0, end - loop.time()))
        return warm, resident_bytes(pid), imported

    limits = httpx.Limits(max_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as client:
        users = [user(client) for _ in range(CONCURRENCY)]
        _, (warm, final, imported) = await asyncio.gather(asyncio.gather(*users), measure())
    return tally, warm, final, imported


@pytest.mark.slow
def test_mixed_load_has_no_errors_and_flat_memory(backend: str, database_url: str, tmp_path: Path) -> None:
    # given a live server, with two workers on PostgreSQL, and a viewer's leads
    seeded = with_database(database_url, seed)
    env = cli_env(database_url, LEADBRIDGE_RATE_LIMIT_CAPACITY="0")
    token = live_token(env, seeded.viewer_id)
    workers = 2 if backend == "postgres" else 1
    csv_file = write_csv(tmp_path / "leads.csv", IMPORTED_ROWS)

    with live_server(env, "--workers", str(workers)) as server:
        assert len(server_processes(server.process.pid)) >= (1 if workers == 1 else 1 + workers)

        # when 32 clients read leads with nested data, update them, log activities and
        # create and convert leads, while the operator imports leads in another process
        def importing() -> subprocess.CompletedProcess[str]:
            return run_cli("import-leads", str(csv_file), "--as", seeded.viewer_email, env=env, timeout=300)

        tally, warm, final, imported = asyncio.run(
            run_load(server.url, token, seeded, server.process.pid, LOAD_SECONDS, importing)
        )
        log = server.output()

    # then every operation succeeded, and the server logged no error
    not_request_lines = "\n".join(line for line in log.splitlines() if not line.startswith("{"))
    assert tally.errors == [], (
        f"{len(tally.errors)} errors, first:\n" + "\n".join(tally.errors[:10]) + "\n" + not_request_lines[-3000:]
    )
    assert set(tally.done) == {"leads", "updateLead", "logActivity", "createLead", "convertLead"}
    assert imported.returncode == 0, imported.stderr
    assert "database is locked" not in log
    assert "Traceback" not in log

    # and the servers' memory after the warm-up did not grow beyond noise
    assert final <= warm * 1.1 + 16 * MIB, f"RSS grew from {warm / MIB:.0f} MiB to {final / MIB:.0f} MiB"
