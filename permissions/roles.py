"""Roles and what each may do (CONTRACT.md section 5)."""

from enum import Enum
from typing import TypeGuard

from models.enums import MemberRole


class Action(str, Enum):
    READ = "READ"
    READ_MONEY = "READ_MONEY"
    LOG_ACTIVITY = "LOG_ACTIVITY"
    UPDATE = "UPDATE"
    CONVERT = "CONVERT"
    UNDO_CONVERSION = "UNDO_CONVERSION"
    RESPOND = "RESPOND"
    MANAGE_MEMBERS = "MANAGE_MEMBERS"


MINIMUM_ROLE = {
    Action.READ: MemberRole.VIEWER,
    Action.LOG_ACTIVITY: MemberRole.PARTICIPANT,
    Action.UPDATE: MemberRole.COLLABORATOR,
    Action.CONVERT: MemberRole.COLLABORATOR,
    Action.UNDO_CONVERSION: MemberRole.OWNER,
    Action.RESPOND: MemberRole.COLLABORATOR,
    Action.MANAGE_MEMBERS: MemberRole.OWNER,
}


def may(role: MemberRole | None, action: Action) -> TypeGuard[MemberRole]:
    """Whether a viewer with this effective role may take the action; no role may do nothing."""
    if role is None:
        return False
    if action is Action.READ_MONEY:
        return role is not MemberRole.PARTICIPANT
    return role.rank >= MINIMUM_ROLE[action].rank


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
