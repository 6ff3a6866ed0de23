"""`leadbridge seed --leads N`: a synthetic partner network for benchmarks.

Companies (one per 2,000 leads, 4 to 500), each with eight users (the first an admin, who sees
leads through the built-in policy and is nobody's direct member; the others own and work them), a
catalog and, for two companies in three, an access policy. The first company is the network's
hub vendor: it sources 30% of the leads and partners on about a third of the others, so that its
admin sees about half of all leads (deep pages exist); the others share with it and with their
neighbours. Leads in every status and
acceptance state, shared with partners, with members, company sections, catalog links and
activities; converted leads with their account, contact, opportunity (members, sections and
links copied as the Standard template does), sometimes a second linked opportunity, and the
conversion events. Rows are written in batches of `BATCH_LEADS` leads, one transaction and one
multi-row statement per table and batch, with explicit ids, so that memory stays flat in N;
PostgreSQL's planner statistics are refreshed (ANALYZE) at the end. (SQLite is left without
statistics: with them, its planner answers a page of a viewer who sees half of all leads by
sorting all of them instead of walking the created_at index; see bench/RESULTS.md.)

Running it again adds N more leads to the same network, growing it with the new total.
"""

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import (
    ActivityKind,
    Company,
    ConversionEventKind,
    LeadAcceptance,
    LeadStatus,
    MemberRole,
    OpportunityStage,
    PartnerProgram,
    SalesPlan,
    Solution,
    User,
)
from models.matching import normalized_company_name, website_domain

BATCH_LEADS = 1000
LEADS_PER_COMPANY = 2000
MIN_COMPANIES, MAX_COMPANIES = 4, 500
USERS_PER_COMPANY = 8
PARTNERS_PER_COMPANY = 5
MAX_LEADS = 10_000_000
COMPANY_PREFIX = "Seed Company "

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloe",
    "Dara",
    "Emil",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Pia",
]
LAST_NAMES = [
    "Meyer",
    "Okafor",
    "Rossi",
    "Novak",
    "Silva",
    "Tanaka",
    "Larsen",
    "Haddad",
    "Kowalski",
    "Dubois",
    "Ng",
    "Brennan",
]
CUSTOMER_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
]
CUSTOMER_KINDS = ["Logistics", "Retail", "Health", "Energy", "Foods", "Bank", "Media", "Motors"]
TOPICS = [
    "ERP rollout",
    "CRM migration",
    "Cloud move",
    "Data platform",
    "Security audit",
    "Support renewal",
    "Analytics pilot",
]
INDUSTRIES = ["Retail", "Manufacturing", "Healthcare", "Finance", "Public sector", "Energy"]
REGIONS = ["EMEA", "NA", "LATAM", "APAC"]
SOURCES = ["Web", "Trade fair", "Referral", "Partner", "Campaign"]
JOB_TITLES = ["CIO", "CTO", "Head of IT", "Buyer", "Operations lead", "CFO"]
NOW = datetime(2026, 11, 1, tzinfo=UTC)
FIRST_LEAD_AT = datetime(2023, 1, 1, tzinfo=UTC)
LEAD_SPACING_SECONDS = 45
"""Leads arrive in id order, one every 45 seconds on average (a million span 520 days), as in a
real system; it also keeps the index inserts of a large seed sequential."""
SQLITE_CACHE_KIB = 256 * 1024


class SeedError(Exception):
    """A reason the seed cannot run, for the operator."""


