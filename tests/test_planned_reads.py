"""The planned read path and the generic executor answer every request alike.

Two apps serve one database: one built from the test settings (`planned_reads` on, so that read
operations the planner covers run on it) and one with `planned_reads` off (every operation on
graphql-core's executor). Random networks of companies, users, policies, leads, opportunities,
members, company sections, catalog links and conversions are built through the ORM; random
documents over the Lead and Opportunity graph (nested connections, aliases, fragments, variables,
directives, cursors, orders and filters, and now and then an argument, a field or a size the
server refuses) are sent to both apps as every user of the network, as a user of an unrelated
company and without a token. Both must answer with the same status and the same bytes.
"""

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench.scenarios import PORTAL
from leadbridge import events
from leadbridge.app import create_app
from leadbridge.settings import Settings
from models import (
    ConversionEvent,
    ConversionEventKind,
    Lead,
    LeadAcceptance,
    LeadCompanySection,
    LeadOpportunity,
    LeadStatus,
    MemberRole,
    Opportunity,
    OpportunityStage,
    User,
)
from tests.factories import (
    add_member,
    gid,
    make_account,
    make_activity,
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    make_partner_program,
    make_policy,
    make_sales_plan,
    make_solution,
    make_user,
    serving,
    token_for,
)

ROLES = [role.value for role in MemberRole]
STORED_ACCEPTANCES = [
    LeadAcceptance.NOT_REQUIRED,
    LeadAcceptance.PENDING,
    LeadAcceptance.ACCEPTED,
    LeadAcceptance.REJECTED,
]
OPEN_STATUSES = [LeadStatus.OPEN_NOT_CONTACTED, LeadStatus.WORKING_CONTACTED, LeadStatus.CLOSED_NOT_CONVERTED]
TEXTS = [
    None,
    "Plain",
    "Zoë Ærøskøbing",
    'a "quoted" \\ backslash',
    "line\nbreak\ttab",
    "rocket 🚀",
    "<b>&amp;</b>",
    "",
]
AMOUNTS = [
    None,
    Decimal("0.00"),
    Decimal("0.01"),
    Decimal("1000.00"),
    Decimal("1234.50"),
    Decimal("9999999999999999.99"),
]
SCORES = [None, 0, 50, 50, 73, 100]
LEAD_ORDERS = ["CREATED_AT", "UPDATED_AT", "SCORE", "CUSTOMER_NAME"]
OPPORTUNITY_ORDERS = ["CREATED_AT", "UPDATED_AT", "CLOSE_DATE", "AMOUNT", "NAME"]
DIRECTIONS = ["ASC", "DESC"]
MAX_ALIASES = Settings.max_aliases
NOW = datetime.now(UTC)
"""Deadlines are 30 days from the test's start, so no lead's acceptance expires between the two requests."""


# The network: a plan drawn by Hypothesis, then built through the factories.


@dataclass
class OpportunityPlan:
    owner: int
    partner: int | None = None
    stage: int = 0
    amount: Decimal | None = Decimal("5000.00")
    close_date: date | None = None
    members: dict[int, str] = field(default_factory=dict)


