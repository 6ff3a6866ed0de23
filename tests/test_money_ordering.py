"""Ordering opportunities by amount tells a viewer nothing about an amount their role may not read:
such an opportunity sorts with those that have no amount, in the order and in its cursor."""

import base64
from decimal import Decimal

from models import MemberRole, Opportunity
from tests.factories import add_member, client_as, graphql, make_company, make_opportunity, make_policy, make_user

BY_AMOUNT = """
query ($direction: OrderDirection!, $first: Int, $after: String, $last: Int, $before: String) {
  opportunities(first: $first, after: $after, last: $last, before: $before, orderBy: {field: AMOUNT, direction: $direction}) {
    edges { cursor node { name amount } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


class Pipeline:
    """Four opportunities of one owner: Small (100), Hidden (200, the viewer is a PARTICIPANT),
    Large (300) and Unpriced (no amount), created in that order; the viewer, of another company,
    is a VIEWER on the three others."""

    async def build(self) -> None:
        self.owner = await make_user()
        self.viewer = await make_user(company=await make_company())
        self.small = await make_opportunity(self.owner, name="Small", amount=Decimal("100.00"))
        self.hidden = await make_opportunity(self.owner, name="Hidden", amount=Decimal("200.00"))
        self.large = await make_opportunity(self.owner, name="Large", amount=Decimal("300.00"))
        self.unpriced = await make_opportunity(self.owner, name="Unpriced", amount=None)
        for opportunity in (self.small, self.large, self.unpriced):
            await add_member(opportunity, self.viewer, MemberRole.VIEWER)
        await add_member(self.hidden, self.viewer, MemberRole.PARTICIPANT)


def names(body: dict) -> list[str]:
    return [edge["node"]["name"] for edge in body["data"]["opportunities"]["edges"]]


async def page_through(client, direction: str, *, backward: bool) -> list[str]:
    """Every name, one opportunity per page, forwards from the start or backwards from the end."""
    seen: list[str] = []
    cursor = None
    while True:
        variables = (
            {"direction": direction, "last": 1, "before": cursor}
            if backward
            else {"direction": direction, "first": 1, "after": cursor}
        )
        body = await graphql(client, BY_AMOUNT, variables)
        assert "errors" not in body, body["errors"]
        page = body["data"]["opportunities"]
        seen = names(body) + seen if backward else seen + names(body)
        more = page["pageInfo"]["hasPreviousPage"] if backward else page["pageInfo"]["hasNextPage"]
        if not more:
            return seen
        cursor = page["pageInfo"]["startCursor"] if backward else page["pageInfo"]["endCursor"]


def decoded(cursor: str) -> str:
    body = cursor.split(".")[0]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


async def test_a_participant_sees_a_hidden_amount_sorted_among_the_opportunities_without_one(anonymous_client):
    pipeline = Pipeline()
    await pipeline.build()

    async with client_as(anonymous_client, pipeline.viewer) as viewer_client:
        descending = await graphql(viewer_client, BY_AMOUNT, {"direction": "DESC"})
        ascending = await graphql(viewer_client, BY_AMOUNT, {"direction": "ASC"})

    assert names(descending) == ["Large", "Small", "Unpriced", "Hidden"]
    assert names(ascending) == ["Small", "Large", "Hidden", "Unpriced"]
    assert [edge["node"]["amount"] for edge in descending["data"]["opportunities"]["edges"]] == [
        "300.00",
        "100.00",
        None,
        None,
    ]


async def test_a_participants_cursors_are_the_same_whatever_the_hidden_amount(anonymous_client):
    pipeline = Pipeline()
    await pipeline.build()

    async with client_as(anonymous_client, pipeline.viewer) as viewer_client:
        with_amount = await graphql(viewer_client, BY_AMOUNT, {"direction": "DESC"})
        await Opportunity.filter(id=pipeline.hidden.pk).update(amount=Decimal("999999.00"))
        with_another_amount = await graphql(viewer_client, BY_AMOUNT, {"direction": "DESC"})
        await Opportunity.filter(id=pipeline.hidden.pk).update(amount=None)
        without_amount = await graphql(viewer_client, BY_AMOUNT, {"direction": "DESC"})

    assert with_amount == with_another_amount == without_amount
    hidden_cursor = with_amount["data"]["opportunities"]["edges"][3]["cursor"]
    assert "200" not in decoded(hidden_cursor)


async def test_a_participant_pages_across_a_hidden_amount_consistently_both_ways(anonymous_client):
    pipeline = Pipeline()
    await pipeline.build()

    async with client_as(anonymous_client, pipeline.viewer) as viewer_client:
        forwards = {
            direction: await page_through(viewer_client, direction, backward=False) for direction in ("DESC", "ASC")
        }
        backwards = {
            direction: await page_through(viewer_client, direction, backward=True) for direction in ("DESC", "ASC")
        }

    assert (
        forwards
        == backwards
        == {
            "DESC": ["Large", "Small", "Unpriced", "Hidden"],
            "ASC": ["Small", "Large", "Hidden", "Unpriced"],
        }
    )


async def test_an_owner_sorts_by_the_real_amounts(anonymous_client):
    pipeline = Pipeline()
    await pipeline.build()

    async with client_as(anonymous_client, pipeline.owner) as owner_client:
        descending = await graphql(owner_client, BY_AMOUNT, {"direction": "DESC"})
        pages = await page_through(owner_client, "ASC", backward=True)

    assert names(descending) == ["Large", "Hidden", "Small", "Unpriced"]
    assert pages == ["Small", "Hidden", "Large", "Unpriced"]
    assert "200" in decoded(descending["data"]["opportunities"]["edges"][1]["cursor"])


async def test_money_hidden_through_a_participant_policy_sorts_with_no_amount_unless_a_higher_direct_role_reads_it(
    anonymous_client,
):
    vendor, partner = await make_company(), await make_company()
    owner = await make_user(company=vendor)
    partner_user = await make_user(company=partner)
    await make_policy(partner, MemberRole.PARTICIPANT)
    through_policy = await make_opportunity(
        owner, name="Through policy", amount=Decimal("500.00"), partner_id=partner.pk
    )
    collaborating = await make_opportunity(owner, name="Collaborating", amount=Decimal("400.00"), partner_id=partner.pk)
    await add_member(collaborating, partner_user, MemberRole.COLLABORATOR)
    cheap = await make_opportunity(owner, name="Cheap", amount=Decimal("50.00"), partner_id=partner.pk)
    await add_member(cheap, partner_user, MemberRole.VIEWER)
    assert through_policy.pk < collaborating.pk < cheap.pk

    async with client_as(anonymous_client, partner_user) as partner_client:
        body = await graphql(partner_client, BY_AMOUNT, {"direction": "DESC"})

    assert [(edge["node"]["name"], edge["node"]["amount"]) for edge in body["data"]["opportunities"]["edges"]] == [
        ("Collaborating", "400.00"),
        ("Cheap", None),
        ("Through policy", None),
    ]


async def test_an_admin_who_is_a_direct_participant_of_an_opportunity_outside_the_company_sorts_it_without_amount(
    anonymous_client,
):
    owner = await make_user()
    admin_company = await make_company()
    admin = await make_user(company=admin_company, is_admin=True)
    outside = await make_opportunity(owner, name="Outside", amount=Decimal("900.00"))
    await add_member(outside, admin, MemberRole.PARTICIPANT)
    own = await make_opportunity(owner, name="Own", amount=Decimal("10.00"), partner_id=admin_company.pk)
    await add_member(own, admin, MemberRole.PARTICIPANT)

    async with client_as(anonymous_client, admin) as admin_client:
        body = await graphql(admin_client, BY_AMOUNT, {"direction": "DESC"})

    assert [(edge["node"]["name"], edge["node"]["amount"]) for edge in body["data"]["opportunities"]["edges"]] == [
        ("Own", "10.00"),
        ("Outside", None),
    ]