TABLES: dict[str, tuple[str, ...]] = {
    "company": ("id", "name", "domain", "created_at", "updated_at"),
    "user": (
        "id",
        "email",
        "name",
        "company_id",
        "is_admin",
        "can_edit_converted_leads",
        "is_active",
        "token_version",
        "created_at",
        "updated_at",
    ),
    "access_policy": ("id", "company_id", "role", "created_by_id", "created_at"),
    "sales_plan": ("id", "name", "company_id", "created_at"),
    "solution": ("id", "name", "company_id", "created_at"),
    "partner_program": ("id", "name", "company_id", "created_at"),
    "account": ("id", "name", "website", "industry", "company_id", "created_by_id", "created_at", "updated_at"),
    "contact": (
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "account_id",
        "company_id",
        "created_by_id",
        "created_at",
        "updated_at",
    ),
    "lead": (
        "id",
        "topic",
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "customer_name",
        "website",
        "description",
        "source",
        "score",
        "estimated_amount",
        "currency",
        "estimated_close_date",
        "status",
        "acceptance",
        "acceptance_deadline",
        "rejection_reason",
        "disqualification_reason",
        "sourced_by_id",
        "partner_id",
        "owner_id",
        "is_converted",
        "converted_at",
        "converted_by_id",
        "converted_account_id",
        "converted_contact_id",
        "created_at",
        "updated_at",
        "normalized_name",
        "website_domain",
    ),
    "lead_member": ("id", "lead_id", "user_id", "role", "created_at"),
    "lead_company_section": ("id", "lead_id", "company_id", "industry", "region", "crm_account", "updated_at"),
    "lead_sales_plan": ("lead_id", "salesplan_id"),
    "lead_solution": ("lead_id", "solution_id"),
    "lead_partner_program": ("lead_id", "partnerprogram_id"),
    "activity": ("id", "lead_id", "kind", "subject", "due_at", "done_at", "owner_id", "created_at"),
    "opportunity": (
        "id",
        "name",
        "account_id",
        "contact_id",
        "amount",
        "currency",
        "close_date",
        "stage_id",
        "probability",
        "sourced_by_id",
        "partner_id",
        "owner_id",
        "created_at",
        "updated_at",
    ),
    "opportunity_member": ("id", "opportunity_id", "user_id", "role", "created_at"),
    "opportunity_company_section": (
        "id",
        "opportunity_id",
        "company_id",
        "industry",
        "region",
        "crm_account",
        "updated_at",
    ),
    "opportunity_sales_plan": ("opportunity_id", "salesplan_id"),
    "opportunity_solution": ("opportunity_id", "solution_id"),
    "opportunity_partner_program": ("opportunity_id", "partnerprogram_id"),
    "opportunity_activity": ("activity_id", "opportunity_id"),
    "lead_opportunity": ("id", "lead_id", "opportunity_id", "created_by_conversion", "actor_id", "created_at"),
    "conversion_event": (
        "id",
        "kind",
        "lead_id",
        "opportunity_id",
        "account_id",
        "contact_id",
        "actor_id",
        "details",
        "created_at",
    ),
}
WITH_IDS = [table for table, columns in TABLES.items() if columns[0] == "id"]


@dataclass
class SeedCompany:
    id: int
    index: int
    user_ids: list[int]
    admin_id: int
    sales_plan_ids: list[int]
    solution_ids: list[int]
    partner_program_ids: list[int]


@dataclass
class Rows:
    """The rows of one batch, by table."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {table: [] for table in TABLES})

    def add(self, table: str, *values: Any) -> None:
        self.tables[table].append(values)


@dataclass
class SeedResult:
    leads_added: int
    leads_total: int
    companies: int
    users: int


class Ids:
    """The next free primary key of each table, read once: the seed is the only writer."""

    def __init__(self, start: dict[str, int]) -> None:
        self._next = dict(start)

    def take(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def last(self, table: str) -> int:
        return self._next[table] - 1


def companies_for(total_leads: int) -> int:
    return max(MIN_COMPANIES, min(MAX_COMPANIES, total_leads // LEADS_PER_COMPANY))


def _insert_sql(client: BaseDBAsyncClient, table: str, columns: Sequence[str]) -> str:
    postgres = client.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(columns) + 1))
    names = ", ".join(f'"{column}"' for column in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({marks})'


async def _write(client: BaseDBAsyncClient, rows: Rows) -> None:
    for table, values in rows.tables.items():
        if values:
            await client.execute_many(_insert_sql(client, table, TABLES[table]), [list(row) for row in values])


async def _advance_sequences(client: BaseDBAsyncClient, ids: Ids) -> None:
    """PostgreSQL's id sequences do not see explicit ids: move them past the seeded rows."""
    if client.capabilities.dialect != "postgres":
        return
    for table in WITH_IDS:
        last = ids.last(table)
        if last > 0:
            await client.execute_script(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), GREATEST({last}, "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}")))'
            )


async def _next_ids(client: BaseDBAsyncClient) -> Ids:
    start = {}
    for table in WITH_IDS:
        rows = await client.execute_query_dict(f'SELECT COALESCE(MAX("id"), 0) AS "last" FROM "{table}"')
        start[table] = int(rows[0]["last"]) + 1
    return Ids(start)