@dataclass
class LeadPlan:
    owner: int
    partner: int | None = None
    status: LeadStatus = LeadStatus.WORKING_CONTACTED
    acceptance: LeadAcceptance = LeadAcceptance.NOT_REQUIRED
    deadline_days: int | None = None
    amount: Decimal | None = Decimal("1000.00")
    score: int | None = 50
    text: str | None = "Plain"
    members: dict[int, str] = field(default_factory=dict)
    sections: dict[int, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    sales_plans: set[int] = field(default_factory=set)
    solutions: set[int] = field(default_factory=set)
    partner_programs: set[int] = field(default_factory=set)
    opportunities: list[OpportunityPlan] = field(default_factory=list)
    converted: bool = False
    activities: int = 0
    merged: bool = False
    """Whether the lead was merged into the network's first lead (when it is not that one)."""


@dataclass
class NetworkPlan:
    companies: int
    users: list[tuple[int, bool]]
    policies: list[set[str]]
    catalog: list[int]
    """The company of each catalog entry; entry i is a sales plan, a solution and a partner program."""
    leads: list[LeadPlan]
    opportunities: list[OpportunityPlan]
    """Opportunities linked to no lead."""


@dataclass
class Network:
    users: list[User]
    outsider: User
    leads: list[Lead]
    opportunities: list[Opportunity]
    company_ids: list[str]


def members(users: int, owner: int) -> st.SearchStrategy[dict[int, str]]:
    """Direct members besides the owner, who is one already, with random roles."""
    others = [user for user in range(users) if user != owner]
    return st.dictionaries(st.sampled_from(others), st.sampled_from(ROLES), max_size=3)


@st.composite
def opportunity_plans(draw: st.DrawFn, users: int, companies: int, stages: int) -> OpportunityPlan:
    """An opportunity of a random owner, stage and amount, maybe shared with a partner."""
    owner = draw(st.integers(0, users - 1))
    return OpportunityPlan(
        owner=owner,
        partner=draw(st.none() | st.integers(0, companies - 1)),
        stage=draw(st.integers(0, stages - 1)),
        amount=draw(st.sampled_from(AMOUNTS)),
        close_date=draw(st.none() | st.dates(date(2030, 1, 1), date(2030, 1, 10))),
        members=draw(members(users, owner)),
    )


@st.composite
def lead_plans(draw: st.DrawFn, users: int, companies: int, catalog: int) -> LeadPlan:
    """A lead of a random owner with or without a partner, its members, sections, links and
    opportunities; a converted lead has at least one opportunity."""
    owner = draw(st.integers(0, users - 1))
    converted = draw(st.booleans())
    entries = st.sets(st.integers(0, catalog - 1), max_size=catalog) if catalog else st.just(set())
    section = st.tuples(st.sampled_from(TEXTS), st.sampled_from(TEXTS), st.sampled_from(TEXTS))
    return LeadPlan(
        owner=owner,
        partner=draw(st.none() | st.integers(0, companies - 1)),
        status=LeadStatus.CLOSED_CONVERTED if converted else draw(st.sampled_from(OPEN_STATUSES)),
        acceptance=draw(st.sampled_from(STORED_ACCEPTANCES)),
        deadline_days=draw(st.sampled_from([None, -30, 30])),
        amount=draw(st.sampled_from(AMOUNTS)),
        score=draw(st.sampled_from(SCORES)),
        text=draw(st.sampled_from(TEXTS)),
        members=draw(members(users, owner)),
        sections=draw(st.dictionaries(st.integers(0, companies - 1), section, min_size=1, max_size=companies)),
        sales_plans=draw(entries),
        solutions=draw(entries),
        partner_programs=draw(entries),
        opportunities=draw(st.lists(opportunity_plans(users, companies, 6), min_size=int(converted), max_size=3)),
        converted=converted,
        activities=draw(st.integers(0, 2)),
        merged=not converted and rarely(draw, 4),
    )


@st.composite
def networks(draw: st.DrawFn) -> NetworkPlan:
    """Two to four companies, their users (some admins) and policies, catalog entries, leads and
    opportunities of their own."""
    companies = draw(st.integers(2, 4))
    users = draw(st.lists(st.tuples(st.integers(0, companies - 1), st.booleans()), min_size=2, max_size=5))
    catalog = draw(st.lists(st.integers(0, companies - 1), max_size=3))
    return NetworkPlan(
        companies=companies,
        users=users,
        policies=[draw(st.sets(st.sampled_from(ROLES), max_size=2)) for _ in range(companies)],
        catalog=catalog,
        leads=draw(st.lists(lead_plans(len(users), companies, len(catalog)), min_size=1, max_size=5)),
        opportunities=draw(st.lists(opportunity_plans(len(users), companies, 6), max_size=2)),
    )


async def build_opportunity(
    plan: OpportunityPlan, users: list[User], companies: list[Any], stages: list[Any]
) -> Opportunity:
    opportunity = await make_opportunity(
        users[plan.owner],
        partner=companies[plan.partner] if plan.partner is not None else None,
        stage=stages[plan.stage],
        amount=plan.amount,
        close_date=plan.close_date,
    )
    for member, role in plan.members.items():
        await add_member(opportunity, users[member], MemberRole(role))
    return opportunity


async def build(plan: NetworkPlan) -> Network:
    """The plan's records, with companies of their own: earlier examples' records stay invisible."""
    companies = [await make_company() for _ in range(plan.companies)]
    users = [await make_user(company=companies[company], is_admin=is_admin) for company, is_admin in plan.users]
    for policy_company, roles in zip(companies, plan.policies, strict=True):
        for role in sorted(roles):
            await make_policy(policy_company, MemberRole(role))
    sales_plans = [await make_sales_plan(companies[company]) for company in plan.catalog]
    solutions = [await make_solution(companies[company]) for company in plan.catalog]
    programs = [await make_partner_program(companies[company]) for company in plan.catalog]
    stages = list(await OpportunityStage.all().order_by("sort_order"))
    leads: list[Lead] = []
    opportunities: list[Opportunity] = []
    for lead_plan in plan.leads:
        owner = users[lead_plan.owner]
        lead = await make_lead(
            owner,
            partner=companies[lead_plan.partner] if lead_plan.partner is not None else None,
            status=lead_plan.status,
            stored_acceptance=lead_plan.acceptance,
            acceptance_deadline=None
            if lead_plan.deadline_days is None
            else NOW + timedelta(days=lead_plan.deadline_days),
            estimated_amount=lead_plan.amount,
            currency=None if lead_plan.amount is None else "EUR",
            score=lead_plan.score,
            customer_name=lead_plan.text,
            phone=lead_plan.text,
            description=lead_plan.text,
            estimated_close_date=date(2030, 6, 1) if lead_plan.score else None,
        )
        for member, role in lead_plan.members.items():
            await add_member(lead, users[member], MemberRole(role))
        for section_company, (industry, region, crm_account) in lead_plan.sections.items():
            await LeadCompanySection.create(
                lead=lead, company=companies[section_company], industry=industry, region=region, crm_account=crm_account
            )
        await lead.sales_plans.add(*[sales_plans[entry] for entry in sorted(lead_plan.sales_plans)])
        await lead.solutions.add(*[solutions[entry] for entry in sorted(lead_plan.solutions)])
        await lead.partner_programs.add(*[programs[entry] for entry in sorted(lead_plan.partner_programs)])
        linked = [await build_opportunity(each, users, companies, stages) for each in lead_plan.opportunities]
        for position, opportunity in enumerate(linked):
            await LeadOpportunity.create(
                lead=lead,
                opportunity=opportunity,
                created_by_conversion=lead_plan.converted and position == 0,
                actor=owner,
            )
        for _ in range(lead_plan.activities):
            await make_activity(lead, owner)
        if lead_plan.converted:
            await convert(lead, owner, linked[0], with_contact=lead_plan.score is not None)
        leads.append(lead)
        opportunities.extend(linked)
    merged = [lead for lead_plan, lead in list(zip(plan.leads, leads, strict=True))[1:] if lead_plan.merged]
    for lead in merged:
        lead.merged_into_id = leads[0].pk
        lead.status = LeadStatus.CLOSED_NOT_CONVERTED
        await lead.save()
        await ConversionEvent.create(
            kind=ConversionEventKind.MERGED_INTO,
            lead=lead,
            actor_id=lead.owner_id,
            details={"merged_into": leads[0].pk},
        )
    if merged:
        await ConversionEvent.create(
            kind=ConversionEventKind.LEADS_MERGED,
            lead=leads[0],
            actor_id=leads[0].owner_id,
            details={"merged": [lead.pk for lead in merged]},
        )
    for each in plan.opportunities:
        opportunities.append(await build_opportunity(each, users, companies, stages))
    outsider = await make_user(company=await make_company())
    return Network(users, outsider, leads, opportunities, [gid(company) for company in companies])


async def convert(lead: Lead, owner: User, opportunity: Opportunity, *, with_contact: bool) -> None:
    """What converting the lead leaves behind: an account, maybe a contact, and the event."""
    account = await make_account(owner.company)
    contact = await make_contact(owner.company, account=account) if with_contact else None
    lead.is_converted = True
    lead.converted_at = NOW - timedelta(days=1)
    lead.converted_by = owner
    lead.converted_account = account
    lead.converted_contact = contact
    await lead.save()
    await ConversionEvent.create(
        kind=ConversionEventKind.CONVERTED,
        lead=lead,
        opportunity=opportunity,
        account=account,
        contact=contact,
        actor=owner,
    )


# The documents: selections over the Lead and Opportunity graph, written as text.


class Name(str):
    """An enum value: bare in a document, a string in the variables."""


def literal(value: Any) -> str:
    """The value as a GraphQL literal."""
    if isinstance(value, Name):
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}: {literal(item)}" for key, item in value.items()) + "}"


