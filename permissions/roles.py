"""Roles and what each may do (CONTRACT.md section 5)."""

from enum import Enum
from typing import TypeGuard

from models.enums import MemberRole
from models.errors import DomainError, ErrorCode
from models.user import User


class Action(str, Enum):
    READ = "READ"
    READ_MONEY = "READ_MONEY"
    LOG_ACTIVITY = "LOG_ACTIVITY"
    UPDATE = "UPDATE"
    CONVERT = "CONVERT"
    UNDO_CONVERSION = "UNDO_CONVERSION"
    RESPOND = "RESPOND"
    MANAGE_MEMBERS = "MANAGE_MEMBERS"
    MERGE_LEADS = "MERGE_LEADS"


MINIMUM_ROLE = {
    Action.READ: MemberRole.VIEWER,
    Action.LOG_ACTIVITY: MemberRole.PARTICIPANT,
    Action.UPDATE: MemberRole.COLLABORATOR,
    Action.CONVERT: MemberRole.COLLABORATOR,
    Action.UNDO_CONVERSION: MemberRole.OWNER,
    Action.RESPOND: MemberRole.COLLABORATOR,
    Action.MANAGE_MEMBERS: MemberRole.OWNER,
    Action.MERGE_LEADS: MemberRole.OWNER,
}


def may(role: MemberRole | None, action: Action) -> TypeGuard[MemberRole]:
    """Whether a viewer with this effective role may take the action; no role may do nothing."""
    if role is None:
        return False
    if action is Action.READ_MONEY:
        return role is not MemberRole.PARTICIPANT
    return role.rank >= MINIMUM_ROLE[action].rank


class AdminAction(str, Enum):
    """What only a company's admins may do, as a refusal names it."""

    CHANGE_TEMPLATES = "change templates and conversion settings"
    CREATE_ACCESS_POLICY = "create access policies"
    CREATE_SALES_PLAN = "create a sales plan"
    CREATE_SOLUTION = "create a solution"
    CREATE_PARTNER_PROGRAM = "create a partner program"


def require_admin(viewer: User, action: AdminAction) -> None:
    """Company-wide settings, catalogs and policies are for the company's admins: FORBIDDEN for
    any other user."""
    if not viewer.is_admin:
        raise DomainError(ErrorCode.FORBIDDEN, f"Only company admins may {action.value}", None)


def may_share(role: MemberRole | None, *, viewer_company_id: int, sourced_by_id: int) -> bool:
    """Whether the viewer may share a lead with a partner company, or give it a new acceptance
    deadline: only an OWNER of the lead (directly or through a policy) at its sourcing company."""
    return role is MemberRole.OWNER and viewer_company_id == sourced_by_id


def may_answer(viewer_company_id: int, *, sourced_by_id: int, partner_id: int | None) -> bool:
    """Whether the viewer's company is the partner a lead is shared with (a partner other than its
    sourcing company): the one company whose members may accept or reject it."""
    return partner_id is not None and partner_id != sourced_by_id and partner_id == viewer_company_id


def may_read_crm_account(viewer_company_id: int, section_company_id: int) -> bool:
    """Whether the viewer may read the CRM account of a company section: it is private to the
    company whose section it is."""
    return viewer_company_id == section_company_id


def highest(*roles: MemberRole | None) -> MemberRole | None:
    present = [role for role in roles if role is not None]
    return max(present, key=lambda role: role.rank) if present else None


def policy_role(is_admin: bool, company_policy_roles: list[MemberRole]) -> MemberRole | None:
    """The role a user holds through policies on records their company sources or partners on:
    OWNER for company admins (the built-in policy), else the highest company policy."""
    return highest(MemberRole.OWNER if is_admin else None, *company_policy_roles)


def effective_role(
    *,
    direct: MemberRole | None,
    viewer_policy_role: MemberRole | None,
    viewer_company_id: int,
    sourced_by_id: int,
    partner_id: int | None,
) -> MemberRole | None:
    """The highest of the direct membership and every policy that applies to the record."""
    involved = viewer_company_id in (sourced_by_id, partner_id)
    return highest(direct, viewer_policy_role if involved else None)