async def _load_companies() -> list[SeedCompany]:
    companies = await Company.filter(name__startswith=COMPANY_PREFIX).order_by("id").values_list("id", "name")
    ids = [company_id for company_id, _ in companies]
    users: dict[int, list[tuple[int, bool]]] = {company_id: [] for company_id in ids}
    for user_id, company_id, is_admin in (
        await User.filter(company_id__in=ids).order_by("id").values_list("id", "company_id", "is_admin")
    ):
        users[company_id].append((user_id, is_admin))

    async def catalog(model: Any) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {company_id: [] for company_id in ids}
        for entry_id, company_id in (
            await model.filter(company_id__in=ids).order_by("id").values_list("id", "company_id")
        ):
            found[company_id].append(entry_id)
        return found

    plans, solutions, programs = await catalog(SalesPlan), await catalog(Solution), await catalog(PartnerProgram)
    return [
        SeedCompany(
            id=company_id,
            index=int(name[len(COMPANY_PREFIX) :]),
            user_ids=[user_id for user_id, _ in users[company_id]],
            admin_id=next(user_id for user_id, is_admin in users[company_id] if is_admin),
            sales_plan_ids=plans[company_id],
            solution_ids=solutions[company_id],
            partner_program_ids=programs[company_id],
        )
        for company_id, name in companies
    ]


def _company_rows(rows: Rows, ids: Ids, index: int) -> SeedCompany:
    created = NOW - timedelta(days=900)
    company_id = ids.take("company")
    rows.add("company", company_id, f"{COMPANY_PREFIX}{index:05d}", f"seed{index}.example", created, created)
    user_ids = []
    for n in range(USERS_PER_COMPANY):
        user_id = ids.take("user")
        first, last = FIRST_NAMES[(index + n) % len(FIRST_NAMES)], LAST_NAMES[(index * 7 + n) % len(LAST_NAMES)]
        rows.add(
            "user",
            user_id,
            f"user{n}@seed{index}.example",
            f"{first} {last}",
            company_id,
            n == 0,
            n == 1,
            True,
            0,
            created,
            created,
        )
        user_ids.append(user_id)
    if index % 3:
        role = MemberRole.PARTICIPANT if index % 3 == 1 else MemberRole.VIEWER
        rows.add("access_policy", ids.take("access_policy"), company_id, role.value, user_ids[0], created)
    catalog = {}
    for table, count in (("sales_plan", 3), ("solution", 3), ("partner_program", 2)):
        entries = []
        for n in range(count):
            entry_id = ids.take(table)
            rows.add(table, entry_id, f"{table.replace('_', ' ').title()} {index}-{n + 1}", company_id, created)
            entries.append(entry_id)
        catalog[table] = entries
    return SeedCompany(
        id=company_id,
        index=index,
        user_ids=user_ids,
        admin_id=user_ids[0],
        sales_plan_ids=catalog["sales_plan"],
        solution_ids=catalog["solution"],
        partner_program_ids=catalog["partner_program"],
    )


@dataclass
class LeadPlan:
    """What one generated lead is: the choices the rows of its records follow."""

    status: LeadStatus
    acceptance: LeadAcceptance
    converted: bool


def _plan(rng: random.Random, shared: bool) -> LeadPlan:
    draw = rng.random()
    status = (
        LeadStatus.OPEN_NOT_CONTACTED
        if draw < 0.30
        else LeadStatus.WORKING_CONTACTED
        if draw < 0.55
        else LeadStatus.CLOSED_NOT_CONVERTED
        if draw < 0.70
        else LeadStatus.CLOSED_CONVERTED
    )
    converted = status is LeadStatus.CLOSED_CONVERTED
    if not shared:
        return LeadPlan(status, LeadAcceptance.NOT_REQUIRED, converted)
    if converted:
        return LeadPlan(status, LeadAcceptance.ACCEPTED, converted)
    draw = rng.random()
    acceptance = (
        LeadAcceptance.PENDING if draw < 0.25 else LeadAcceptance.ACCEPTED if draw < 0.85 else LeadAcceptance.REJECTED
    )
    return LeadPlan(status, acceptance, converted)


