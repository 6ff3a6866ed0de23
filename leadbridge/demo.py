"""The demo network: a vendor and two partners, with leads in every status and acceptance
state, opportunities across stages, members of every role and a company access policy."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from leadbridge.settings import Settings
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
    OpportunityMember,
    OpportunityStage,
    OpportunityTemplate,
    PartnerProgram,
    SalesPlan,
    Solution,
    User,
)

DEMO_COMPANIES = [
    ("Northwind Software", "northwind.example", "northwind"),
    ("Contoso Partners", "contoso.example", "contoso"),
    ("Fabrikam Consulting", "fabrikam.example", "fabrikam"),
]
DEMO_PEOPLE = [
    ("admin", "Ada", True),
    ("user", "Sam", False),
]


def demo_emails() -> list[str]:
    return [f"{login}@{domain}" for _, domain, _ in DEMO_COMPANIES for login, _, _ in DEMO_PEOPLE]


async def seed(settings: Settings) -> list[User]:
    """Seed the network when the database holds no company; return the demo users either way."""
    if not await Company.exists():
        async with in_transaction():
            await _seed_network()
    found = {user.email: user for user in await User.filter(email__in=demo_emails()).select_related("company")}
    return [found[email] for email in demo_emails() if email in found]


async def _seed_network() -> None:
    companies: dict[str, Company] = {}
    users: dict[str, User] = {}
    for company_name, domain, slug in DEMO_COMPANIES:
        company = companies[slug] = await Company.create(name=company_name, domain=domain)
        for login, first_name, is_admin in DEMO_PEOPLE:
            users[f"{login}@{slug}"] = await User.create(
                email=f"{login}@{domain}",
                name=f"{first_name} {slug.capitalize()}",
                company=company,
                is_admin=is_admin,
            )
    northwind, contoso, fabrikam = companies["northwind"], companies["contoso"], companies["fabrikam"]
    vendor_rep, partner_rep = users["user@northwind"], users["user@contoso"]
    now = datetime.now(UTC)

    await AccessPolicy.create(company=contoso, role=MemberRole.COLLABORATOR, created_by=users["admin@contoso"])
    plan = await SalesPlan.create(name="FY27 Cloud Push", company=northwind)
    solution = await Solution.create(name="Northwind Cloud Suite", company=northwind)
    program = await PartnerProgram.create(name="Northwind Gold Partners", company=northwind)
    stages = {stage.name: stage for stage in await OpportunityStage.all()}

    async def lead(owner: User, topic: str, customer: str, person: tuple[str, str], **fields: Any) -> Lead:
        first_name, last_name = person
        record = await Lead.create(
            topic=topic,
            customer_name=customer,
            first_name=first_name,
            last_name=last_name,
            email=f"{first_name.lower()}.{last_name.lower()}@{customer.split()[0].lower()}.example",
            job_title="Head of IT",
            website=f"https://www.{customer.split()[0].lower()}.example",
            source="Partner referral",
            currency="USD",
            sourced_by=owner.company,
            owner=owner,
            **fields,
        )
        await LeadMember.create(lead=record, user=owner, role=MemberRole.OWNER)
        return record

    await vendor_rep.fetch_related("company")
    await partner_rep.fetch_related("company")
    await lead(
        vendor_rep,
        "Cloud migration",
        "Acme Corporation",
        ("Wile", "Coyote"),
        partner=contoso,
        stored_acceptance=LeadAcceptance.PENDING,
        acceptance_deadline=now + timedelta(days=7),
        score=72,
        estimated_amount=Decimal("120000.00"),
        estimated_close_date=date.today() + timedelta(days=90),
    )
    accepted = await lead(
        vendor_rep,
        "Data platform",
        "Globex",
        ("Hank", "Scorpio"),
        partner=contoso,
        stored_acceptance=LeadAcceptance.ACCEPTED,
        status=LeadStatus.WORKING_CONTACTED,
        score=85,
        estimated_amount=Decimal("250000.00"),
        estimated_close_date=date.today() + timedelta(days=60),
    )
    await LeadMember.create(lead=accepted, user=partner_rep, role=MemberRole.COLLABORATOR)
    await LeadMember.create(lead=accepted, user=users["user@fabrikam"], role=MemberRole.VIEWER)
    await LeadCompanySection.create(
        lead=accepted, company=northwind, industry="Manufacturing", region="EMEA", crm_account="NW-0042"
    )
    await LeadCompanySection.create(
        lead=accepted, company=contoso, industry="Manufacturing", region="DACH", crm_account="CT-9913"
    )
    await accepted.sales_plans.add(plan)
    await accepted.solutions.add(solution)
    await accepted.partner_programs.add(program)
    await Activity.create(
        lead=accepted,
        owner=partner_rep,
        kind=ActivityKind.CALL,
        subject="Discovery call",
        done_at=now - timedelta(days=2),
    )
    await Activity.create(
        lead=accepted,
        owner=vendor_rep,
        kind=ActivityKind.MEETING,
        subject="Architecture workshop",
        due_at=now + timedelta(days=5),
    )
    await lead(
        vendor_rep,
        "Security audit",
        "Initech",
        ("Bill", "Lumbergh"),
        partner=fabrikam,
        stored_acceptance=LeadAcceptance.REJECTED,
        rejection_reason="Outside our region",
        score=40,
    )
    await lead(
        vendor_rep,
        "ERP rollout",
        "Umbrella Corp",
        ("Albert", "Wesker"),
        partner=fabrikam,
        stored_acceptance=LeadAcceptance.PENDING,
        acceptance_deadline=now - timedelta(days=1),
        score=55,
        estimated_amount=Decimal("80000.00"),
    )
    disqualified = await lead(
        vendor_rep,
        "Analytics",
        "Hooli",
        ("Gavin", "Belson"),
        status=LeadStatus.CLOSED_NOT_CONVERTED,
        disqualification_reason="No budget this year",
        score=20,
    )
    await LeadMember.create(lead=disqualified, user=users["admin@northwind"], role=MemberRole.PARTICIPANT)
    await lead(
        partner_rep,
        "CRM modernisation",
        "Stark Industries",
        ("Pepper", "Potts"),
        partner=northwind,
        stored_acceptance=LeadAcceptance.PENDING,
        acceptance_deadline=now + timedelta(days=14),
        score=90,
        estimated_amount=Decimal("300000.00"),
    )
    await lead(vendor_rep, "Support renewal", "Wayne Enterprises", ("Lucius", "Fox"), score=65)
    for partner_user, topic, customer in (
        (partner_rep, "Warehouse automation", "Soylent Corp"),
        (users["user@fabrikam"], "Warehouse robotics", "Soylent Corporation"),
    ):
        await lead(
            partner_user,
            topic,
            customer,
            ("Sol", "Roth"),
            partner=northwind,
            stored_acceptance=LeadAcceptance.ACCEPTED,
            status=LeadStatus.WORKING_CONTACTED,
            score=60,
        )

    account = await Account.create(
        name="Cyberdyne Systems",
        website="https://www.cyberdyne.example",
        industry="Robotics",
        company=northwind,
        created_by=vendor_rep,
    )
    contact = await Contact.create(
        first_name="Miles",
        last_name="Dyson",
        email="miles.dyson@cyberdyne.example",
        job_title="CTO",
        account=account,
        company=northwind,
        created_by=vendor_rep,
    )
    converted = await lead(
        vendor_rep,
        "AI platform",
        "Cyberdyne Systems",
        ("Miles", "Dyson"),
        partner=contoso,
        stored_acceptance=LeadAcceptance.ACCEPTED,
        status=LeadStatus.CLOSED_CONVERTED,
        is_converted=True,
        converted_at=now - timedelta(days=3),
        converted_by=vendor_rep,
        converted_account=account,
        converted_contact=contact,
        score=95,
        estimated_amount=Decimal("500000.00"),
    )

    async def opportunity(name: str, stage: str, amount: str, **fields: Any) -> Opportunity:
        record = await Opportunity.create(
            name=name,
            stage=stages[stage],
            amount=Decimal(amount),
            currency="USD",
            close_date=date.today() + timedelta(days=45),
            sourced_by=northwind,
            owner=vendor_rep,
            **fields,
        )
        await OpportunityMember.create(opportunity=record, user=vendor_rep, role=MemberRole.OWNER)
        return record

    standard = await OpportunityTemplate.get(company_id=None, is_default=True)
    won = await opportunity(
        "Cyberdyne AI platform",
        "Negotiation/Review",
        "500000.00",
        account=account,
        contact=contact,
        partner=contoso,
        template=standard,
    )
    await OpportunityMember.create(opportunity=won, user=partner_rep, role=MemberRole.COLLABORATOR)
    await OpportunityMember.create(opportunity=won, user=users["user@fabrikam"], role=MemberRole.PARTICIPANT)
    await LeadOpportunity.create(lead=converted, opportunity=won, created_by_conversion=True, actor=vendor_rep)
    await ConversionEvent.create(
        kind=ConversionEventKind.CONVERTED,
        lead=converted,
        opportunity=won,
        account=account,
        contact=contact,
        actor=vendor_rep,
    )
    await won.sales_plans.add(plan)
    await opportunity("Cyberdyne support", "Prospecting", "40000.00", account=account)
    await opportunity("Globex pilot", "Value Proposition", "60000.00", partner=contoso)
    await opportunity("Initech licences", "Closed Won", "25000.00", probability_override=100)
    await opportunity("Umbrella upgrade", "Closed Lost", "90000.00", partner=fabrikam)
