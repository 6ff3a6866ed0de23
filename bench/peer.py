"""The peer: PostGraphile 4 over the bench's PostgreSQL database, answering the portal page.

PostGraphile generates its API from the tables and their foreign keys and has no visibility rules,
so it cannot find the partner admin's leads itself: the bench gives it the ids of the 50 leads the
portal returns (`filter: {id: {in: ...}}`, from postgraphile-plugin-connection-filter), ordered as
ours, and it reads the records under them through its generated relations: owner, companies,
sections, catalog links, the latest five opportunity links with each opportunity's stage, and
members. Our `members` lists hold a record's direct members and the users its companies' access
policies make members; PostGraphile has no policies, so it reads the direct rows and the users of
the record's sourcing and partner companies, about as many objects as our page (the bench prints
both counts). Ids are its global ids (`nodeId`), as ours are Relay global ids.
"""

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from bench.live import LiveProcess, StartFailed, free_port

PEER_PORTAL = """
query PeerPortal($ids: [Int!]!) {
  allLeads(filter: {id: {in: $ids}}, orderBy: [CREATED_AT_DESC, ID_DESC]) {
    edges {
      node {
        id: nodeId topic status acceptance estimatedAmount
        owner: userByOwnerId { id: nodeId name email }
        sourcedBy: companyBySourcedById { id: nodeId name ...PolicyUsersWithCompany }
        partner: companyByPartnerId { id: nodeId name ...PolicyUsersWithCompany }
        members: leadMembersByLeadIdList {
          role user: userByUserId { id: nodeId name company: companyByCompanyId { id: nodeId name } }
        }
        companySections: leadCompanySectionsByLeadIdList { industry region crmAccount company: companyByCompanyId { id: nodeId name } }
        salesPlans: leadSalesPlansByLeadIdList { salesPlan: salesPlanBySalesplanId { id: nodeId name } }
        solutions: leadSolutionsByLeadIdList { solution: solutionBySolutionId { id: nodeId name } }
        partnerPrograms: leadPartnerProgramsByLeadIdList { partnerProgram: partnerProgramByPartnerprogramId { id: nodeId name } }
        opportunities: leadOpportunitiesByLeadIdList(first: 5, orderBy: ID_DESC) {
          opportunity: opportunityByOpportunityId {
            id: nodeId name amount
            stage: opportunityStageByStageId { id: nodeId name probability }
            sourcedBy: companyBySourcedById { ...PolicyUsers }
            partner: companyByPartnerId { ...PolicyUsers }
            members: opportunityMembersByOpportunityIdList { role user: userByUserId { id: nodeId name } }
          }
        }
      }
    }
  }
}

fragment PolicyUsersWithCompany on Company {
  users: usersByCompanyIdList { id: nodeId name isAdmin company: companyByCompanyId { id: nodeId name } }
}

fragment PolicyUsers on Company {
  users: usersByCompanyIdList { id: nodeId name isAdmin }
}
"""


def portal_body(lead_ids: list[int]) -> dict[str, Any]:
    return {"query": PEER_PORTAL, "variables": {"ids": lead_ids}}


def version(root: Path) -> str:
    manifest = root / "node_modules" / "postgraphile" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else "?"


class PostGraphile(LiveProcess):
    """`postgraphile` starting to serve `url` on a free loopback port; StartFailed says why it cannot."""

    def __init__(self, url: str, root: Path, env: dict[str, str]) -> None:
        node = shutil.which("node")
        cli = root / "node_modules" / ".bin" / "postgraphile"
        if node is None:
            raise StartFailed("node is not on PATH")
        if not cli.exists():
            raise StartFailed(f"{cli.relative_to(root)} is missing (run scripts/setup)")
        self.port = free_port()
        command = [
            node,
            str(cli),
            "--connection",
            url,
            "--schema",
            "public",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--append-plugins",
            "postgraphile-plugin-connection-filter",
            "--simple-collections",
            "both",
            "--disable-default-mutations",
            "--disable-graphiql",
            "--disable-query-log",
        ]
        super().__init__(
            f"PostGraphile {version(root)}", command, {**env, "NODE_ENV": "production"}, root, self._answers
        )

    def _answers(self) -> bool:
        try:
            response = httpx.post(f"http://127.0.0.1:{self.port}/graphql", json={"query": "{__typename}"}, timeout=1)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


def count_objects(value: Any) -> int:
    """JSON objects in `value`, itself included (for a response: its `data`)."""
    if isinstance(value, dict):
        return 1 + sum(count_objects(item) for item in value.values())
    if isinstance(value, list):
        return sum(count_objects(item) for item in value)
    return 0


def objects_in(body: str | None) -> int | None:
    try:
        return count_objects(json.loads(body).get("data")) if body else None
    except (ValueError, AttributeError):
        return None


def portal_lead_ids(body: str | None) -> list[int]:
    """The lead ids of a portal page, ours (`Lead:12`) or the peer's (`["leads",12]`), in page order."""
    if not body:
        return []
    leads = json.loads(body).get("data") or {}
    edges = (leads.get("leads") or leads.get("allLeads") or {}).get("edges") or []
    ids = []
    for edge in edges:
        decoded = base64.b64decode(edge["node"]["id"]).decode()
        ids.append(int(json.loads(decoded)[1]) if decoded.startswith("[") else int(decoded.split(":", 1)[1]))
    return ids
