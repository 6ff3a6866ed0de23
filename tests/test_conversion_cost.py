"""What one conversion costs in SQL statements: the Standard template with five members and six
catalog links, every statement counted, those of its transaction included."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import LeadMember, LeadStatus, MemberRole, OpportunityMember
from tests.factories import (
    client_as,
    gid,
    graphql,
    make_company,
    make_lead,
    make_partner_program,
    make_sales_plan,
    make_solution,
    make_user,
)

CONVERT = """
mutation ($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    lead { id status isConverted }
    account { id name }
    contact { id lastName }
    opportunity { id name amount stage { name } members { role source user { id } } salesPlans { id } solutions { id } partnerPrograms { id } }
    userErrors { code message field }
  }
}
"""

CONVERSION_STATEMENTS = {"sqlite": 24, "postgres": 25}
"""One conversion, whatever the number of members and links: the viewer (token check); the lead,
locked, and the viewer's role on it; the company's settings with its template and stage; the
duplicate accounts and contacts, the account and the contact; the opportunity, its members and
its links to the lead's sales plans, solutions, partner programs and activities (one INSERT ...
SELECT each); the lead's company sections; the conversion link, the lead, the event (and its
notification on PostgreSQL); then the payload: the opportunity's members (direct, access policies,
users) and its catalog entries."""

COLLEAGUE_ROLES = [MemberRole.COLLABORATOR, MemberRole.COLLABORATOR, MemberRole.PARTICIPANT, MemberRole.VIEWER]
SENDERS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")


@contextmanager
def every_statement() -> Iterator[list[str]]:
    """The statements every database client sends while active, in and out of transactions."""
    statements: list[str] = []
    patched: list[tuple[type, str, Any]] = []

    def clients(base: type) -> Iterator[type]:
        subclasses: list[type] = base.__subclasses__()
        for subclass in subclasses:
            yield subclass
            yield from clients(subclass)

    for client_class in set(clients(BaseDBAsyncClient)):
        for name in SENDERS:
            own = client_class.__dict__.get(name)
            if own is None:
                continue

            async def counted(client: Any, *args: Any, _original: Any = own, **kwargs: Any) -> Any:
                statements.append(str(args[0]) if args else "")
                return await _original(client, *args, **kwargs)

            patched.append((client_class, name, own))
            setattr(client_class, name, counted)
    try:
        yield statements
    finally:
        for client_class, name, own in reversed(patched):
            setattr(client_class, name, own)


async def test_a_standard_conversion_with_five_members_and_six_links_costs_a_fixed_number_of_statements(
    backend, anonymous_client
):
    company = await make_company()
    admin = await make_user(company=company, is_admin=True)
    owner = await make_user(company=company)
    colleagues = [await make_user(company=company) for _ in range(4)]
    lead = await make_lead(owner, status=LeadStatus.WORKING_CONTACTED, score=80, estimated_amount=Decimal("42000.00"))
    await LeadMember.bulk_create(
        [
            LeadMember(lead_id=lead.pk, user_id=user.pk, role=role)
            for user, role in zip(colleagues, COLLEAGUE_ROLES, strict=True)
        ]
    )
    plans = [await make_sales_plan(company) for _ in range(2)]
    solutions = [await make_solution(company) for _ in range(2)]
    programs = [await make_partner_program(company) for _ in range(2)]
    await lead.sales_plans.add(*plans)
    await lead.solutions.add(*solutions)
    await lead.partner_programs.add(*programs)

    async with client_as(anonymous_client, admin) as admin_client:
        with every_statement() as statements:
            body = await graphql(admin_client, CONVERT, {"input": {"leadId": gid(lead)}})

    payload = body["data"]["convertLead"]
    assert payload["userErrors"] == []
    assert payload["lead"] == {"id": gid(lead), "status": "CLOSED_CONVERTED", "isConverted": True}
    opportunity = payload["opportunity"]
    assert opportunity["amount"] == "42000.00"
    assert sorted(
        (member["role"], member["source"], member["user"]["id"]) for member in opportunity["members"]
    ) == sorted(
        [("OWNER", "DIRECT", gid(admin)), ("OWNER", "ACCESS_POLICY", gid(admin)), ("OWNER", "DIRECT", gid(owner))]
        + [(role.value, "DIRECT", gid(user)) for user, role in zip(colleagues, COLLEAGUE_ROLES, strict=True)]
    )
    assert sorted(entry["id"] for entry in opportunity["salesPlans"]) == sorted(gid(plan) for plan in plans)
    assert sorted(entry["id"] for entry in opportunity["solutions"]) == sorted(gid(solution) for solution in solutions)
    assert sorted(entry["id"] for entry in opportunity["partnerPrograms"]) == sorted(
        gid(program) for program in programs
    )
    stored = await OpportunityMember.filter(opportunity__name=lead.topic).values_list("user_id", "role")
    assert sorted(stored) == sorted(
        [(admin.pk, "OWNER"), (owner.pk, "OWNER")]
        + [(user.pk, role.value) for user, role in zip(colleagues, COLLEAGUE_ROLES, strict=True)]
    )
    assert len(statements) == CONVERSION_STATEMENTS[backend], "\n".join(statements)
