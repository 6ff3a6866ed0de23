"""Direct memberships of leads and opportunities, and company access policies.

Each function takes records already loaded through a scope (the caller checked the viewer's
role and runs it in one transaction) and raises DomainError when the rules refuse it.
"""

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from models.enums import MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.membership import AccessPolicy, LeadMember, OpportunityMember
from models.opportunity import Opportunity
from models.user import User

Record = Lead | Opportunity
MemberRow = LeadMember | OpportunityMember


def require_editable(record: Record, field: list[str]) -> None:
    """A converted lead is read-only for members, company sections and catalog links."""
    if isinstance(record, Lead) and record.is_converted:
        raise DomainError(ErrorCode.LEAD_CONVERTED, "This lead is converted and can no longer be changed", field)


def _memberships(record: Record) -> QuerySet[LeadMember] | QuerySet[OpportunityMember]:
    if isinstance(record, Lead):
        return LeadMember.filter(lead_id=record.pk)
    return OpportunityMember.filter(opportunity_id=record.pk)


async def _membership_of(record: Record, user: User) -> MemberRow | None:
    return await _memberships(record).filter(user_id=user.pk).select_for_update().first()


async def _refuse_last_owner(record: Record, membership: MemberRow, field: list[str]) -> None:
    if membership.role != MemberRole.OWNER:
        return
    other_owners = await _memberships(record).filter(role=MemberRole.OWNER).exclude(id=membership.pk).count()
    if other_owners == 0:
        raise DomainError(ErrorCode.LAST_OWNER, "A record keeps at least one direct OWNER", field)


async def add_member(record: Record, user: User, role: MemberRole) -> MemberRow:
    """Make the user a direct member; CONFLICT when they already are one."""
    require_editable(record, ["leadId"])
    if await _membership_of(record, user) is not None:
        raise DomainError(
            ErrorCode.CONFLICT, f"{user.email} is already a member; change their role instead", ["userId"]
        )
    if isinstance(record, Lead):
        return await LeadMember.create(lead_id=record.pk, user_id=user.pk, role=role)
    return await OpportunityMember.create(opportunity_id=record.pk, user_id=user.pk, role=role)


async def change_member(record: Record, user: User, role: MemberRole) -> MemberRow:
    """Change a direct member's role; the last direct OWNER cannot be demoted."""
    require_editable(record, ["leadId"])
    membership = await _membership_of(record, user)
    if membership is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"{user.email} is not a direct member", ["userId"])
    if role != MemberRole.OWNER:
        await _refuse_last_owner(record, membership, ["role"])
    membership.role = role
    await membership.save(update_fields=["role"])
    return membership


async def remove_member(record: Record, user: User) -> None:
    """End a direct membership; the last direct OWNER cannot be removed."""
    require_editable(record, ["leadId"])
    membership = await _membership_of(record, user)
    if membership is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"{user.email} is not a direct member", ["userId"])
    await _refuse_last_owner(record, membership, ["userId"])
    await membership.delete()


async def create_access_policy(viewer: User, role: MemberRole) -> AccessPolicy:
    """A policy giving every user of the admin's company the role on the company's records (the
    caller checked that the viewer is an admin)."""
    if await AccessPolicy.filter(company_id=viewer.company_id, role=role).exists():
        raise DomainError(ErrorCode.CONFLICT, f"Your company already has a {role.value} policy", ["role"])
    try:
        return await AccessPolicy.create(company_id=viewer.company_id, role=role, created_by_id=viewer.pk)
    except IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, f"Your company already has a {role.value} policy", ["role"]) from None
