"""The SQL forms of the permission rules agree with the rules record by record."""

import inspect

import pytest

from models import LeadMember, MemberRole, User
from models.rows import select_rows
from permissions import roles, scopes
from permissions.roles import Action
from tests.factories import add_member, make_company, make_opportunity, make_policy, make_user

POLICY_SETUPS = {
    "no policy": (False, []),
    "viewer policy": (False, [MemberRole.VIEWER]),
    "participant policy": (False, [MemberRole.PARTICIPANT]),
    "collaborator policy": (False, [MemberRole.COLLABORATOR]),
    "owner policy": (False, [MemberRole.OWNER]),
    "admin": (True, []),
    "admin with a participant policy": (True, [MemberRole.PARTICIPANT]),
}


@pytest.mark.parametrize(("is_admin", "policies"), list(POLICY_SETUPS.values()), ids=list(POLICY_SETUPS))
async def test_money_is_readable_in_sql_exactly_where_the_role_may_read_it(anonymous_client, is_admin, policies):
    home, other, third = await make_company(), await make_company(), await make_company()
    viewer = await make_user(company=home, is_admin=is_admin)
    for role in policies:
        await make_policy(home, role)
    owner = await make_user(company=other)
    involvements = {
        "sourced by the viewer's company": {"sourced_by_id": home.id},
        "partnered with the viewer's company": {"partner_id": home.id},
        "of other companies": {"partner_id": third.id},
        "of another company alone": {},
    }
    expected_role = {}
    policy_role = roles.policy_role(is_admin, policies)
    for direct in (None, *MemberRole):
        for involvement in involvements.values():
            opportunity = await make_opportunity(owner, **involvement)
            if direct is not None:
                await add_member(opportunity, viewer, direct)
            expected_role[opportunity.id] = roles.effective_role(
                direct=direct,
                viewer_policy_role=policy_role,
                viewer_company_id=home.id,
                sourced_by_id=opportunity.sourced_by_id,
                partner_id=opportunity.partner_id,
            )
    visible = scopes.visible_opportunities(viewer)

    readable = await visible.filter(scopes.money_readable_opportunities(viewer, policy_role)).values_list(
        "id", flat=True
    )
    hidden = await visible.filter(scopes.money_hidden_opportunities(viewer, policy_role)).values_list("id", flat=True)

    assert sorted(readable) == sorted(pk for pk, role in expected_role.items() if roles.may(role, Action.READ_MONEY))
    assert sorted(hidden) == sorted(pk for pk, role in expected_role.items() if role is MemberRole.PARTICIPANT)
    assert sorted(await visible.values_list("id", flat=True)) == sorted(
        pk for pk, role in expected_role.items() if role is not None
    )


async def test_policy_holders_are_the_admins_of_the_companies_and_the_users_of_those_with_policies(
    anonymous_client,
):
    without_policy, with_policy, elsewhere = await make_company(), await make_company(), await make_company()
    admin = await make_user(company=without_policy, is_admin=True)
    await make_user(company=without_policy)
    covered = [await make_user(company=with_policy), await make_user(company=with_policy, is_admin=True)]
    await make_user(company=elsewhere, is_admin=True)

    holders = await select_rows(
        User.all(), scopes.policy_holders([without_policy.id, with_policy.id], [with_policy.id])
    )

    assert sorted(holder.pk for holder in holders) == sorted([admin.id, *(user.id for user in covered)])
    assert await select_rows(User.all(), scopes.policy_holders([], [])) == []


def test_every_scope_is_the_scope_of_its_model_for_lookups():
    scope_functions = {
        function
        for name, function in inspect.getmembers(scopes, inspect.isfunction)
        if name.startswith("visible_") and function.__module__ == scopes.__name__
    }

    assert set(scopes.SCOPES.values()) == scope_functions
    assert all(
        inspect.signature(function).return_annotation.__args__[0] is model for model, function in scopes.SCOPES.items()
    )


def test_a_model_without_a_scope_has_nothing_to_look_up():
    with pytest.raises(KeyError):
        scopes.visible(User(is_admin=False), LeadMember)


async def test_a_scope_as_sql_reads_what_the_scope_reads_for_each_viewer(anonymous_client):
    home, other = await make_company(), await make_company()
    viewer, colleague = await make_user(company=home), await make_user(company=home)
    outsider = await make_user(company=other)
    await make_policy(home, MemberRole.VIEWER)
    await make_policy(other, MemberRole.OWNER)

    async def policies_seen_by(user: User) -> list[int]:
        scope = scopes.as_sql(scopes.visible_access_policies, user)
        return [row.company_id for row in await select_rows(scope, [{"role": list(MemberRole)}])]

    assert [await policies_seen_by(user) for user in (viewer, colleague, outsider)] == [
        [home.pk],
        [home.pk],
        [other.pk],
    ]
    assert scopes.as_sql(scopes.visible_access_policies, viewer) is scopes.as_sql(
        scopes.visible_access_policies, viewer
    )
    assert scopes.as_sql(scopes.users_of_visible_records, viewer).ids is None


async def test_a_scope_as_sql_may_read_nothing_else_of_its_viewer(anonymous_client):
    viewer = await make_user()

    def by_email(user: User):
        return User.filter(email=user.email)

    with pytest.raises(AttributeError, match="email"):
        scopes.as_sql(by_email, viewer)


@pytest.mark.parametrize("is_admin", [False, True])
async def test_a_scope_with_subqueries_as_sql_holds_what_its_queryset_holds(anonymous_client, is_admin):
    """The scope's values, in its subqueries too, are parameters of the statement that reads it."""
    home, partner, other = await make_company(), await make_company(), await make_company()
    viewer = await make_user(company=home, is_admin=is_admin)
    owner, stranger = await make_user(company=partner), await make_user(company=other)
    await make_policy(home, MemberRole.VIEWER)
    shared = await make_opportunity(owner, partner=home)
    joined = await make_opportunity(stranger)
    await add_member(joined, viewer, MemberRole.PARTICIPANT)
    unseen = await make_opportunity(stranger)
    every = [shared.pk, joined.pk, unseen.pk]

    rows = await select_rows(scopes.as_sql(scopes.visible_opportunities, viewer), [{"id": every}], order_by=["id"])

    expected = [pk for pk in every if await scopes.visible_opportunities(viewer).filter(id=pk).exists()]
    assert [row.pk for row in rows] == expected == [shared.pk, joined.pk]
