"""Requests the planner cannot compile are answered, and charged, as the generic executor answers
and charges them."""

from dataclasses import replace

from tests.factories import client_as, make_user, serving

NULL_FOR_A_DEFAULTED_DIRECTIVE = "query ($shown: Boolean = true) { viewer @include(if: $shown) { id company { id } } }"


async def test_an_explicit_null_for_a_directive_variable_is_refused_and_charged_alike_on_both_paths(settings):
    """graphql-core refuses null for `@include(if:)` while collecting fields, which the planner
    does while compiling: the refusal and its cost must not depend on the path."""
    # A bucket that refills slowly enough that the time a request takes cannot show in what it
    # reports as left: both paths must report the same bytes.
    settings = replace(settings, rate_limit_capacity=1000, rate_limit_restore_rate=0.001)
    body = {"query": NULL_FOR_A_DEFAULTED_DIRECTIVE, "variables": {"shown": None}}
    async with serving(settings) as anonymous_client:
        user = await make_user()
        async with client_as(anonymous_client, user) as client:
            planned = await client.post("/graphql", json=body)
    async with (
        serving(replace(settings, planned_reads=False)) as anonymous_client,
        client_as(anonymous_client, user) as client,
    ):
        generic = await client.post("/graphql", json=body)

    assert planned.status_code == generic.status_code == 200
    assert planned.json()["errors"][0]["message"] == generic.json()["errors"][0]["message"]
    assert planned.json()["extensions"]["cost"] == generic.json()["extensions"]["cost"]
    assert planned.content == generic.content
