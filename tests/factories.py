"""Small async factories for test data, and clients that act as a given user."""

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from leadbridge.app import create_app
from leadbridge.auth import issue_token
from leadbridge.settings import Settings
from models import (
    AccessPolicy,
    Account,
    Activity,
    ActivityKind,
    Company,
    Contact,
    Lead,
    LeadAcceptance,
    LeadMember,
    MemberRole,
    Opportunity,
    OpportunityMember,
    OpportunityStage,
    PartnerProgram,
    SalesPlan,
    Solution,
    User,
)
from resolvers.ids import global_id

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256"
_sequence = itertools.count(1)


async def make_company(**overrides: Any) -> Company:
    n = next(_sequence)
    fields: dict[str, Any] = {"name": f"Company {n}", "domain": f"company{n}.example"}
    fields.update(overrides)
    return await Company.create(**fields)


async def make_user(**overrides: Any) -> User:
    n = next(_sequence)
    if "company" not in overrides and "company_id" not in overrides:
        overrides["company"] = await make_company()
    fields: dict[str, Any] = {"email": f"user{n}@example.com", "name": f"User {n}"}
    fields.update(overrides)
    user = await User.create(**fields)
    await user.fetch_related("company")
    return user


async def make_lead(owner: User, **overrides: Any) -> Lead:
    """A lead sourced by the owner's company, with the owner as its direct OWNER. A `partner`
    different from `sourced_by` makes it PENDING unless `stored_acceptance` is given."""
    n = next(_sequence)
    fields: dict[str, Any] = {
        "topic": f"Lead {n}",
        "first_name": "Pat",
        "last_name": f"Buyer{n}",
        "email": f"pat{n}@customer{n}.example",
        "customer_name": f"Customer {n}",
        "score": 50,
        "estimated_amount": Decimal("1000.00"),
        "currency": "EUR",
        "sourced_by_id": owner.company_id,
        "owner": owner,
    }
    fields.update(overrides)
    partner_id = fields.get("partner_id") or (fields["partner"].id if fields.get("partner") else None)
    sourced_by_id = fields.get("sourced_by_id") or fields["sourced_by"].id
    if "stored_acceptance" not in fields and partner_id and partner_id != sourced_by_id:
        fields["stored_acceptance"] = LeadAcceptance.PENDING
    lead = await Lead.create(**fields)
    await LeadMember.create(lead=lead, user=owner, role=MemberRole.OWNER)
    return lead


async def stage_named(name: str = "Prospecting") -> OpportunityStage:
    return await OpportunityStage.get(name=name)


async def make_opportunity(owner: User, **overrides: Any) -> Opportunity:
    """An opportunity sourced by the owner's company, with the owner as its direct OWNER."""
    n = next(_sequence)
    fields: dict[str, Any] = {
        "name": f"Opportunity {n}",
        "amount": Decimal("5000.00"),
        "currency": "EUR",
        "sourced_by_id": owner.company_id,
        "owner": owner,
    }
    fields.update(overrides)
    if "stage" not in fields and "stage_id" not in fields:
        fields["stage"] = await stage_named()
    opportunity = await Opportunity.create(**fields)
    await OpportunityMember.create(opportunity=opportunity, user=owner, role=MemberRole.OWNER)
    return opportunity


async def add_member(record: Lead | Opportunity, user: User, role: MemberRole) -> None:
    if isinstance(record, Lead):
        await LeadMember.create(lead=record, user=user, role=role)
    else:
        await OpportunityMember.create(opportunity=record, user=user, role=role)


async def make_policy(company: Company, role: MemberRole) -> AccessPolicy:
    return await AccessPolicy.create(company=company, role=role)


async def make_account(company: Company, **overrides: Any) -> Account:
    n = next(_sequence)
    fields: dict[str, Any] = {"name": f"Account {n}", "website": f"https://account{n}.example", "company": company}
    fields.update(overrides)
    return await Account.create(**fields)


async def make_contact(company: Company, **overrides: Any) -> Contact:
    n = next(_sequence)
    fields: dict[str, Any] = {
        "first_name": "Casey",
        "last_name": f"Contact{n}",
        "email": f"casey{n}@example.com",
        "company": company,
    }
    fields.update(overrides)
    return await Contact.create(**fields)


async def make_sales_plan(company: Company, **overrides: Any) -> SalesPlan:
    return await SalesPlan.create(**{"name": f"Plan {next(_sequence)}", "company": company, **overrides})


async def make_solution(company: Company, **overrides: Any) -> Solution:
    return await Solution.create(**{"name": f"Solution {next(_sequence)}", "company": company, **overrides})


async def make_partner_program(company: Company, **overrides: Any) -> PartnerProgram:
    return await PartnerProgram.create(**{"name": f"Program {next(_sequence)}", "company": company, **overrides})


async def make_activity(lead: Lead, owner: User, **overrides: Any) -> Activity:
    fields: dict[str, Any] = {
        "lead": lead,
        "owner": owner,
        "kind": ActivityKind.CALL,
        "subject": f"Call {next(_sequence)}",
    }
    fields.update(overrides)
    return await Activity.create(**fields)


def gid(record: Any) -> str:
    """The global ID of a record, as clients see it."""
    return global_id(type(record).__name__, record.pk)


def token_for(user: User, ttl_hours: float = 1.0, secret_key: str = TEST_SECRET_KEY) -> str:
    return issue_token(user, secret_key, ttl_hours)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An unauthenticated client of an app built from these settings, its lifespan running."""
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def client_as(anonymous_client: httpx.AsyncClient, user: User) -> httpx.AsyncClient:
    """A client sharing the app's transport that sends the user's bearer token."""
    return httpx.AsyncClient(
        transport=anonymous_client._transport,
        base_url=anonymous_client.base_url,
        headers={"Authorization": f"Bearer {token_for(user)}"},
    )


async def graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a GraphQL document and return the decoded body, asserting the HTTP status is 200."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return response.json()


class StatementCounter:
    """Counts the SQL statements the app sends while active (reads outside transactions)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.rows: list[int] = []
        """How many rows each statement returned, in the order of `statements`."""
        self._patched: list[tuple[type, str, Any]] = []  # (class, name, own attribute or None)

    def __enter__(self) -> "StatementCounter":
        client_class = type(Lead._meta.db)
        for name in ("execute_query", "execute_query_dict"):
            original = getattr(client_class, name)

            async def counted(client: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                self.statements.append(str(args[0]) if args else "")
                result = await _original(client, *args, **kwargs)
                self.rows.append(len(result[1] if isinstance(result, tuple) else result))
                return result

            self._patched.append((client_class, name, client_class.__dict__.get(name)))
            setattr(client_class, name, counted)
        return self

    @property
    def count(self) -> int:
        return len(self.statements)

    def __exit__(self, *exc_info: Any) -> None:
        for client_class, name, own in reversed(self._patched):
            if own is None:
                delattr(client_class, name)
            else:
                setattr(client_class, name, own)
