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
multi-row statement per table and batch, with explicit ids, so that memory stays flat in N.
Each row is given by field name and built from its model's metadata (table, columns, defaults
and Tortoise's conversion of each value), so that it holds what the ORM would write.
PostgreSQL's planner statistics are refreshed (ANALYZE) whenever the leads have doubled, and at
the end: where autovacuum is off, the foreign-key checks of every insert would otherwise keep the
plans made for empty tables, and each batch would take longer than the one before. (SQLite is left
without statistics: with them, its planner answers a page of a viewer who sees half of all leads
by sorting all of them instead of walking the created_at index; see bench/RESULTS.md.)

Running it again adds N more leads to the same network, growing it with the new total.
"""

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from graphlib import TopologicalSorter
from typing import Any, cast

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.base import Field
from tortoise.fields.relational import ManyToManyFieldInstance, RelationalField
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import (
    AccessPolicy,
    Account,
    Activity,
    ActivityKind,
    Company,
    Contact,
    ConversionEvent,
    ConversionEventKind,
    Lead,
    LeadAcceptance,
    LeadCompanySection,
    LeadMember,
    LeadOpportunity,
    LeadStatus,
    MemberRole,
    Opportunity,
    OpportunityCompanySection,
    OpportunityMember,
    OpportunityStage,
    PartnerProgram,
    SalesPlan,
    Solution,
    User,
)
from models.matching import match_keys

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


SEEDED_MODELS: tuple[type[Model], ...] = (
    Company,
    User,
    AccessPolicy,
    SalesPlan,
    Solution,
    PartnerProgram,
    Account,
    Contact,
    Lead,
    LeadMember,
    LeadCompanySection,
    Activity,
    Opportunity,
    OpportunityMember,
    OpportunityCompanySection,
    LeadOpportunity,
    ConversionEvent,
)
"""The models the seed writes rows of, besides the through tables of the many-to-many fields
between them. Their tables, columns, defaults and conversions come from Tortoise's metadata."""

REQUIRED = object()
"""The default of a column the seed must give: a primary key (ids are explicit), an automatic
time (the seed's are deterministic), a column that is neither nullable nor defaulted."""


@dataclass(frozen=True)
class Column:
    """One column of a seeded table: what Tortoise knows of its field."""

    name: str
    field: Field[Any]
    model: type[Model]
    """The model of the field, which Tortoise's conversions take."""
    default: Any

    @classmethod
    def of(cls, name: str, field: Field[Any], model: type[Model], *, given: bool = False) -> "Column":
        """The column of `field`; `given`, one the seed always gives (a through table's keys)."""
        automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if given or field.pk or automatic or (field.default is None and not field.null):
            return cls(name, field, model, REQUIRED)
        return cls(name, field, model, field.default)

    def fallback(self, table: str) -> Any:
        """The value of the column in a row that does not give one: the model's default."""
        if self.default is REQUIRED:
            raise TypeError(f"the seed gives no {table}.{self.name}, which has no default")
        return self.default() if callable(self.default) else self.default


@dataclass(frozen=True)
class Table:
    """A table the seed writes: a model's, or a many-to-many field's through table."""

    name: str
    columns: dict[str, Column]
    """By the name rows give it: the model's field name (`stored_acceptance`, `company_id`), or
    for a through table its column (`lead_id`)."""

    @classmethod
    def of_model(cls, model: type[Model]) -> "Table":
        meta = model._meta
        columns = {
            name: Column.of(column, meta.fields_map[name], model) for name, column in meta.fields_db_projection.items()
        }
        return cls(meta.db_table, columns)

    @classmethod
    def through(cls, model: type[Model], relation: str) -> "Table":
        field = cast(ManyToManyFieldInstance[Any], model._meta.fields_map[relation])
        related = field.related_model
        own = Column.of(field.backward_key, model._meta.pk, model, given=True)
        other = Column.of(field.forward_key, related._meta.pk, related, given=True)
        return cls(field.through, {own.name: own, other.name: other})

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row of `values`, converted for the database as Tortoise converts them; the
        columns they do not give take the model's defaults."""
        if not values.keys() <= self.columns.keys():
            raise TypeError(f"{self.name} has no field {', '.join(sorted(values.keys() - self.columns.keys()))}")
        return tuple(
            [
                column.field.to_db_value(values[key] if key in values else column.fallback(self.name), column.model)
                for key, column in self.columns.items()
            ]
        )

    def insert_sql(self, client: BaseDBAsyncClient) -> str:
        postgres = client.capabilities.dialect == "postgres"
        marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, len(self.columns) + 1))
        names = ", ".join(f'"{column.name}"' for column in self.columns.values())
        return f'INSERT INTO "{self.name}" ({names}) VALUES ({marks})'


