"""The benchmark's scenarios: the GraphQL request each sends, the data it needs, and its floor:
the same rows fetched by hand-written SQL through the same driver (aiosqlite or asyncpg) and
serialized to the same JSON, in one process."""

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from strawberry.relay import to_base64

if TYPE_CHECKING:
    from resolvers.pagination import Cursors

PORTAL = """
query Portal {
  leads(first: 50, filter: {includeConverted: true}) {
    edges {
      node {
        id topic status acceptance estimatedAmount
        owner { id name email }
        sourcedBy { id name }
        partner { id name }
        members { role source user { id name company { id name } } }
        companySections { industry region crmAccount company { id name } }
        salesPlans { id name }
        solutions { id name }
        partnerPrograms { id name }
        opportunities(first: 5) {
          edges { node { id name amount stage { id name probability } members { role user { id name } } } }
        }
      }
    }
  }
}
"""
SEARCH = """
query Search($search: String!, $status: [LeadStatus!]) {
  leads(first: 20, filter: {search: $search, status: $status}) {
    edges { node { id topic customerName status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PAGE = """
query Page($after: String) {
  leads(first: 20, after: $after) {
    edges { cursor node { id topic status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CONVERT = """
mutation Convert($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    lead { id status isConverted }
    account { id name }
    contact { id lastName }
    opportunity { id name amount stage { name } members { role user { id } } salesPlans { id } solutions { id } partnerPrograms { id } }
    userErrors { code message field }
  }
}
"""
VIEWER = "query Viewer { viewer { email } }"

SEARCH_TERM = "globex"
SEARCH_STATUSES = ["OPEN_NOT_CONTACTED", "WORKING_CONTACTED"]
HUB = "Seed Company 00001"
PARTNER = "Seed Company 00002"
DEEP_PAGE = 1000
LEADS_LIST = "leads:CREATED_AT:DESC"
"""The name the cursors of `leads` in its default order carry."""
RANK = {"VIEWER": 1, "PARTICIPANT": 2, "COLLABORATOR": 3, "OWNER": 4}


class Sql:
    """Hand-written SQL on one connection of the app's own driver, `$n` placeholders on both."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        self.connection: Any = None

    async def open(self) -> None:
        if self.postgres:
            import asyncpg

            self.connection = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
        else:
            import aiosqlite

            self.connection = await aiosqlite.connect(self.url[len("sqlite://") :], timeout=60, isolation_level=None)
            self.connection.row_factory = aiosqlite.Row

    async def close(self) -> None:
        await self.connection.close()

    def _sqlite(self, query: str) -> str:
        import re

        return re.sub(r"\$(\d+)", r"?\1", query)

    async def rows(self, query: str, *args: Any) -> list[Any]:
        if self.postgres:
            return await self.connection.fetch(query, *args)
        return list(await self.connection.execute_fetchall(self._sqlite(query), [sqlite_value(a) for a in args]))

    async def execute(self, query: str, *args: Any) -> None:
        if self.postgres:
            await self.connection.execute(query, *args)
        else:
            await self.connection.execute(self._sqlite(query), [sqlite_value(a) for a in args])

    def ids(self, values: list[int]) -> tuple[str, list[Any]]:
        """An IN list for the driver: `= ANY($n)` with one array on PostgreSQL, `IN (?, ...)` on SQLite."""
        return (
            ("= ANY($1)", [values])
            if self.postgres
            else (f"IN ({','.join('?' * len(values)) or 'NULL'})", list(values))
        )

    async def rows_in(self, query: str, values: list[int]) -> list[Any]:
        """`query` holds `{ids}` where the IN list goes; its only parameters are the ids."""
        if not values:
            return []
        clause, args = self.ids(values)
        if self.postgres:
            return await self.connection.fetch(query.format(ids=clause), *args)
        return list(await self.connection.execute_fetchall(query.format(ids=clause), args))


def sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, bool):
        return int(value)
    return value


def gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def money(value: Any) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Viewer:
    id: int
    company_id: int
    is_admin: bool
    token: str


@dataclass
class Fixtures:
    """What the scenarios need from a seeded database."""

    hub_admin: Viewer
    partner_admin: Viewer
    deep_cursor: str
    deep_page: int
    cursors: "Cursors"
    convert_lead_ids: list[int] = field(default_factory=list)
    portal_lead_ids: list[int] = field(default_factory=list)


async def visible_condition(sql: Sql, viewer: Viewer, first_param: int) -> tuple[str, list[Any]]:
    """The viewer's visibility of leads, as hand-written SQL (the viewer is a company admin)."""
    n = first_param
    return (
        f'("id" IN (SELECT "lead_id" FROM "lead_member" WHERE "user_id" = ${n}) '
        f'OR "sourced_by_id" = ${n + 1} OR "partner_id" = ${n + 1})',
        [viewer.id, viewer.company_id],
    )


async def leads_page(
    sql: Sql,
    viewer: Viewer,
    *,
    size: int,
    after: tuple[datetime, int] | None,
    extra: str = "",
    extra_args: list[Any] | None = None,
) -> list[Any]:
    visible, args = await visible_condition(sql, viewer, 1)
    where = [visible, '"is_converted" = $3']
    args.append(False)
    if after is not None:
        where.append('"created_at" <= $4 AND ("created_at" < $4 OR "id" < $5)')
        args += [after[0], after[1]]
    if extra:
        where.append(extra.format(n=len(args) + 1))
        args += extra_args or []
    query = (
        'SELECT "id", "topic", "status", "customer_name", "created_at" FROM "lead" WHERE '
        + " AND ".join(where)
        + f' ORDER BY "created_at" DESC, "id" DESC LIMIT {size + 1}'
    )
    return await sql.rows(query, *args)


def page_json(
    rows: list[Any], size: int, node: Callable[[Any], dict[str, Any]], with_cursor: bool, codec: "Cursors"
) -> dict[str, Any]:
    kept = rows[:size]
    cursors = [codec.encode(LEADS_LIST, as_datetime(row["created_at"]), row["id"]) for row in kept]
    edges = [
        ({"cursor": cursor} if with_cursor else {}) | {"node": node(row)}
        for row, cursor in zip(kept, cursors, strict=True)
    ]
    return {
        "edges": edges,
        "pageInfo": {"hasNextPage": len(rows) > size, "endCursor": cursors[-1] if cursors else None},
    }


async def floor_page(sql: Sql, viewer: Viewer, after: str | None, codec: "Cursors") -> str:
    position = codec.decode(after, LEADS_LIST, "after") if after else None
    rows = await leads_page(sql, viewer, size=20, after=position)
    page = page_json(
        rows,
        20,
        lambda row: {"id": gid("Lead", row["id"]), "topic": row["topic"], "status": row["status"]},
        True,
        codec,
    )
    return json.dumps({"data": {"leads": page}}, separators=(",", ":"))


async def floor_search(sql: Sql, viewer: Viewer, codec: "Cursors") -> str:
    like = "ILIKE" if sql.postgres else "LIKE"
    statuses = ",".join(f"'{status}'" for status in SEARCH_STATUSES)
    extra = (
        f'"status" IN ({statuses}) AND ("first_name" {like} ${{n}} OR "last_name" {like} ${{n}} '
        f'OR "customer_name" {like} ${{n}} OR "email" {like} ${{n}})'
    )
    rows = await leads_page(sql, viewer, size=20, after=None, extra=extra, extra_args=[f"%{SEARCH_TERM}%"])
    page = page_json(
        rows,
        20,
        lambda row: {
            "id": gid("Lead", row["id"]),
            "topic": row["topic"],
            "customerName": row["customer_name"],
            "status": row["status"],
        },
        False,
        codec,
    )
    return json.dumps({"data": {"leads": page}}, separators=(",", ":"))


async def floor_viewer(sql: Sql, viewer: Viewer) -> str:
    rows = await sql.rows('SELECT "email", "is_active", "token_version" FROM "user" WHERE "id" = $1', viewer.id)
    return json.dumps({"data": {"viewer": {"email": rows[0]["email"]}}}, separators=(",", ":"))


async def _members(
    sql: Sql, table: str, record_column: str, records: list[Any]
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, Any]]:
    """Members of each record (each direct membership and each role through policies, highest role
    first) and their users."""
    record_ids = [record["id"] for record in records]
    direct: dict[int, dict[int, str]] = defaultdict(dict)
    for row in await sql.rows_in(
        f'SELECT "{record_column}", "user_id", "role" FROM "{table}" WHERE "{record_column}" {{ids}}', record_ids
    ):
        direct[row[record_column]][row["user_id"]] = row["role"]
    companies = sorted({c for record in records for c in (record["sourced_by_id"], record["partner_id"]) if c})
    policies: dict[int, str] = {}
    for row in await sql.rows_in(
        'SELECT "company_id", "role" FROM "access_policy" WHERE "company_id" {ids}', companies
    ):
        if RANK[row["role"]] > RANK.get(policies.get(row["company_id"], ""), 0):
            policies[row["company_id"]] = row["role"]
    user_ids = sorted({user_id for members in direct.values() for user_id in members})
    clause, args = sql.ids(user_ids or [0])
    company_clause, company_args = sql.ids(companies or [0])
    if sql.postgres:
        company_clause = company_clause.replace("$1", "$2")
    users_query = (
        f'SELECT "id", "name", "email", "company_id", "is_admin" FROM "user" WHERE "id" {clause} '
        f'OR "company_id" {company_clause}'
    )
    users = {row["id"]: row for row in await sql.rows(users_query, *args, *company_args)}
    by_company: dict[int, list[Any]] = defaultdict(list)
    for user in users.values():
        by_company[user["company_id"]].append(user)
    result: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        entries = [(role, "DIRECT", users[user_id]) for user_id, role in direct[record["id"]].items()]
        for company_id in {record["sourced_by_id"], record["partner_id"]} - {None}:
            for user in by_company.get(company_id, []):
                policy = "OWNER" if user["is_admin"] else policies.get(company_id)
                if policy:
                    entries.append((policy, "ACCESS_POLICY", user))
        entries.sort(
            key=lambda entry: (
                -RANK[entry[0]],
                entry[2]["name"].casefold(),
                entry[2]["id"],
                entry[1] == "ACCESS_POLICY",
            )
        )
        result[record["id"]] = [
            {"role": role, "source": source, "user_id": user["id"]} for role, source, user in entries
        ]
    return result, users


async def floor_portal(sql: Sql, viewer: Viewer) -> str:
    visible, args = await visible_condition(sql, viewer, 1)
    leads = await sql.rows(
        'SELECT "id", "topic", "status", "acceptance", "acceptance_deadline", "estimated_amount", "owner_id", '
        f'"sourced_by_id", "partner_id" FROM "lead" WHERE {visible} '
        'ORDER BY "created_at" DESC, "id" DESC LIMIT 50',
        *args,
    )
    lead_ids = [lead["id"] for lead in leads]
    lead_members, users = await _members(sql, "lead_member", "lead_id", leads)
    sections: dict[int, list[Any]] = defaultdict(list)
    for row in await sql.rows_in(
        'SELECT "lead_id", "company_id", "industry", "region", "crm_account" FROM "lead_company_section" WHERE "lead_id" {ids} ORDER BY "id"',
        lead_ids,
    ):
        sections[row["lead_id"]].append(row)
    catalogs: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for name, table, link, column, type_name in (
        ("salesPlans", "sales_plan", "lead_sales_plan", "salesplan_id", "SalesPlan"),
        ("solutions", "solution", "lead_solution", "solution_id", "Solution"),
        ("partnerPrograms", "partner_program", "lead_partner_program", "partnerprogram_id", "PartnerProgram"),
    ):
        linked: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in await sql.rows_in(
            f'SELECT l."lead_id", e."id", e."name" FROM "{link}" l JOIN "{table}" e ON e."id" = l."{column}" '
            f'WHERE l."lead_id" {{ids}} ORDER BY e."name", e."id"',
            lead_ids,
        ):
            linked[row["lead_id"]].append({"id": gid(type_name, row["id"]), "name": row["name"]})
        catalogs[name] = linked
    links = await sql.rows_in(
        'SELECT lo."id" AS "link_id", lo."lead_id", o."id", o."name", o."amount", o."stage_id", o."sourced_by_id", o."partner_id" '
        'FROM "lead_opportunity" lo JOIN "opportunity" o ON o."id" = lo."opportunity_id" WHERE lo."lead_id" {ids} ORDER BY lo."id" DESC',
        lead_ids,
    )
    opportunities_of: dict[int, list[Any]] = defaultdict(list)
    for row in links:
        if len(opportunities_of[row["lead_id"]]) < 5:
            opportunities_of[row["lead_id"]].append(row)
    opportunities = [row for rows in opportunities_of.values() for row in rows]
    stages = {
        row["id"]: row
        for row in await sql.rows_in(
            'SELECT "id", "name", "probability" FROM "opportunity_stage" WHERE "id" {ids}',
            sorted({o["stage_id"] for o in opportunities}),
        )
    }
    opportunity_members, opportunity_users = await _members(sql, "opportunity_member", "opportunity_id", opportunities)
    users.update(opportunity_users)
    company_ids = sorted(
        {u["company_id"] for u in users.values()}
        | {c for lead in leads for c in (lead["sourced_by_id"], lead["partner_id"]) if c}
    )
    companies = {
        row["id"]: row for row in await sql.rows_in('SELECT "id", "name" FROM "company" WHERE "id" {ids}', company_ids)
    }
    owners = {
        row["id"]: row
        for row in await sql.rows_in(
            'SELECT "id", "name", "email" FROM "user" WHERE "id" {ids}', sorted({lead["owner_id"] for lead in leads})
        )
    }

    def company(company_id: int | None) -> dict[str, Any] | None:
        return None if company_id is None else {"id": gid("Company", company_id), "name": companies[company_id]["name"]}

    now = datetime.now(UTC)

    def acceptance(lead: Any) -> str:
        deadline = as_datetime(lead["acceptance_deadline"])
        if lead["acceptance"] == "PENDING" and deadline is not None and deadline <= now:
            return "EXPIRED"
        return lead["acceptance"]

    edges = []
    for lead in leads:
        owner = owners[lead["owner_id"]]
        node = {
            "id": gid("Lead", lead["id"]),
            "topic": lead["topic"],
            "status": lead["status"],
            "acceptance": acceptance(lead),
            "estimatedAmount": money(lead["estimated_amount"]),
            "owner": {"id": gid("User", owner["id"]), "name": owner["name"], "email": owner["email"]},
            "sourcedBy": company(lead["sourced_by_id"]),
            "partner": company(lead["partner_id"]),
            "members": [
                {
                    "role": member["role"],
                    "source": member["source"],
                    "user": {
                        "id": gid("User", member["user_id"]),
                        "name": users[member["user_id"]]["name"],
                        "company": company(users[member["user_id"]]["company_id"]),
                    },
                }
                for member in lead_members[lead["id"]]
            ],
            "companySections": [
                {
                    "industry": section["industry"],
                    "region": section["region"],
                    "crmAccount": section["crm_account"] if section["company_id"] == viewer.company_id else None,
                    "company": company(section["company_id"]),
                }
                for section in sections[lead["id"]]
            ],
            "salesPlans": catalogs["salesPlans"][lead["id"]],
            "solutions": catalogs["solutions"][lead["id"]],
            "partnerPrograms": catalogs["partnerPrograms"][lead["id"]],
            "opportunities": {
                "edges": [
                    {
                        "node": {
                            "id": gid("Opportunity", o["id"]),
                            "name": o["name"],
                            "amount": money(o["amount"]),
                            "stage": {
                                "id": gid("OpportunityStage", o["stage_id"]),
                                "name": stages[o["stage_id"]]["name"],
                                "probability": stages[o["stage_id"]]["probability"],
                            },
                            "members": [
                                {
                                    "role": m["role"],
                                    "user": {"id": gid("User", m["user_id"]), "name": users[m["user_id"]]["name"]},
                                }
                                for m in opportunity_members[o["id"]]
                            ],
                        }
                    }
                    for o in opportunities_of[lead["id"]]
                ]
            },
        }
        edges.append({"node": node})
    return json.dumps({"data": {"leads": {"edges": edges}}}, separators=(",", ":"))


async def floor_convert(sql: Sql, viewer: Viewer, lead_id: int) -> str:
    """What the Standard template writes for a lead, in one transaction, and the payload's JSON."""
    now = datetime.now(UTC)
    postgres = sql.postgres
    if postgres:
        transaction = sql.connection.transaction()
        await transaction.start()
    else:
        await sql.connection.execute("BEGIN IMMEDIATE")
    try:
        lead = (await sql.rows('SELECT * FROM "lead" WHERE "id" = $1' + (" FOR UPDATE" if postgres else ""), lead_id))[
            0
        ]
        stage = (
            await sql.rows('SELECT "id", "name", "probability" FROM "opportunity_stage" ORDER BY "sort_order" LIMIT 1')
        )[0]

        async def insert(table: str, values: dict[str, Any]) -> int:
            columns = ", ".join(f'"{name}"' for name in values)
            marks = ", ".join(f"${n}" for n in range(1, len(values) + 1))
            rows = await sql.rows(
                f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) RETURNING "id"', *values.values()
            )
            return rows[0]["id"]

        account_id = await insert(
            "account",
            {
                "name": lead["customer_name"],
                "website": lead["website"],
                "company_id": viewer.company_id,
                "created_by_id": viewer.id,
                "created_at": now,
                "updated_at": now,
            },
        )
        contact_id = await insert(
            "contact",
            {
                "first_name": lead["first_name"],
                "last_name": lead["last_name"],
                "email": lead["email"],
                "account_id": account_id,
                "company_id": viewer.company_id,
                "created_by_id": viewer.id,
                "created_at": now,
                "updated_at": now,
            },
        )
        opportunity_id = await insert(
            "opportunity",
            {
                "name": lead["topic"] or lead["customer_name"],
                "account_id": account_id,
                "contact_id": contact_id,
                "amount": lead["estimated_amount"],
                "currency": lead["currency"],
                "close_date": lead["estimated_close_date"],
                "stage_id": stage["id"],
                "sourced_by_id": lead["sourced_by_id"],
                "partner_id": lead["partner_id"],
                "owner_id": viewer.id,
                "created_at": now,
                "updated_at": now,
            },
        )
        members = await sql.rows('SELECT "user_id", "role" FROM "lead_member" WHERE "lead_id" = $1', lead_id)
        for member in members:
            await sql.execute(
                'INSERT INTO "opportunity_member" ("opportunity_id", "user_id", "role", "created_at") VALUES ($1, $2, $3, $4)',
                opportunity_id,
                member["user_id"],
                member["role"],
                now,
            )
        links = {}
        for link, column, target in (
            ("sales_plan", "salesplan_id", "opportunity_sales_plan"),
            ("solution", "solution_id", "opportunity_solution"),
            ("partner_program", "partnerprogram_id", "opportunity_partner_program"),
        ):
            ids = [
                row[column]
                for row in await sql.rows(f'SELECT "{column}" FROM "lead_{link}" WHERE "lead_id" = $1', lead_id)
            ]
            for entry_id in ids:
                await sql.execute(
                    f'INSERT INTO "{target}" ("opportunity_id", "{column}") VALUES ($1, $2)', opportunity_id, entry_id
                )
            links[link] = ids
        await sql.execute(
            'INSERT INTO "lead_opportunity" ("lead_id", "opportunity_id", "created_by_conversion", "actor_id", "created_at") VALUES ($1, $2, $3, $4, $5)',
            lead_id,
            opportunity_id,
            True,
            viewer.id,
            now,
        )
        await sql.execute(
            'INSERT INTO "conversion_event" ("kind", "lead_id", "opportunity_id", "account_id", "contact_id", "actor_id", "details", "created_at") '
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            "CONVERTED",
            lead_id,
            opportunity_id,
            account_id,
            contact_id,
            viewer.id,
            json.dumps({"template": "Standard"}),
            now,
        )
        await sql.execute(
            'UPDATE "lead" SET "status" = $1, "is_converted" = $2, "converted_at" = $3, "converted_by_id" = $4, '
            '"converted_account_id" = $5, "converted_contact_id" = $6, "updated_at" = $3 WHERE "id" = $7',
            "CLOSED_CONVERTED",
            True,
            now,
            viewer.id,
            account_id,
            contact_id,
            lead_id,
        )
    except Exception:
        if postgres:
            await transaction.rollback()
        else:
            await sql.connection.rollback()
        raise
    if postgres:
        await transaction.commit()
    else:
        await sql.connection.commit()
    member_rows = sorted(members, key=lambda m: -RANK[m["role"]])
    payload = {
        "lead": {"id": gid("Lead", lead_id), "status": "CLOSED_CONVERTED", "isConverted": True},
        "account": {"id": gid("Account", account_id), "name": lead["customer_name"]},
        "contact": {"id": gid("Contact", contact_id), "lastName": lead["last_name"]},
        "opportunity": {
            "id": gid("Opportunity", opportunity_id),
            "name": lead["topic"],
            "amount": money(lead["estimated_amount"]),
            "stage": {"name": stage["name"]},
            "members": [{"role": m["role"], "user": {"id": gid("User", m["user_id"])}} for m in member_rows],
            "salesPlans": [{"id": gid("SalesPlan", i)} for i in links["sales_plan"]],
            "solutions": [{"id": gid("Solution", i)} for i in links["solution"]],
            "partnerPrograms": [{"id": gid("PartnerProgram", i)} for i in links["partner_program"]],
        },
        "userErrors": [],
    }
    return json.dumps({"data": {"convertLead": payload}}, separators=(",", ":"))


@dataclass
class Scenario:
    name: str
    viewer: Viewer
    bodies: list[dict[str, Any]]
    floor: Callable[[Sql, int], Awaitable[str]] | None
    cycle: bool = True
    hello_world: bool = False
    writes: bool = False
    """Whether each request writes: on SQLite the floor's writers then queue (`measure_floor`)."""


def scenarios(fixtures: Fixtures, convert_count: int) -> list[Scenario]:
    hub, partner = fixtures.hub_admin, fixtures.partner_admin
    half = convert_count // 2
    convert_ids = fixtures.convert_lead_ids
    return [
        Scenario("portal", partner, [{"query": PORTAL}], lambda sql, i: floor_portal(sql, partner)),
        Scenario(
            "search",
            hub,
            [{"query": SEARCH, "variables": {"search": SEARCH_TERM, "status": SEARCH_STATUSES}}],
            lambda sql, i: floor_search(sql, hub, fixtures.cursors),
        ),
        Scenario("page-1", hub, [{"query": PAGE}], lambda sql, i: floor_page(sql, hub, None, fixtures.cursors)),
        Scenario(
            f"page-{fixtures.deep_page}",
            hub,
            [{"query": PAGE, "variables": {"after": fixtures.deep_cursor}}],
            lambda sql, i: floor_page(sql, hub, fixtures.deep_cursor, fixtures.cursors),
        ),
        Scenario(
            "convert",
            hub,
            [
                {"query": CONVERT, "variables": {"input": {"leadId": gid("Lead", lead_id)}}}
                for lead_id in convert_ids[:half]
            ],
            lambda sql, i: floor_convert(sql, hub, convert_ids[half + i]),
            cycle=False,
            writes=True,
        ),
        Scenario("viewer", hub, [{"query": VIEWER}], lambda sql, i: floor_viewer(sql, hub)),
        Scenario("viewer-hello-world", hub, [{"query": VIEWER}], None, hello_world=True),
    ]


async def prepare(secret_key: str, convert_count: int, deep_page: int = DEEP_PAGE) -> Fixtures:
    """Tokens, the deep page's cursor, the portal's 50 leads (for the peer) and fresh leads to convert;
    Tortoise must be connected."""
    from leadbridge.auth import issue_token
    from models import Lead, LeadMember, LeadStatus, MemberRole, PartnerProgram, SalesPlan, Solution, User
    from permissions import scopes
    from resolvers.pagination import Cursors

    cursors = Cursors.signed_with(secret_key)

    async def admin_of(company_name: str) -> tuple[User, Viewer]:
        user = await User.get(company__name=company_name, is_admin=True)
        return user, Viewer(user.id, user.company_id, True, issue_token(user, secret_key, 24))

    hub_user, hub = await admin_of(HUB)
    partner_user, partner = await admin_of(PARTNER)
    portal_lead_ids = cast(
        list[int],
        await scopes.visible_leads(partner_user).order_by("-created_at", "-id").limit(50).values_list("id", flat=True),
    )
    before = (
        await scopes.visible_leads(hub_user)
        .filter(is_converted=False)
        .order_by("-created_at", "-id")
        .offset((deep_page - 1) * 20 - 1)
        .first()
    )
    if before is None:
        raise SystemExit(
            f"the hub's admin sees fewer than {deep_page * 20} leads: seed more leads or lower --deep-page"
        )
    deep_cursor = cursors.encode(LEADS_LIST, before.created_at, before.id)

    colleagues = await User.filter(company_id=hub.company_id).order_by("id").limit(6)
    plans = await SalesPlan.filter(company_id=hub.company_id).order_by("id").limit(2)
    solutions = await Solution.filter(company_id=hub.company_id).order_by("id").limit(2)
    programs = await PartnerProgram.filter(company_id=hub.company_id).order_by("id").limit(2)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    lead_ids = []
    for n in range(convert_count):
        lead = await Lead.create(
            topic=f"Bench conversion {stamp}-{n}",
            first_name="Bea",
            last_name=f"Bench{n}",
            email=f"bea.bench{n}.{stamp}@convert{stamp}-{n}.example",
            customer_name=f"Bench Customer {stamp}-{n}",
            website=f"https://convert{stamp}-{n}.example",
            score=80,
            estimated_amount=Decimal("42000.00"),
            currency="EUR",
            status=LeadStatus.WORKING_CONTACTED,
            sourced_by_id=hub.company_id,
            owner_id=colleagues[1].id,
            created_at=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=n),
        )
        roles = [
            MemberRole.OWNER,
            MemberRole.COLLABORATOR,
            MemberRole.COLLABORATOR,
            MemberRole.PARTICIPANT,
            MemberRole.VIEWER,
        ]
        await LeadMember.bulk_create(
            [
                LeadMember(lead_id=lead.id, user_id=user.id, role=role)
                for user, role in zip(colleagues[1:6], roles, strict=False)
            ]
        )
        await lead.sales_plans.add(*plans)
        await lead.solutions.add(*solutions)
        await lead.partner_programs.add(*programs)
        lead_ids.append(lead.id)
    return Fixtures(
        hub_admin=hub,
        partner_admin=partner,
        deep_cursor=deep_cursor,
        deep_page=deep_page,
        cursors=cursors,
        convert_lead_ids=lead_ids,
        portal_lead_ids=list(portal_lead_ids),
    )