@dataclass
class Ids:
    """What arguments can refer to: records of the network and cursors the server issued."""

    leads: list[str]
    opportunities: list[str]
    companies: list[str]
    cursors: dict[str, list[str]]

    def cursors_of(self, connection: str) -> list[str]:
        """The cursors issued for the connection in that order; else every cursor, which the
        server refuses for it."""
        return self.cursors.get(connection) or [cursor for each in self.cursors.values() for cursor in each] or ["none"]


@dataclass
class Document:
    """A document being written: the variables, fragments and aliases its selections use."""

    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)
    aliased: int = 0

    def argument(self, draw: st.DrawFn, name: str, graphql_type: str, value: Any) -> str:
        """`name: value`, the value inline or in a variable of the type."""
        if draw(st.booleans()):
            return f"{name}: {literal(value)}"
        variable = f"v{len(self.variables) + 1}"
        self.variables[variable] = (graphql_type, value)
        return f"{name}: ${variable}"

    def alias(self) -> str:
        self.aliased += 1
        return f"a{self.aliased}: "

    def aliases_left(self) -> int:
        """How many more aliases the document may have within the server's limit."""
        return MAX_ALIASES - self.aliased

    def fragment(self, on: str, selection: str) -> str:
        name = f"{on}Part{len(self.fragments) + 1}"
        self.fragments.append(f"fragment {name} on {on} {{ {selection} }}")
        return f"...{name}"

    def text(self, selection: str) -> str:
        declarations = ", ".join(f"${name}: {graphql_type}" for name, (graphql_type, _) in self.variables.items())
        header = f"query Differential({declarations})" if declarations else "query Differential"
        return "\n".join([f"{header} {{ {selection} }}", *self.fragments])

    def values(self) -> dict[str, Any]:
        return {name: value for name, (_, value) in self.variables.items()}


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True in about one draw of `one_in`, and never in the simplest examples."""
    return draw(st.integers(1, one_in)) == one_in


Selection = Callable[[st.DrawFn, Document, Ids, int], tuple[str, str]]
"""Writes one field's arguments and the inside of its selection set, given the depth still
allowed below the field."""


def fields(*names: str) -> dict[str, Selection | None]:
    """Leaf fields, selected without a selection set."""
    return dict.fromkeys(names)


def nested(choices: dict[str, Selection | None]) -> Selection:
    """Some of the choices, without arguments."""
    return lambda draw, document, ids, depth: ("", select(draw, document, ids, depth, choices))


def fixed(selection: str) -> Selection:
    return lambda draw, document, ids, depth: ("", selection)


COMPANY = fields("id", "name", "domain", "__typename")
USER: dict[str, Selection | None] = {**fields("id", "name", "email", "isAdmin"), "company": nested(COMPANY)}
MEMBER: dict[str, Selection | None] = {**fields("role", "source"), "user": nested(USER)}
SECTION: dict[str, Selection | None] = {
    **fields("industry", "region", "crmAccount", "updatedAt"),
    "company": nested(COMPANY),
}
CATALOG = fixed("id name")
PERMISSIONS = nested(fields("update", "convert", "manageMembers", "logActivity", "respond"))
STAGE = nested(fields("id", "name", "probability", "forecastCategory", "isClosed", "isWon", "sortOrder"))
PAGE_INFO = nested(fields("hasNextPage", "hasPreviousPage", "startCursor", "endCursor"))
LEAD_SCALARS = fields(
    "id",
    "topic",
    "firstName",
    "lastName",
    "email",
    "phone",
    "customerName",
    "description",
    "score",
    "currency",
    "estimatedCloseDate",
    "status",
    "acceptanceDeadline",
    "isConverted",
    "convertedAt",
    "createdAt",
    "updatedAt",
    "estimatedAmount",
    "acceptance",
    "viewerRole",
    "__typename",
)
OPPORTUNITY_SCALARS = fields(
    "id",
    "name",
    "amount",
    "currency",
    "closeDate",
    "probability",
    "expectedRevenue",
    "forecastCategory",
    "isClosed",
    "isWon",
    "viewerRole",
    "__typename",
)


def lead(draw: st.DrawFn, document: Document, ids: Ids, depth: int) -> tuple[str, str]:
    """A Lead's selection: its scalars, related records and opportunities and, in one of ten,
    fields the planner is not expected to cover."""
    choices: dict[str, Selection | None] = {
        **LEAD_SCALARS,
        "owner": nested(USER),
        "convertedBy": nested(USER),
        "sourcedBy": nested(COMPANY),
        "partner": nested(COMPANY),
        "convertedAccount": fixed("id name website"),
        "convertedContact": fixed("id firstName lastName email"),
        "members": nested(MEMBER),
        "companySections": nested(SECTION),
        "salesPlans": CATALOG,
        "solutions": CATALOG,
        "partnerPrograms": CATALOG,
        "viewerCan": PERMISSIONS,
        "opportunities": connection(opportunity, "lead-opportunities"),
        "mergedInto": fixed("id topic status"),
        "duplicates": duplicates,
    }
    if rarely(draw, 10):
        choices["events"] = fixed(
            "id kind actor { id } opportunity { id } account { id } contact { id } mergedLeads { id } mergedInto { id }"
        )
        choices["activities"] = connection(fixed("id kind subject owner { id }"), "activities")
        choices["conversionLinks"] = fixed("how by { id } opportunity { id name }")
    return "", select(draw, document, ids, depth, choices, on="Lead")


def duplicates(draw: st.DrawFn, document: Document, ids: Ids, depth: int) -> tuple[str, str]:
    """A Lead's duplicates: maybe a page size (a refused one now and then), their count, edges
    and page info."""
    size = draw(st.sampled_from([None, 0, 1, 2, 5, 101]))
    arguments = "" if size is None else f"({document.argument(draw, 'first', 'Int', size)})"
    edges = "edges { cursor node { id topic customerName status mergedInto { id } } }"
    return arguments, f"totalCount {edges} pageInfo {{ hasNextPage hasPreviousPage endCursor }}"


def opportunity(draw: st.DrawFn, document: Document, ids: Ids, depth: int) -> tuple[str, str]:
    """An Opportunity's selection, back to its leads when the depth allows."""
    choices: dict[str, Selection | None] = {
        **OPPORTUNITY_SCALARS,
        "stage": STAGE,
        "members": nested(MEMBER),
        "owner": nested(USER),
        "sourcedBy": nested(COMPANY),
        "partner": nested(COMPANY),
        "account": fixed("id name"),
        "viewerCan": PERMISSIONS,
        "companySections": nested(SECTION),
        "salesPlans": CATALOG,
        "leads": connection(lead, "opportunity-leads"),
    }
    if rarely(draw, 10):
        choices["events"] = fixed("id kind lead { id }")
    return "", select(draw, document, ids, depth, choices, on="Opportunity")