def _lead_rows(
    rows: Rows, ids: Ids, rng: random.Random, companies: list[SeedCompany], stages: list[tuple[int, int]]
) -> None:
    """One lead and everything that hangs off it."""
    hub = companies[0]
    partner: SeedCompany | None = None
    if rng.random() < 0.3:
        source = hub
        if rng.random() < 0.6:
            partner = rng.choice(companies[1:])
    else:
        source = rng.choice(companies[1:])
        if rng.random() < 0.6:
            neighbour = companies[1 + (source.index + rng.randrange(PARTNERS_PER_COMPANY)) % (len(companies) - 1)]
            partner = hub if rng.random() < 0.5 else neighbour
    if partner is source:
        partner = None
    shared = partner is not None
    plan = _plan(rng, shared)
    lead_id = ids.take("lead")
    created = FIRST_LEAD_AT + timedelta(seconds=lead_id * LEAD_SPACING_SECONDS + rng.randrange(LEAD_SPACING_SECONDS))
    owner_id = rng.choice(source.user_ids[1:])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    customer = f"{rng.choice(CUSTOMER_WORDS)} {rng.choice(CUSTOMER_KINDS)} {rng.randrange(10_000)}"
    domain = customer.lower().replace(" ", "") + ".example"
    amount = Decimal(rng.randrange(1_000, 500_000)) if rng.random() < 0.9 else None
    topic = f"{rng.choice(TOPICS)} for {customer}"
    deadline = None
    if plan.acceptance is LeadAcceptance.PENDING:
        deadline = NOW + timedelta(days=rng.randrange(-30, 60))
    member_ids = {owner_id: MemberRole.OWNER}
    colleague = rng.choice(source.user_ids[1:])
    if rng.random() < 0.7 and colleague not in member_ids:
        member_ids[colleague] = MemberRole.COLLABORATOR
    extra = rng.choice(source.user_ids[1:])
    if rng.random() < 0.3 and extra not in member_ids:
        member_ids[extra] = rng.choice([MemberRole.PARTICIPANT, MemberRole.VIEWER])
    responder = None
    if partner is not None and plan.acceptance in (LeadAcceptance.ACCEPTED, LeadAcceptance.REJECTED):
        responder = rng.choice(partner.user_ids[1:])
        member_ids.setdefault(responder, MemberRole.COLLABORATOR)

    account_id = contact_id = converter_id = None
    converted_at: datetime | None = None
    if plan.converted:
        may_convert = (MemberRole.OWNER, MemberRole.COLLABORATOR)
        converter_id = rng.choice([user_id for user_id, role in member_ids.items() if role in may_convert])
        converted_at = created + timedelta(days=rng.randrange(1, 120))
        account_id = ids.take("account")
        rows.add(
            "account",
            account_id,
            customer,
            f"https://{domain}",
            rng.choice(INDUSTRIES),
            source.id,
            converter_id,
            converted_at,
            converted_at,
        )
        contact_id = ids.take("contact")
        rows.add(
            "contact",
            contact_id,
            first,
            last,
            f"{first.lower()}.{last.lower()}@{domain}",
            "+1 555 0100",
            rng.choice(JOB_TITLES),
            account_id,
            source.id,
            converter_id,
            converted_at,
            converted_at,
        )

    rows.add(
        "lead",
        lead_id,
        topic,
        first,
        last,
        f"{first.lower()}.{last.lower()}{lead_id}@{domain}",
        "+1 555 0100",
        rng.choice(JOB_TITLES),
        customer,
        f"https://{domain}",
        None,
        rng.choice(SOURCES),
        rng.randrange(101) if rng.random() < 0.9 else None,
        amount,
        "EUR" if rng.random() < 0.7 else "USD",
        (created + timedelta(days=rng.randrange(30, 365))).date() if rng.random() < 0.8 else None,
        plan.status.value,
        plan.acceptance.value,
        deadline,
        "Not a fit for us" if plan.acceptance is LeadAcceptance.REJECTED else None,
        "No budget" if plan.status is LeadStatus.CLOSED_NOT_CONVERTED else None,
        source.id,
        partner.id if partner else None,
        owner_id,
        plan.converted,
        converted_at,
        converter_id,
        account_id,
        contact_id,
        created,
        converted_at or created,
        normalized_company_name(customer) or None,
        website_domain(f"https://{domain}") or None,
    )
    for user_id, role in member_ids.items():
        rows.add("lead_member", ids.take("lead_member"), lead_id, user_id, role.value, created)
    section_companies = [source] + ([partner] if partner and plan.acceptance is LeadAcceptance.ACCEPTED else [])
    sections = [
        (company.id, rng.choice(INDUSTRIES), rng.choice(REGIONS), f"CRM-{company.index}-{lead_id}")
        for company in section_companies
    ]
    for company_id, industry, region, crm in sections:
        rows.add(
            "lead_company_section",
            ids.take("lead_company_section"),
            lead_id,
            company_id,
            industry,
            region,
            crm,
            created,
        )
    plans = [rng.choice(source.sales_plan_ids)]
    solutions = rng.sample(source.solution_ids, rng.randrange(1, 3))
    programs = [rng.choice(partner.partner_program_ids)] if partner else []
    for plan_id in plans:
        rows.add("lead_sales_plan", lead_id, plan_id)
    for solution_id in solutions:
        rows.add("lead_solution", lead_id, solution_id)
    for program_id in programs:
        rows.add("lead_partner_program", lead_id, program_id)
    activity_ids = []
    for n in range(rng.randrange(4)):
        activity_id = ids.take("activity")
        kind = rng.choice(list(ActivityKind))
        at = created + timedelta(hours=rng.randrange(1, 2000))
        done_at = at if rng.random() < 0.6 else None
        subject = f"{kind.value.title()} {n + 1} about {topic}"
        rows.add("activity", activity_id, lead_id, kind.value, subject, at, done_at, rng.choice(list(member_ids)), at)
        activity_ids.append(activity_id)

    if not plan.converted:
        return
    opportunity_count = 2 if rng.random() < 0.15 else 1
    for n in range(opportunity_count):
        opportunity_id = ids.take("opportunity")
        stage_id, _ = rng.choice(stages)
        assert converted_at is not None
        at = converted_at + timedelta(minutes=n)
        rows.add(
            "opportunity",
            opportunity_id,
            topic if n == 0 else f"{topic} (expansion)",
            account_id,
            contact_id,
            amount,
            "EUR",
            (at + timedelta(days=rng.randrange(30, 200))).date(),
            stage_id,
            None,
            source.id,
            partner.id if partner else None,
            owner_id,
            at,
            at,
        )
        for user_id, role in member_ids.items():
            rows.add("opportunity_member", ids.take("opportunity_member"), opportunity_id, user_id, role.value, at)
        for company_id, industry, region, crm in sections:
            section_id = ids.take("opportunity_company_section")
            rows.add("opportunity_company_section", section_id, opportunity_id, company_id, industry, region, crm, at)
        for plan_id in plans:
            rows.add("opportunity_sales_plan", opportunity_id, plan_id)
        for solution_id in solutions:
            rows.add("opportunity_solution", opportunity_id, solution_id)
        for program_id in programs:
            rows.add("opportunity_partner_program", opportunity_id, program_id)
        for activity_id in activity_ids:
            rows.add("opportunity_activity", activity_id, opportunity_id)
        by_conversion = n == 0
        rows.add(
            "lead_opportunity", ids.take("lead_opportunity"), lead_id, opportunity_id, by_conversion, converter_id, at
        )
        event_kind = ConversionEventKind.CONVERTED if by_conversion else ConversionEventKind.OPPORTUNITY_LINKED
        details = {"seeded": True}
        rows.add(
            "conversion_event",
            ids.take("conversion_event"),
            event_kind.value,
            lead_id,
            opportunity_id,
            account_id if by_conversion else None,
            contact_id if by_conversion else None,
            converter_id,
            json.dumps(details),
            at,
        )


