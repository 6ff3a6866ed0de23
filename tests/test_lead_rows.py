"""A lead read in a list is the lead read by its ID: every field of Lead, for every viewer of a
network holding every kind of record a lead has, through `leads` and through `nodes`, each on the
planned path and on the generic one."""

import json

from models import LeadAcceptance, LeadStatus
from tests.test_planned_reads import (  # noqa: F401  # both_paths is a fixture
    BothPaths,
    LeadPlan,
    NetworkPlan,
    OpportunityPlan,
    both_paths,
    build,
)

EVERY_FIELD = """
fragment Every on Lead {
  id topic firstName lastName email phone jobTitle customerName website description source score currency
  estimatedCloseDate status acceptanceDeadline rejectionReason disqualificationReason isConverted convertedAt
  createdAt updatedAt estimatedAmount acceptance
  sourcedBy { id name } partner { id name } owner { id name } convertedBy { id }
  convertedAccount { id name } convertedContact { id lastName }
  opportunities(first: 3) { totalCount edges { cursor node { id name amount } } pageInfo { hasNextPage endCursor } }
  members { role source user { id name } }
  companySections { industry region crmAccount company { id } }
  salesPlans { id name } solutions { id name } partnerPrograms { id name }
  activities(first: 2) { totalCount edges { cursor node { id kind } } pageInfo { hasNextPage endCursor } }
  viewerRole
  viewerCan { update convert manageMembers logActivity respond }
  events { id kind createdAt lead { id } opportunity { id } account { id } contact { id } mergedInto { id } }
  conversionLinks { linkedAt how by { id } lead { id } opportunity { id } }
  duplicates(first: 2) { totalCount edges { cursor node { id } } }
  mergedInto { id }
}
"""
LISTED = EVERY_FIELD + "query { leads(first: 100, filter: {includeConverted: true}) { nodes { ...Every } } }"
BY_ID = EVERY_FIELD + "query ($ids: [ID!]!) { nodes(ids: $ids) { ...Every } }"

NETWORK = NetworkPlan(
    companies=2,
    users=[(0, False), (0, True), (1, True), (1, False)],
    policies=[{"PARTICIPANT"}, {"VIEWER"}],
    catalog=[0, 1],
    leads=[
        LeadPlan(
            owner=0,
            partner=1,
            acceptance=LeadAcceptance.ACCEPTED,
            members={3: "PARTICIPANT"},
            sections={0: ("Retail", "EMEA", "V-1"), 1: ("Retail", None, "P-1")},
            sales_plans={0},
            solutions={0, 1},
            partner_programs={1},
            opportunities=[OpportunityPlan(owner=0, partner=1, members={2: "COLLABORATOR"}), OpportunityPlan(owner=1)],
            converted=True,
            status=LeadStatus.CLOSED_CONVERTED,
            activities=3,
            text="Acme",
        ),
        LeadPlan(owner=0, partner=1, acceptance=LeadAcceptance.PENDING, deadline_days=-1, text="Acme", activities=1),
        LeadPlan(owner=1, partner=1, acceptance=LeadAcceptance.PENDING, deadline_days=3, members={2: "COLLABORATOR"}),
        LeadPlan(owner=0, text="Acme", merged=True, amount=None, score=None),
        LeadPlan(owner=2, partner=0, acceptance=LeadAcceptance.REJECTED, opportunities=[OpportunityPlan(owner=2)]),
    ],
    opportunities=[],
)
"""A vendor and a partner with policies on both sides, and leads of every kind: converted with
sections, catalog links, activities and opportunities, expired, pending, merged, rejected, and
duplicates of one another."""


async def test_every_field_of_a_listed_lead_reads_as_the_lead_read_by_its_id(both_paths: BothPaths) -> None:  # noqa: F811  # the fixture
    network = await build(NETWORK)

    for viewer in network.users:
        listed = (await both_paths.data(viewer, LISTED))["leads"]["nodes"]
        by_id = (await both_paths.post(viewer, BY_ID, {"ids": [lead["id"] for lead in listed]}))[1]

        assert len(listed) >= 3, viewer.email
        assert json.loads(by_id) == {"data": {"nodes": listed}}
