"""The viewer's effective role on leads and opportunities, and loading a record for an action."""

from collections.abc import Sequence

from models import DomainError, Lead, LeadMember, MemberRole, Opportunity, OpportunityMember, User
from permissions import roles, scopes
from permissions.roles import Action
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.loaders import DataLoader


def direct_lead_role_loader(viewer: User) -> DataLoader[int, MemberRole | None]:
    async def load(lead_ids: Sequence[int]) -> list[MemberRole | None]:
        found = {
            member.lead_id: MemberRole(member.role)
            for member in await LeadMember.filter(user_id=viewer.id, lead_id__in=list(lead_ids))
        }
        return [found.get(lead_id) for lead_id in lead_ids]

    return DataLoader(load_fn=load)


def direct_opportunity_role_loader(viewer: User) -> DataLoader[int, MemberRole | None]:
    async def load(opportunity_ids: Sequence[int]) -> list[MemberRole | None]:
        found = {
            member.opportunity_id: MemberRole(member.role)
            for member in await OpportunityMember.filter(user_id=viewer.id, opportunity_id__in=list(opportunity_ids))
        }
        return [found.get(opportunity_id) for opportunity_id in opportunity_ids]

    return DataLoader(load_fn=load)


async def role_on(context: Context, record: Lead | Opportunity) -> MemberRole | None:
    """The viewer's effective role on a lead or an opportunity (None: it is invisible to them)."""
    factory = direct_lead_role_loader if isinstance(record, Lead) else direct_opportunity_role_loader
    direct = await context.loaders.get(factory).load(record.pk)
    return roles.effective_role(
        direct=direct,
        viewer_policy_role=await context.loaders.policy_role(),
        viewer_company_id=context.viewer.company_id,
        sourced_by_id=record.sourced_by_id,
        partner_id=record.partner_id,
    )


async def roles_on(context: Context, records: Sequence[Lead | Opportunity]) -> list[MemberRole | None]:
    """`role_on` for many records of one kind, in one batch."""
    if not records:
        return []
    factory = direct_lead_role_loader if isinstance(records[0], Lead) else direct_opportunity_role_loader
    direct = await context.loaders.get(factory).load_many([record.pk for record in records])
    viewer_policy_role = await context.loaders.policy_role()
    return [
        roles.effective_role(
            direct=role,
            viewer_policy_role=viewer_policy_role,
            viewer_company_id=context.viewer.company_id,
            sourced_by_id=record.sourced_by_id,
            partner_id=record.partner_id,
        )
        for record, role in zip(records, direct, strict=True)
    ]


async def require_lead(
    context: Context, lead_id: str, action: Action, field: list[str] | None = None
) -> tuple[Lead, MemberRole]:
    """The lead for an action, locked for update where the database can: NOT_FOUND when the
    viewer cannot see it, FORBIDDEN when their role does not allow the action, ALREADY_MERGED
    when it was merged into another lead (a merged lead takes no action). Call inside a
    transaction."""
    field = field or ["leadId"]
    pk = decode_id(lead_id, "Lead", field)
    lead = await scopes.visible_leads(context.viewer).filter(id=pk).select_for_update().first()
    if lead is None:
        raise DomainError("NOT_FOUND", f"No Lead with ID '{lead_id}'", field)
    role = await role_on(context, lead)
    if not roles.may(role, action):
        raise DomainError(
            "FORBIDDEN", f"Your role on this lead ({role.value if role else 'none'}) does not allow this", field
        )
    if lead.merged_into_id is not None:
        raise DomainError("ALREADY_MERGED", "The lead was merged into another lead and is read-only", field)
    return lead, role


async def require_opportunity(
    context: Context, opportunity_id: str, action: Action, field: list[str] | None = None
) -> tuple[Opportunity, MemberRole]:
    """Like `require_lead`, for an opportunity."""
    field = field or ["opportunityId"]
    pk = decode_id(opportunity_id, "Opportunity", field)
    opportunity = await scopes.visible_opportunities(context.viewer).filter(id=pk).select_for_update().first()
    if opportunity is None:
        raise DomainError("NOT_FOUND", f"No Opportunity with ID '{opportunity_id}'", field)
    role = await role_on(context, opportunity)
    if not roles.may(role, action):
        raise DomainError(
            "FORBIDDEN", f"Your role on this opportunity ({role.value if role else 'none'}) does not allow this", field
        )
    return opportunity, role