def select(
    draw: st.DrawFn,
    document: Document,
    ids: Ids,
    depth: int,
    choices: dict[str, Selection | None],
    on: str | None = None,
) -> str:
    """Some of the choices, each maybe aliased, twice under two aliases, or behind @include or
    @skip; on a record type, the last few maybe moved into a named or an inline fragment. Fields
    with a selection set are left out at the last level the depth allows."""
    if depth <= 1:
        choices = {name: selection for name, selection in choices.items() if selection is None}
    fewest = 1 if on is None else min(3, len(choices))
    names = draw(st.lists(st.sampled_from(list(choices)), min_size=fewest, max_size=min(len(choices), 12), unique=True))
    parts: list[str] = []
    for name in names:
        selection = choices[name]
        copies = 2 if selection is not None and document.aliases_left() >= 2 and rarely(draw, 8) else 1
        for _ in range(copies):
            alias = document.alias() if copies == 2 or (document.aliases_left() and rarely(draw, 10)) else ""
            arguments, inside = selection(draw, document, ids, depth - 1) if selection else ("", "")
            body = f" {{ {inside} }}" if selection else ""
            parts.append(f"{alias}{name}{arguments}{directive(draw, document)}{body}")
    if on is not None and len(parts) > 1 and rarely(draw, 4):
        cut = draw(st.integers(1, len(parts) - 1))
        moved = " ".join(parts[cut:])
        how = draw(st.sampled_from(["named", "typed", "conditional"]))
        if how == "named":
            parts[cut:] = [document.fragment(on, moved)]
        elif how == "typed":
            parts[cut:] = [f"... on {on} {{ {moved} }}"]
        else:
            parts[cut:] = [f"...{directive(draw, document, always=True)} {{ {moved} }}"]
    return " ".join(parts)


