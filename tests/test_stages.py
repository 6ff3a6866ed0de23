"""The `stages` query and stage nodes: the nine default stages of issue 3, in order."""

from models import OpportunityStage
from tests.factories import client_as, gid, graphql, make_user

STAGES = """
query { stages { nodes { id name probability forecastCategory isClosed isWon sortOrder } totalCount } }
"""
NODE = """
query ($id: ID!) { node(id: $id) { ... on OpportunityStage { name probability } } }
"""

DEFAULT_STAGES = [
    ("Prospecting", 10, "PIPELINE", False, False),
    ("Qualification", 20, "PIPELINE", False, False),
    ("Needs Analysis", 25, "PIPELINE", False, False),
    ("Value Proposition", 50, "BEST_CASE", False, False),
    ("Decision Makers Identified", 60, "BEST_CASE", False, False),
    ("Proposal/Price Quote", 75, "COMMIT", False, False),
    ("Negotiation/Review", 90, "COMMIT", False, False),
    ("Closed Won", 100, "CLOSED", True, True),
    ("Closed Lost", 0, "OMITTED", True, False),
]


async def test_stages_are_the_nine_defaults_in_sales_order(anonymous_client):
    user = await make_user()
    stored = {stage.name: stage for stage in await OpportunityStage.all()}

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, STAGES)

    assert body == {
        "data": {
            "stages": {
                "nodes": [
                    {
                        "id": gid(stored[name]),
                        "name": name,
                        "probability": probability,
                        "forecastCategory": category,
                        "isClosed": is_closed,
                        "isWon": is_won,
                        "sortOrder": sort_order,
                    }
                    for sort_order, (name, probability, category, is_closed, is_won) in enumerate(
                        DEFAULT_STAGES, start=1
                    )
                ],
                "totalCount": len(DEFAULT_STAGES),
            }
        }
    }


async def test_stages_follow_their_sort_order_not_their_insertion_order(anonymous_client):
    user = await make_user()
    first = await OpportunityStage.get(name="Prospecting")
    last = await OpportunityStage.get(name="Closed Lost")
    first.sort_order, last.sort_order = 100, 0
    await last.save()
    await first.save()

    async with client_as(anonymous_client, user) as client:
        names = [stage["name"] for stage in (await graphql(client, STAGES))["data"]["stages"]["nodes"]]

    assert names[0] == "Closed Lost"
    assert names[-1] == "Prospecting"


async def test_a_stage_is_a_node(anonymous_client):
    user = await make_user()
    stage = await OpportunityStage.get(name="Value Proposition")

    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, NODE, {"id": gid(stage)})

    assert body == {"data": {"node": {"name": "Value Proposition", "probability": 50}}}
