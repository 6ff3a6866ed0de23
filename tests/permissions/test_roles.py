"""What each role may do, and which role a viewer holds on a record."""

import pytest

from models import DomainError, User
from models.enums import MemberRole
from permissions.roles import (
    Action,
    AdminAction,
    effective_role,
    may,
    may_answer,
    may_read_crm_account,
    may_share,
    policy_role,
    require_admin,
)

VIEWER, PARTICIPANT, COLLABORATOR, OWNER = (
    MemberRole.VIEWER,
    MemberRole.PARTICIPANT,
    MemberRole.COLLABORATOR,
    MemberRole.OWNER,
)

ALLOWED = {
    VIEWER: {Action.READ, Action.READ_MONEY},
    PARTICIPANT: {Action.READ, Action.LOG_ACTIVITY},
    COLLABORATOR: {Action.READ, Action.READ_MONEY, Action.LOG_ACTIVITY, Action.UPDATE, Action.CONVERT, Action.RESPOND},
    OWNER: set(Action),
}


@pytest.mark.parametrize("role", list(MemberRole), ids=lambda role: role.value)
@pytest.mark.parametrize("action", list(Action), ids=lambda action: action.value)
def test_may_allows_exactly_the_actions_of_each_role(role, action):
    assert may(role, action) is (action in ALLOWED[role])


@pytest.mark.parametrize("action", list(Action), ids=lambda action: action.value)
def test_no_role_may_do_nothing(action):
    assert may(None, action) is False


def test_the_table_covers_every_role_and_action():
    assert set(ALLOWED) == set(MemberRole)
    assert {action for actions in ALLOWED.values() for action in actions} == set(Action)


def test_roles_rank_from_viewer_to_owner():
    assert [role.rank for role in (VIEWER, PARTICIPANT, COLLABORATOR, OWNER)] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("is_admin", "company_policies", "expected"),
    [
        (False, [], None),
        (True, [], OWNER),
        (True, [VIEWER], OWNER),
        (False, [VIEWER], VIEWER),
        (False, [PARTICIPANT, VIEWER], PARTICIPANT),
        (False, [VIEWER, COLLABORATOR, PARTICIPANT], COLLABORATOR),
        (False, [OWNER], OWNER),
    ],
)
def test_policy_role_is_owner_for_admins_else_the_highest_company_policy(is_admin, company_policies, expected):
    assert policy_role(is_admin, company_policies) is expected


VIEWER_COMPANY = 1
OTHER_COMPANY = 2
THIRD_COMPANY = 3


@pytest.mark.parametrize(
    ("direct", "viewer_policy_role", "sourced_by_id", "partner_id", "expected"),
    [
        (None, None, VIEWER_COMPANY, None, None),
        (VIEWER, None, OTHER_COMPANY, None, VIEWER),
        (None, COLLABORATOR, VIEWER_COMPANY, None, COLLABORATOR),
        (None, COLLABORATOR, OTHER_COMPANY, VIEWER_COMPANY, COLLABORATOR),
        (None, OWNER, OTHER_COMPANY, THIRD_COMPANY, None),
        (None, OWNER, OTHER_COMPANY, None, None),
        (PARTICIPANT, OWNER, OTHER_COMPANY, None, PARTICIPANT),
        (PARTICIPANT, VIEWER, VIEWER_COMPANY, None, PARTICIPANT),
        (VIEWER, COLLABORATOR, OTHER_COMPANY, VIEWER_COMPANY, COLLABORATOR),
        (OWNER, VIEWER, VIEWER_COMPANY, OTHER_COMPANY, OWNER),
    ],
    ids=[
        "nothing",
        "direct only",
        "policy on a sourced record",
        "policy on a partnered record",
        "policy of an uninvolved company",
        "policy on a record without partner",
        "direct on an uninvolved record",
        "direct above policy",
        "policy above direct",
        "owner direct",
    ],
)
def test_effective_role_is_the_highest_of_direct_and_an_applying_policy(
    direct, viewer_policy_role, sourced_by_id, partner_id, expected
):
    role = effective_role(
        direct=direct,
        viewer_policy_role=viewer_policy_role,
        viewer_company_id=VIEWER_COMPANY,
        sourced_by_id=sourced_by_id,
        partner_id=partner_id,
    )

    assert role is expected


ADMIN_REFUSALS = {
    AdminAction.CHANGE_TEMPLATES: "Only company admins may change templates and conversion settings",
    AdminAction.CREATE_ACCESS_POLICY: "Only company admins may create access policies",
    AdminAction.CREATE_SALES_PLAN: "Only company admins may create a sales plan",
    AdminAction.CREATE_SOLUTION: "Only company admins may create a solution",
    AdminAction.CREATE_PARTNER_PROGRAM: "Only company admins may create a partner program",
}


@pytest.mark.parametrize(("action", "message"), list(ADMIN_REFUSALS.items()), ids=lambda value: str(value))
def test_only_company_admins_may_take_admin_actions(action, message):
    require_admin(User(is_admin=True), action)

    with pytest.raises(DomainError) as refused:
        require_admin(User(is_admin=False), action)

    assert (refused.value.code, refused.value.message, refused.value.field) == ("FORBIDDEN", message, None)


def test_every_admin_action_has_its_refusal_tested():
    assert set(ADMIN_REFUSALS) == set(AdminAction)


@pytest.mark.parametrize(
    ("role", "viewer_company_id", "expected"),
    [
        (OWNER, VIEWER_COMPANY, True),
        (OWNER, OTHER_COMPANY, False),
        (COLLABORATOR, VIEWER_COMPANY, False),
        (PARTICIPANT, VIEWER_COMPANY, False),
        (VIEWER, VIEWER_COMPANY, False),
        (None, VIEWER_COMPANY, False),
    ],
    ids=[
        "owner at the sourcing company",
        "owner at the partner company",
        "collaborator at the sourcing company",
        "participant at the sourcing company",
        "viewer at the sourcing company",
        "no role",
    ],
)
def test_only_an_owner_at_the_sourcing_company_may_share_a_lead(role, viewer_company_id, expected):
    assert may_share(role, viewer_company_id=viewer_company_id, sourced_by_id=VIEWER_COMPANY) is expected


@pytest.mark.parametrize(
    ("sourced_by_id", "partner_id", "expected"),
    [
        (OTHER_COMPANY, VIEWER_COMPANY, True),
        (VIEWER_COMPANY, OTHER_COMPANY, False),
        (OTHER_COMPANY, THIRD_COMPANY, False),
        (OTHER_COMPANY, None, False),
        (VIEWER_COMPANY, VIEWER_COMPANY, False),
    ],
    ids=[
        "shared with the viewer's company",
        "shared by the viewer's company",
        "shared with another company",
        "not shared",
        "its own company as partner",
    ],
)
def test_only_the_partner_company_a_lead_is_shared_with_may_answer_it(sourced_by_id, partner_id, expected):
    assert may_answer(VIEWER_COMPANY, sourced_by_id=sourced_by_id, partner_id=partner_id) is expected


def test_a_company_section_s_crm_account_is_read_by_its_own_company_only():
    assert may_read_crm_account(VIEWER_COMPANY, VIEWER_COMPANY) is True
    assert may_read_crm_account(VIEWER_COMPANY, OTHER_COMPANY) is False