def directive(draw: st.DrawFn, document: Document, *, always: bool = False) -> str:
    """Mostly nothing; else @include or @skip, on a literal or a variable."""
    if not always and not rarely(draw, 8):
        return ""
    name = draw(st.sampled_from(["include", "skip"]))
    return f" @{name}({document.argument(draw, 'if', 'Boolean!', draw(st.booleans()))})"


REFUSED_PAGES: list[dict[str, tuple[str, Any]]] = [
    {"first": ("Int", 101)},
    {"first": ("Int", -1)},
    {"last": ("Int", 101)},
    {"first": ("Int", 1), "last": ("Int", 1)},
    {"after": ("String", "garbage")},
]


def page_arguments(draw: st.DrawFn, document: Document, ids: Ids, connection: str, *, root: bool) -> list[str]:
    """`first` or `last`, maybe from or up to a cursor the server issued for the connection (or for
    another: then a refusal), or a refused page: a size over 100 or below 0, both sizes, a cursor
    the server never issued or whose signature is wrong. Nested lists mostly give a size: pages of
    20 (the default) nested three deep ask for more records than the server allows."""
    cursor = st.sampled_from(ids.cursors_of(connection))
    size = st.sampled_from([2, 1, 3, 0, 5])
    shapes = ["first", "none", "last", "after", "before", "between", "first", "refused"]
    shape = draw(
        st.sampled_from(
            shapes if root or rarely(draw, 4) else [shape for shape in shapes if shape not in ("none", "between")]
        )
    )
    arguments: dict[str, tuple[str, Any]] = {}
    if shape == "first":
        arguments["first"] = ("Int", draw(size))
    elif shape == "last":
        arguments["last"] = ("Int", draw(size))
    elif shape == "after":
        arguments.update(first=("Int", draw(size)), after=("String", draw(cursor)))
    elif shape == "before":
        arguments.update(last=("Int", draw(size)), before=("String", draw(cursor)))
    elif shape == "between":
        arguments.update(after=("String", draw(cursor)), before=("String", draw(cursor)))
    elif shape == "refused":
        forged = {"before": ("String", draw(cursor)[:-2] + "xx")}
        arguments.update(draw(st.sampled_from([*REFUSED_PAGES, forged])))
    return [document.argument(draw, name, graphql_type, value) for name, (graphql_type, value) in arguments.items()]


