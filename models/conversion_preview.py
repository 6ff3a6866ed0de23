"""The conversion preview: what a conversion with the defaults would create, link and copy, and
what stands in the way, without writing anything."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.account import Account, Contact
from models.conversion import (
    ConversionScopes,
    account_draft,
    check_convertible,
    contact_draft,
    duplicate_accounts,
    duplicate_contacts,
    opportunity_fields,
    settings_for,
)
from models.enums import MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.membership import LeadMember
from models.opportunity import LeadOpportunity, Opportunity, OpportunityStage
from models.relations import related
from models.rows import Scope
from models.section import LeadCompanySection
from models.template import OpportunityTemplate
from models.user import User

LINKABLE_OPPORTUNITIES = 50


@dataclass
class PreviewScopes:
    """What the viewer may see, from the permissions layer: duplicates and linkable opportunities
    are looked for there."""

    accounts: Scope
    contacts: Scope
    opportunities: QuerySet[Opportunity]


@dataclass
class PreviewMember:
    user: User
    role: MemberRole


@dataclass
class Preview:
    """What convertLead would do with the defaults, without writing anything."""

    lead: Lead
    template: OpportunityTemplate
    account: dict[str, Any]
    contact: dict[str, Any]
    opportunity: dict[str, Any]
    stage: OpportunityStage | None
    members: list[PreviewMember]
    sales_plans: list[Any]
    solutions: list[Any]
    partner_programs: list[Any]
    activity_count: int
    company_sections: list[LeadCompanySection]
    duplicate_accounts: list[Account]
    duplicate_contacts: list[Contact]
    linkable_opportunities: list[Opportunity]
    blockers: list[DomainError]


def _draft_or_error(build: Any) -> tuple[dict[str, Any], list[DomainError]]:
    try:
        return build(), []
    except DomainError as error:
        return {}, [error]


async def preview_conversion(
    lead: Lead,
    viewer: User,
    template: OpportunityTemplate,
    *,
    refused: DomainError | None,
    money_readable: bool,
    scopes: PreviewScopes,
) -> Preview:
    """The preview of the (visible) lead with the template. `refused` is why the viewer may not
    convert it, if so: the first blocker; the drafted amount is None unless `money_readable`."""
    blockers = [refused] if refused is not None else []
    settings = await settings_for(viewer.company_id)
    if lead.is_converted:
        blockers.append(
            DomainError(
                ErrorCode.ALREADY_CONVERTED,
                "The lead is already converted: only more opportunities can be added",
                ["leadId"],
            )
        )
    else:
        try:
            check_convertible(lead, settings, datetime.now(UTC))
        except DomainError as error:
            blockers.append(error)
    account, errors = _draft_or_error(lambda: account_draft(lead, {}))
    blockers += errors
    contact, errors = _draft_or_error(lambda: contact_draft(lead, {}))
    blockers += errors
    opportunity, errors = _draft_or_error(lambda: opportunity_fields(lead, template, {}))
    blockers += errors
    if not money_readable:
        opportunity["amount"] = None
    stage = (
        await related(template.default_stage)
        if template.default_stage_id
        else await OpportunityStage.all().order_by("sort_order").first()
    )
    members = []
    if template.copy_members:
        members = [
            PreviewMember(user=member.user, role=MemberRole(member.role))
            for member in await LeadMember.filter(lead_id=lead.id).select_related("user")
        ]
        members.sort(key=lambda member: (-member.role.rank, member.user.name.casefold(), member.user.pk))
    await lead.fetch_related("sales_plans", "solutions", "partner_programs")
    linked = Subquery(LeadOpportunity.filter(lead_id=lead.id).values("opportunity_id"))
    duplicates_in = ConversionScopes(accounts=scopes.accounts, contacts=scopes.contacts)
    return Preview(
        lead=lead,
        template=template,
        account=account,
        contact=contact,
        opportunity=opportunity,
        stage=stage,
        members=members,
        sales_plans=list(lead.sales_plans) if template.copy_links else [],
        solutions=list(lead.solutions) if template.copy_links else [],
        partner_programs=list(lead.partner_programs) if template.copy_links else [],
        activity_count=await lead.activities.all().count() if template.copy_links else 0,
        company_sections=list(await LeadCompanySection.filter(lead_id=lead.id))
        if template.copy_company_sections
        else [],
        duplicate_accounts=await duplicate_accounts(duplicates_in, account.get("name"), account.get("website")),
        duplicate_contacts=await duplicate_contacts(duplicates_in, contact.get("email")),
        linkable_opportunities=list(
            await scopes.opportunities.exclude(id__in=linked)
            .order_by("-updated_at", "-id")
            .limit(LINKABLE_OPPORTUNITIES)
        ),
        blockers=blockers,
    )