def batches(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


async def seed(
    leads: int, progress: Callable[[int], object] = lambda n: None, random_seed: int | None = None
) -> SeedResult:
    """Add `leads` leads (and the network they need) to the connected database."""
    if not 1 <= leads <= MAX_LEADS:
        raise SeedError(f"--leads must be between 1 and {MAX_LEADS:,}, got {leads}")
    client = connections.get(next(iter(connections.db_config)))
    stages = [(stage.id, stage.probability) for stage in await OpportunityStage.all()]
    if not stages:
        raise SeedError("the database has no opportunity stages: run 'leadbridge migrate' first")
    existing_leads = (await client.execute_query_dict('SELECT COUNT(*) AS "n" FROM "lead"'))[0]["n"]
    ids = await _next_ids(client)
    companies = await _load_companies()
    wanted = companies_for(int(existing_leads) + leads)
    if len(companies) < wanted:
        rows = Rows()
        start = max((company.index for company in companies), default=0) + 1
        companies += [_company_rows(rows, ids, index) for index in range(start, start + wanted - len(companies))]
        async with in_transaction() as connection:
            await _write(connection, rows)
            await _advance_sequences(connection, ids)
    rng = random.Random(random_seed if random_seed is not None else ids.last("lead") + 1)
    if client.capabilities.dialect == "sqlite":
        await client.execute_script(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    for size in batches(leads, BATCH_LEADS):
        rows = Rows()
        for _ in range(size):
            _lead_rows(rows, ids, rng, companies, stages)
        async with in_transaction() as connection:
            await _write(connection, rows)
            await _advance_sequences(connection, ids)
        progress(size)
    if client.capabilities.dialect == "postgres":
        await client.execute_script("ANALYZE")
    return SeedResult(
        leads_added=leads,
        leads_total=int(existing_leads) + leads,
        companies=len(companies),
        users=sum(len(company.user_ids) for company in companies),
    )