def connection(node: Selection, name: str, orders: list[str] | None = None, kind: str = "") -> Selection:
    """A connection field: page arguments, an order among `orders` of the `kind`'s order input, a
    filter on leads; edges, nodes, pageInfo and totalCount."""

    def write(draw: st.DrawFn, document: Document, ids: Ids, depth: int) -> tuple[str, str]:
        order = "CREATED_AT:DESC"
        if orders is not None and draw(st.booleans()):
            order = f"{draw(st.sampled_from(orders))}:{draw(st.sampled_from(DIRECTIONS))}"
        arguments = page_arguments(draw, document, ids, f"{name}:{order}" if orders else name, root=orders is not None)
        if order != "CREATED_AT:DESC":
            field_name, direction = order.split(":")
            arguments.append(
                document.argument(
                    draw, "orderBy", f"{kind}Order", {"field": Name(field_name), "direction": Name(direction)}
                )
            )
        if kind == "Lead" and not rarely(draw, 4):
            arguments.append(document.argument(draw, "filter", "LeadFilter", draw(lead_filters(ids))))
        choices: dict[str, Selection | None] = {
            "edges": nested({"node": node, "cursor": None}),
            "nodes": node,
            "pageInfo": PAGE_INFO,
            "totalCount": None,
            "__typename": None,
        }
        return (f"({', '.join(arguments)})" if arguments else ""), select(draw, document, ids, depth, choices)

    return write


@st.composite
def lead_filters(draw: st.DrawFn, ids: Ids) -> dict[str, Any]:
    """Mostly with converted leads; sometimes statuses, an acceptance, a partner, a score or a search."""
    chosen: dict[str, Any] = {"includeConverted": draw(st.sampled_from([True, True, False]))}
    extra = draw(st.sampled_from(["none", "status", "acceptance", "partner", "score", "search"]))
    if extra == "status":
        chosen["status"] = [
            Name(status) for status in draw(st.sets(st.sampled_from([s.value for s in LeadStatus]), min_size=1))
        ]
    elif extra == "acceptance":
        chosen["acceptance"] = [Name(draw(st.sampled_from([a.value for a in LeadAcceptance])))]
    elif extra == "partner":
        chosen["partnerId"] = draw(st.sampled_from(ids.companies))
    elif extra == "score":
        chosen["minScore"] = draw(st.sampled_from([0, 50, 90]))
    elif extra == "search":
        chosen["search"] = draw(st.sampled_from(["Customer", "zoë", "Lead"]))
    return chosen


ROOT_DEPTH = 9
"""Selections nest at most this deep below a root field, which is at depth 0: within the
server's limit of 10."""


def lookup(draw: st.DrawFn, document: Document, ids: Ids, type_ids: list[str]) -> str:
    """The `id` argument of a lookup: mostly a record of the type, else another type's or no ID."""
    chosen = draw(
        st.sampled_from(type_ids or ["none"]) | st.sampled_from([*ids.leads, *ids.opportunities, "bm9uZQ==", "no id"])
    )
    return f"({document.argument(draw, 'id', 'ID!', chosen)})"


def root(draw: st.DrawFn, document: Document, ids: Ids) -> str:
    """One root field: `leads`, `lead`, `node`, `nodes`, `opportunities` or `opportunity`."""
    name = draw(st.sampled_from(["leads", "leads", "leads", "lead", "node", "nodes", "opportunities", "opportunity"]))
    if name == "leads":
        arguments, inside = connection(lead, "leads", LEAD_ORDERS, "Lead")(draw, document, ids, ROOT_DEPTH)
    elif name == "opportunities":
        arguments, inside = connection(opportunity, "opportunities", OPPORTUNITY_ORDERS, "Opportunity")(
            draw, document, ids, ROOT_DEPTH
        )
    elif name == "lead":
        arguments, inside = lookup(draw, document, ids, ids.leads), lead(draw, document, ids, ROOT_DEPTH)[1]
    elif name == "opportunity":
        arguments, inside = (
            lookup(draw, document, ids, ids.opportunities),
            opportunity(draw, document, ids, ROOT_DEPTH)[1],
        )
    else:
        if name == "node":
            arguments = lookup(draw, document, ids, draw(st.sampled_from([ids.leads, ids.opportunities])))
        else:
            every = [*ids.leads, *ids.opportunities, "no id"]
            arguments = (
                f"({document.argument(draw, 'ids', '[ID!]!', draw(st.lists(st.sampled_from(every), max_size=4)))})"
            )
        inside = " ".join(
            [
                "__typename id",
                f"... on Lead {{ {lead(draw, document, ids, ROOT_DEPTH - 1)[1]} }}",
                f"... on Opportunity {{ {opportunity(draw, document, ids, ROOT_DEPTH - 1)[1]} }}",
            ]
        )
    return f"{name}{arguments} {{ {inside} }}"