class Tables:
    """The seeded tables, read from the models' metadata once Tortoise is initialised, in an order
    their foreign keys allow (referenced tables first, through tables last)."""

    def __init__(self, models: Sequence[type[Model]] = SEEDED_MODELS) -> None:
        order = TopologicalSorter({model: _references(model, models) for model in models}).static_order()
        self.models = {model: Table.of_model(model) for model in order}
        self.links: dict[tuple[type[Model], str], Table] = {}
        by_name: dict[str, Table] = {}
        for model in models:
            for relation in sorted(model._meta.m2m_fields):
                field = cast(ManyToManyFieldInstance[Any], model._meta.fields_map[relation])
                if field.related_model in models:
                    self.links[model, relation] = by_name.setdefault(field.through, Table.through(model, relation))

    def in_order(self) -> list[Table]:
        return [*self.models.values(), *{table.name: table for table in self.links.values()}.values()]


def _references(model: type[Model], among: Sequence[type[Model]]) -> list[type[Model]]:
    """The other models of `among` that the foreign keys of `model` point at."""
    meta = model._meta
    related = {
        cast(RelationalField[Any], meta.fields_map[name]).related_model for name in meta.fk_fields | meta.o2o_fields
    }
    return sorted(
        (other for other in related if other in among and other is not model), key=lambda other: other._meta.db_table
    )


class Rows:
    """The rows of one batch, by table."""

    def __init__(self, tables: Tables) -> None:
        self.seeded = tables
        self.tables: dict[str, list[tuple[Any, ...]]] = {table.name: [] for table in tables.in_order()}

    def add(self, model: type[Model], **values: Any) -> None:
        """A row of the model's table, by field name; the fields not given take the model's defaults."""
        table = self.seeded.models[model]
        self.tables[table.name].append(table.row(values))

    def link(self, model: type[Model], relation: str, own_id: int, other_id: int) -> None:
        """A row of the through table of the many-to-many field `relation` of `model`."""
        table = self.seeded.links[model, relation]
        field = cast(ManyToManyFieldInstance[Any], model._meta.fields_map[relation])
        self.tables[table.name].append(table.row({field.backward_key: own_id, field.forward_key: other_id}))


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
class SeedResult:
    leads_added: int
    leads_total: int
    companies: int
    users: int


class Ids:
    """The next free primary key of each seeded model, read once: the seed is the only writer."""

    def __init__(self, start: dict[type[Model], int]) -> None:
        self._next = dict(start)

    def take(self, model: type[Model]) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value

    def last(self, model: type[Model]) -> int:
        return self._next[model] - 1


