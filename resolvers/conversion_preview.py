"""The conversion preview: what convertLead would do with the defaults, without writing anything."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Subquery

from models import (
    Account,
    Contact,
    DomainError,
    Lead,
    LeadCompanySection,
    LeadMember,
    LeadOpportunity,
    MemberRole,
    Opportunity,
    OpportunityStage,
    User,
)
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
from models.relations import related
from models.template import OpportunityTemplate
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.access import require_lead, role_on
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.templates import template_or_default


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


async def preview(context: Context, lead_id: str, template_id: str | None) -> Preview | None:
    """None when the lead is invisible; a lead the viewer may not convert still previews, with
    what stands in the way in `blockers`. The drafted amount is None for a viewer whose role on
    the lead may not read its money."""
    viewer = context.viewer
    try:
        pk = decode_id(lead_id, "Lead", ["leadId"])
    except DomainError:
        return None
    lead = await scopes.visible_leads(viewer).filter(id=pk).first()
    if lead is None:
        return None
    blockers: list[DomainError] = []
    try:
        await require_lead(context, lead_id, Action.CONVERT)
    except DomainError as error:
        blockers.append(error)
    settings = await settings_for(viewer.company_id)
    if lead.is_converted:
        blockers.append(
            DomainError(
                "ALREADY_CONVERTED", "The lead is already converted: only more opportunities can be added", ["leadId"]
            )
        )
    else:
        try:
            check_convertible(lead, settings, datetime.now(UTC))
        except DomainError as error:
            blockers.append(error)
    template = await template_or_default(context, template_id)
    account, errors = _draft_or_error(lambda: account_draft(lead, {}))
    blockers += errors
    contact, errors = _draft_or_error(lambda: contact_draft(lead, {}))
    blockers += errors
    opportunity, errors = _draft_or_error(lambda: opportunity_fields(lead, template, {}))
    blockers += errors
    if not roles.may(await role_on(context, lead), Action.READ_MONEY):
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
    conversion_scopes = ConversionScopes(
        accounts=scopes.visible_accounts(viewer), contacts=scopes.visible_contacts(viewer)
    )
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
        duplicate_accounts=await duplicate_accounts(conversion_scopes, account.get("name"), account.get("website")),
        duplicate_contacts=await duplicate_contacts(conversion_scopes, contact.get("email")),
        linkable_opportunities=list(
            await scopes.visible_opportunities(viewer).exclude(id__in=linked).order_by("-updated_at", "-id").limit(50)
        ),
        blockers=blockers,
    )