@st.composite
def documents(draw: st.DrawFn, ids: Ids) -> tuple[str, dict[str, Any]]:
    """A query of one to three root fields (aliased when there are several), and its variables.
    In one of seven, a document the server refuses before running it: too many aliases, too
    deep, or naming a field the schema does not have."""
    document = Document()
    count = draw(st.integers(1, 3))
    labels = [document.alias() if count > 1 else "" for _ in range(count)]
    roots = [label + root(draw, document, ids) for label in labels]
    refusal = draw(st.integers(0, 20))
    if refusal == 18:
        roots.append(" ".join(f"{document.alias()}__typename" for _ in range(16)))
    elif refusal == 19:
        roots.append(
            "leads(first: 1) { nodes { opportunities(first: 1) { nodes { leads(first: 1) { nodes { opportunities(first: 1) {"
            " nodes { leads(first: 1) { nodes { opportunities(first: 1) { nodes { id } } } } } } } } } } } }"
        )
    elif refusal == 20:
        roots.append("leads { nodes { id noSuchField } }")
    return document.text(" ".join(roots)), document.values()


# The comparison.

LEAD_CURSORS = "\n  ".join(
    f"{field.lower()}{direction}: leads(first: 20, filter: {{includeConverted: true}}, orderBy: {{field: {field}, direction: {direction}}})"
    " { edges { cursor node { opportunities(first: 10) { edges { cursor node { leads(first: 5) { edges { cursor } } } } } } } }"
    for field in LEAD_ORDERS
    for direction in DIRECTIONS
)
CURSORS = f"""
query Cursors {{
  {LEAD_CURSORS}
  opportunities(first: 50) {{ edges {{ cursor }} }}
  byAmount: opportunities(first: 50, orderBy: {{field: AMOUNT, direction: ASC}}) {{ edges {{ cursor }} }}
  byName: opportunities(first: 50, orderBy: {{field: NAME, direction: DESC}}) {{ edges {{ cursor }} }}
}}
"""


Outcome = tuple[int, bytes]
"""A response's status and body, or the exception an app raised instead of answering."""


async def outcome(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> Outcome:
    response = await client.post("/graphql", content=body, headers=headers)
    return response.status_code, response.content


def difference(planned: Outcome, generic: Outcome) -> str:
    """Where the two answers part."""
    if planned[0] != generic[0]:
        return f"planned: {planned!r:.300}\ngeneric: {generic!r:.300}"
    ours, theirs = planned[1], generic[1]
    at = next(
        (i for i, (one, other) in enumerate(zip(ours, theirs, strict=False)) if one != other),
        min(len(ours), len(theirs)),
    )
    start = max(at - 120, 0)
    return f"the bodies part at byte {at}:\nplanned: {ours[start : at + 120]!r}\ngeneric: {theirs[start : at + 120]!r}"


@dataclass
class BothPaths:
    """Clients of two apps on one database: planned reads on, and off."""

    planned: httpx.AsyncClient
    generic: httpx.AsyncClient

    async def post(self, viewer: User | None, query: str, variables: dict[str, Any] | None = None) -> Outcome:
        """The same request to both apps, as the viewer; asserts that both answer alike, and
        returns the answer."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json"}
        if viewer is not None:
            headers["Authorization"] = f"Bearer {token_for(viewer)}"
        planned = await outcome(self.planned, body, headers)
        generic = await outcome(self.generic, body, headers)
        assert planned == generic, (
            f"as {viewer.email if viewer else 'nobody'}:\n{query}\n{json.dumps(variables)}\n{difference(planned, generic)}"
        )
        return generic

    async def data(self, viewer: User, query: str) -> dict[str, Any]:
        """The data both apps answer, which must hold no error."""
        answer = await self.post(viewer, query)
        assert not isinstance(answer, str), answer
        body = json.loads(answer[1])
        assert answer[0] == 200 and "errors" not in body, body
        return body["data"]


@pytest.fixture
async def both_paths(settings: Settings) -> AsyncIterator[BothPaths]:
    """The ORM's connection is global to the process and only one lifespan may open it: the
    planned app's does, and the generic app runs only the rest of its lifespan, its event bus."""
    generic_app = create_app(replace(settings, planned_reads=False))
    transport = httpx.ASGITransport(app=generic_app, raise_app_exceptions=False)
    async with (
        serving(settings) as planned,
        events.running(generic_app, settings),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as generic,
    ):
        yield BothPaths(planned, generic)


async def issued_cursors(both_paths: BothPaths, viewer: User) -> dict[str, list[str]]:
    """The cursors of every list the viewer sees, by the connection and order they belong to."""
    data = await both_paths.data(viewer, CURSORS)
    cursors: dict[str, list[str]] = {"lead-opportunities": [], "opportunity-leads": []}
    for field_name in LEAD_ORDERS:
        for direction in DIRECTIONS:
            edges = data[f"{field_name.lower()}{direction}"]["edges"]
            cursors[f"leads:{field_name}:{direction}"] = [edge["cursor"] for edge in edges]
            for edge in edges:
                for each in edge["node"]["opportunities"]["edges"]:
                    cursors["lead-opportunities"].append(each["cursor"])
                    cursors["opportunity-leads"] += [link["cursor"] for link in each["node"]["leads"]["edges"]]
    cursors["opportunities:CREATED_AT:DESC"] = [edge["cursor"] for edge in data["opportunities"]["edges"]]
    cursors["opportunities:AMOUNT:ASC"] = [edge["cursor"] for edge in data["byAmount"]["edges"]]
    cursors["opportunities:NAME:DESC"] = [edge["cursor"] for edge in data["byName"]["edges"]]
    return cursors


# Derandomized: the examples are the same on every run, so that a failure is reproduced by
# running the test again and a run that passes says the same of every commit it runs on.
# No shrinking: each step rebuilds a network and asks every viewer, so it would run for minutes;
# a failure names the viewer, the query, its variables and where the two bodies part.
@hypothesis_settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=networks(), data=st.data())
async def test_both_paths_answer_every_viewer_with_the_same_bytes(
    both_paths: BothPaths, plan: NetworkPlan, data: st.DataObject
) -> None:
    network = await build(plan)
    viewers: list[User | None] = [*network.users, network.outsider, None]
    cursors = await issued_cursors(both_paths, data.draw(st.sampled_from(network.users)))
    ids = Ids(
        leads=[gid(lead) for lead in network.leads],
        opportunities=[gid(opportunity) for opportunity in network.opportunities],
        companies=network.company_ids,
        cursors=cursors,
    )

    for _ in range(data.draw(st.integers(1, 3))):
        query, variables = data.draw(documents(ids))
        for viewer in viewers:
            event(described(await both_paths.post(viewer, query, variables)))