def companies_for(total_leads: int) -> int:
    return max(MIN_COMPANIES, min(MAX_COMPANIES, total_leads // LEADS_PER_COMPANY))


async def _write(client: BaseDBAsyncClient, rows: Rows) -> None:
    for table in rows.seeded.in_order():
        values = rows.tables[table.name]
        if values:
            await client.execute_many(table.insert_sql(client), [list(row) for row in values])


async def _advance_sequences(client: BaseDBAsyncClient, ids: Ids) -> None:
    """PostgreSQL's id sequences do not see explicit ids: move them past the seeded rows."""
    if client.capabilities.dialect != "postgres":
        return
    for model in SEEDED_MODELS:
        last = ids.last(model)
        if last > 0:
            table, pk = model._meta.db_table, model._meta.db_pk_column
            await client.execute_script(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), GREATEST({last}, "
                f'(SELECT COALESCE(MAX("{pk}"), 1) FROM "{table}")))'
            )


async def _next_ids(client: BaseDBAsyncClient) -> Ids:
    start = {}
    for model in SEEDED_MODELS:
        table, pk = model._meta.db_table, model._meta.db_pk_column
        rows = await client.execute_query_dict(f'SELECT COALESCE(MAX("{pk}"), 0) AS "last" FROM "{table}"')
        start[model] = int(rows[0]["last"]) + 1
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
    company_id = ids.take(Company)
    rows.add(
        Company,
        id=company_id,
        name=f"{COMPANY_PREFIX}{index:05d}",
        domain=f"seed{index}.example",
        created_at=created,
        updated_at=created,
    )
    user_ids = []
    for n in range(USERS_PER_COMPANY):
        user_id = ids.take(User)
        first, last = FIRST_NAMES[(index + n) % len(FIRST_NAMES)], LAST_NAMES[(index * 7 + n) % len(LAST_NAMES)]
        rows.add(
            User,
            id=user_id,
            email=f"user{n}@seed{index}.example",
            name=f"{first} {last}",
            company_id=company_id,
            is_admin=n == 0,
            can_edit_converted_leads=n == 1,
            created_at=created,
            updated_at=created,
        )
        user_ids.append(user_id)
    if index % 3:
        role = MemberRole.PARTICIPANT if index % 3 == 1 else MemberRole.VIEWER
        rows.add(
            AccessPolicy,
            id=ids.take(AccessPolicy),
            company_id=company_id,
            role=role,
            created_by_id=user_ids[0],
            created_at=created,
        )
    catalog: dict[type[Model], list[int]] = {}
    for model, count in ((SalesPlan, 3), (Solution, 3), (PartnerProgram, 2)):
        entries = []
        title = model._meta.db_table.replace("_", " ").title()
        for n in range(count):
            entry_id = ids.take(model)
            rows.add(model, id=entry_id, name=f"{title} {index}-{n + 1}", company_id=company_id, created_at=created)
            entries.append(entry_id)
        catalog[model] = entries
    return SeedCompany(
        id=company_id,
        index=index,
        user_ids=user_ids,
        admin_id=user_ids[0],
        sales_plan_ids=catalog[SalesPlan],
        solution_ids=catalog[Solution],
        partner_program_ids=catalog[PartnerProgram],
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
    lead_id = ids.take(Lead)
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
    name_key, domain_key = match_keys(customer, f"https://{domain}")
    converted_at: datetime | None = None
    if plan.converted:
        may_convert = (MemberRole.OWNER, MemberRole.COLLABORATOR)
        converter_id = rng.choice([user_id for user_id, role in member_ids.items() if role in may_convert])
        converted_at = created + timedelta(days=rng.randrange(1, 120))
        account_id = ids.take(Account)
        rows.add(
            Account,
            id=account_id,
            name=customer,
            website=f"https://{domain}",
            normalized_name=name_key,
            website_domain=domain_key,
            industry=rng.choice(INDUSTRIES),
            company_id=source.id,
            created_by_id=converter_id,
            created_at=converted_at,
            updated_at=converted_at,
        )
        contact_id = ids.take(Contact)
        rows.add(
            Contact,
            id=contact_id,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@{domain}",
            phone="+1 555 0100",
            job_title=rng.choice(JOB_TITLES),
            account_id=account_id,
            company_id=source.id,
            created_by_id=converter_id,
            created_at=converted_at,
            updated_at=converted_at,
        )

    rows.add(
        Lead,
        id=lead_id,
        topic=topic,
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}{lead_id}@{domain}",
        phone="+1 555 0100",
        job_title=rng.choice(JOB_TITLES),
        customer_name=customer,
        website=f"https://{domain}",
        source=rng.choice(SOURCES),
        score=rng.randrange(101) if rng.random() < 0.9 else None,
        estimated_amount=amount,
        currency="EUR" if rng.random() < 0.7 else "USD",
        estimated_close_date=(created + timedelta(days=rng.randrange(30, 365))).date() if rng.random() < 0.8 else None,
        status=plan.status,
        stored_acceptance=plan.acceptance,
        acceptance_deadline=deadline,
        rejection_reason="Not a fit for us" if plan.acceptance is LeadAcceptance.REJECTED else None,
        disqualification_reason="No budget" if plan.status is LeadStatus.CLOSED_NOT_CONVERTED else None,
        sourced_by_id=source.id,
        partner_id=partner.id if partner else None,
        owner_id=owner_id,
        is_converted=plan.converted,
        converted_at=converted_at,
        converted_by_id=converter_id,
        converted_account_id=account_id,
        converted_contact_id=contact_id,
        created_at=created,
        updated_at=converted_at or created,
        normalized_name=name_key,
        website_domain=domain_key,
    )
    for user_id, role in member_ids.items():
        rows.add(LeadMember, id=ids.take(LeadMember), lead_id=lead_id, user_id=user_id, role=role, created_at=created)
    section_companies = [source] + ([partner] if partner and plan.acceptance is LeadAcceptance.ACCEPTED else [])
    sections = [
        (company.id, rng.choice(INDUSTRIES), rng.choice(REGIONS), f"CRM-{company.index}-{lead_id}")
        for company in section_companies
    ]
    for company_id, industry, region, crm in sections:
        rows.add(
            LeadCompanySection,
            id=ids.take(LeadCompanySection),
            lead_id=lead_id,
            company_id=company_id,
            industry=industry,
            region=region,
            crm_account=crm,
            updated_at=created,
        )
    plans = [rng.choice(source.sales_plan_ids)]
    solutions = rng.sample(source.solution_ids, rng.randrange(1, 3))
    programs = [rng.choice(partner.partner_program_ids)] if partner else []
    for plan_id in plans:
        rows.link(Lead, "sales_plans", lead_id, plan_id)
    for solution_id in solutions:
        rows.link(Lead, "solutions", lead_id, solution_id)
    for program_id in programs:
        rows.link(Lead, "partner_programs", lead_id, program_id)
    activity_ids = []
    for n in range(rng.randrange(4)):
        activity_id = ids.take(Activity)
        kind = rng.choice(list(ActivityKind))
        at = created + timedelta(hours=rng.randrange(1, 2000))
        done_at = at if rng.random() < 0.6 else None
        subject = f"{kind.value.title()} {n + 1} about {topic}"
        rows.add(
            Activity,
            id=activity_id,
            lead_id=lead_id,
            kind=kind,
            subject=subject,
            due_at=at,
            done_at=done_at,
            owner_id=rng.choice(list(member_ids)),
            created_at=at,
        )
        activity_ids.append(activity_id)

    if not plan.converted:
        return
    opportunity_count = 2 if rng.random() < 0.15 else 1
    for n in range(opportunity_count):
        opportunity_id = ids.take(Opportunity)
        stage_id, _ = rng.choice(stages)
        assert converted_at is not None
        at = converted_at + timedelta(minutes=n)
        rows.add(
            Opportunity,
            id=opportunity_id,
            name=topic if n == 0 else f"{topic} (expansion)",
            account_id=account_id,
            contact_id=contact_id,
            amount=amount,
            currency="EUR",
            close_date=(at + timedelta(days=rng.randrange(30, 200))).date(),
            stage_id=stage_id,
            sourced_by_id=source.id,
            partner_id=partner.id if partner else None,
            owner_id=owner_id,
            created_at=at,
            updated_at=at,
        )
        for user_id, role in member_ids.items():
            member_id = ids.take(OpportunityMember)
            rows.add(
                OpportunityMember,
                id=member_id,
                opportunity_id=opportunity_id,
                user_id=user_id,
                role=role,
                created_at=at,
            )
        for company_id, industry, region, crm in sections:
            rows.add(
                OpportunityCompanySection,
                id=ids.take(OpportunityCompanySection),
                opportunity_id=opportunity_id,
                company_id=company_id,
                industry=industry,
                region=region,
                crm_account=crm,
                updated_at=at,
            )
        for plan_id in plans:
            rows.link(Opportunity, "sales_plans", opportunity_id, plan_id)
        for solution_id in solutions:
            rows.link(Opportunity, "solutions", opportunity_id, solution_id)
        for program_id in programs:
            rows.link(Opportunity, "partner_programs", opportunity_id, program_id)
        for activity_id in activity_ids:
            rows.link(Activity, "opportunities", activity_id, opportunity_id)
        by_conversion = n == 0
        rows.add(
            LeadOpportunity,
            id=ids.take(LeadOpportunity),
            lead_id=lead_id,
            opportunity_id=opportunity_id,
            created_by_conversion=by_conversion,
            actor_id=converter_id,
            created_at=at,
        )
        rows.add(
            ConversionEvent,
            id=ids.take(ConversionEvent),
            kind=ConversionEventKind.CONVERTED if by_conversion else ConversionEventKind.OPPORTUNITY_LINKED,
            lead_id=lead_id,
            opportunity_id=opportunity_id,
            account_id=account_id if by_conversion else None,
            contact_id=contact_id if by_conversion else None,
            actor_id=converter_id,
            details={"seeded": True},
            created_at=at,
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
    tables = Tables()
    ids = await _next_ids(client)
    companies = await _load_companies()
    wanted = companies_for(int(existing_leads) + leads)
    if len(companies) < wanted:
        rows = Rows(tables)
        start = max((company.index for company in companies), default=0) + 1
        companies += [_company_rows(rows, ids, index) for index in range(start, start + wanted - len(companies))]
        async with in_transaction() as connection:
            await _write(connection, rows)
            await _advance_sequences(connection, ids)
    rng = random.Random(random_seed if random_seed is not None else ids.last(Lead) + 1)
    if client.capabilities.dialect == "sqlite":
        await client.execute_script(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    postgres = client.capabilities.dialect == "postgres"
    total = analyzed = int(existing_leads)
    for size in batches(leads, BATCH_LEADS):
        rows = Rows(tables)
        for _ in range(size):
            _lead_rows(rows, ids, rng, companies, stages)
        async with in_transaction() as connection:
            await _write(connection, rows)
            await _advance_sequences(connection, ids)
        progress(size)
        total += size
        if postgres and total >= 2 * max(analyzed, BATCH_LEADS // 2):
            await client.execute_script("ANALYZE")
            analyzed = total
    if postgres and analyzed != total:
        await client.execute_script("ANALYZE")
    return SeedResult(
        leads_added=leads,
        leads_total=int(existing_leads) + leads,
        companies=len(companies),
        users=sum(len(company.user_ids) for company in companies),
    )