def described(answer: Outcome) -> str:
    """What kind of answer it was, for Hypothesis' statistics (`--hypothesis-show-statistics`)."""
    status, content = answer
    body = json.loads(content)
    codes = sorted({error.get("extensions", {}).get("code", "no code") for error in body.get("errors", [])})
    return f"{status}: {'data' if body.get('data') else 'no data'}, errors {codes}"


PORTAL_NETWORK = NetworkPlan(
    companies=2,
    users=[(0, False), (0, False), (1, True), (1, False)],
    policies=[set(), {"VIEWER"}],
    catalog=[0, 1],
    leads=[
        LeadPlan(
            owner=0,
            partner=1,
            acceptance=LeadAcceptance.ACCEPTED,
            members={1: "COLLABORATOR", 3: "PARTICIPANT"},
            sections={0: ("Retail", "EMEA", "V-1"), 1: ("Retail", None, "P-1")},
            sales_plans={0},
            solutions={0, 1},
            partner_programs={1},
            opportunities=[
                OpportunityPlan(owner=0, partner=1, stage=1, members={2: "COLLABORATOR"}),
                OpportunityPlan(owner=1),
            ],
            converted=converted,
            status=LeadStatus.CLOSED_CONVERTED if converted else LeadStatus.WORKING_CONTACTED,
            text=f"Customer {n}",
        )
        for n, converted in enumerate([True, False, True, False])
    ],
    opportunities=[],
)
"""A vendor (users 0 and 1) sharing four accepted leads with a partner (users 2, its admin, and
3), whose users all get VIEWER by policy. Each lead has two opportunities, one shared with the
partner; the first and the third lead are converted, the others only linked."""


async def test_both_paths_answer_the_benchs_portal_query_alike(both_paths: BothPaths) -> None:
    network = await build(PORTAL_NETWORK)

    for viewer in [*network.users, network.outsider]:
        await both_paths.post(viewer, PORTAL)


async def test_the_portal_query_answers_leads_with_their_opportunities_and_members(both_paths: BothPaths) -> None:
    network = await build(PORTAL_NETWORK)

    data = await both_paths.data(network.users[2], PORTAL)

    leads = [edge["node"] for edge in data["leads"]["edges"]]
    assert [lead["status"] for lead in leads] == ["WORKING_CONTACTED", "CLOSED_CONVERTED"] * 2
    assert [[member["role"] for member in lead["members"]] for lead in leads] == [
        ["OWNER", "OWNER", "COLLABORATOR", "PARTICIPANT", "VIEWER"]
    ] * 4
    assert [[section["crmAccount"] for section in lead["companySections"]] for lead in leads] == [[None, "P-1"]] * 4
    opportunities = [[edge["node"] for edge in lead["opportunities"]["edges"]] for lead in leads]
    assert [
        [(each["stage"]["name"], each["amount"], len(each["members"])) for each in linked] for linked in opportunities
    ] == [[("Qualification", "5000.00", 4)]] * 4
