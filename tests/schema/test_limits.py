"""Depth, aliases, tokens, page sizes and cost of documents, measured against the exported schema
before anything runs: no database, no server."""

import pytest
from graphql import GraphQLError, GraphQLSyntaxError, parse, validate

from schema import schema
from schema.limits import (
    DocumentShape,
    QueryCost,
    QueryLimiter,
    QueryLimits,
    aliases_rule,
    depth_rule,
    document_cost,
    measure,
    page_size_error,
    refusal_cost,
    returned_cost,
    validation_rules,
    without_suggestion,
    work_cost,
)

GRAPHQL_SCHEMA = schema._schema

LEADS_WITH_OWNERS = "{ leads(first: 10) { edges { node { id owner { name } } } } }"
NESTED_CONNECTIONS = "{ leads(first: 10) { edges { node { activities(first: 5) { edges { node { id } } } } } } }"
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { lead { id } } }"
CREATE_TWO_LEADS = """
mutation($input: CreateLeadInput!) {
  one: createLead(input: $input) { lead { id } }
  two: createLead(input: $input) { lead { id } }
}
"""


def cost_of(query, variables=None, operation_name=None):
    return measure(GRAPHQL_SCHEMA, parse(query), operation_name, variables)


def errors_of(query, *rules):
    return [(error.message, error.extensions) for error in validate(GRAPHQL_SCHEMA, parse(query), list(rules))]


@pytest.mark.parametrize(
    ("query", "depth"),
    [
        ("{ viewer { id } }", 1),
        ("{ viewer { company { name } } }", 2),
        ("{ leads { edges { node { owner { company { name } } } } } }", 5),
        ("{ viewer { ...UserCompany } } fragment UserCompany on User { company { id } }", 2),
        ("{ viewer { ... on User { company { id } } } }", 2),
        ("{ __schema { types { fields { name } } } viewer { id } }", 1),
    ],
    ids=[
        "one level",
        "two levels",
        "through a connection",
        "through a fragment",
        "inline fragment",
        "introspection aside",
    ],
)
def test_depth_counts_levels_of_fields_below_the_operation(query, depth):
    shape = DocumentShape(parse(query))

    assert shape.depth(shape.operations[0].selection_set) == depth


def test_a_document_over_the_depth_limit_is_refused_at_the_first_selection_beyond_it():
    document = parse("query Deep {\n  viewer { id }\n  leads { edges { node { owner { id } } } }\n}")

    (error,) = validate(GRAPHQL_SCHEMA, document, [depth_rule(3)])

    assert error.message == "'Deep' exceeds maximum operation depth of 3"
    assert error.extensions == {"code": "MAX_DEPTH_EXCEEDED"}
    assert [(location.line, location.column) for location in error.locations] == [(3, 34)]


def test_a_document_at_the_depth_limit_passes():
    assert errors_of("{ viewer { company { name } } }", depth_rule(2)) == []
    assert errors_of("{ viewer { company { name } } }", depth_rule(1)) == [
        ("'anonymous' exceeds maximum operation depth of 1", {"code": "MAX_DEPTH_EXCEEDED"})
    ]


def test_fragments_that_spread_the_next_one_twice_are_counted_in_linear_time():
    levels = 60
    fragments = "\n".join(
        f"fragment F{level} on User {{ a{level}: company {{ id }} ...F{level + 1} ...F{level + 1} }}"
        for level in range(levels)
    )
    document = parse(f"{{ viewer {{ ...F0 }} }}\n{fragments}\nfragment F{levels} on User {{ id }}")
    shape = DocumentShape(document)

    assert shape.depth(shape.operations[0].selection_set) == 2
    assert shape.aliases(shape.operations[0].selection_set) == 2**levels - 1


def test_aliases_are_counted_through_fragments_and_refused_above_the_limit():
    query = """
    { first: viewer { ...Named } second: viewer { id } }
    fragment Named on User { label: name company { title: name } }
    """

    assert errors_of(query, aliases_rule(4)) == []
    assert errors_of(query, aliases_rule(3)) == [("4 aliases found. Allowed: 3", {"code": "MAX_ALIASES_EXCEEDED"})]


def test_the_token_limit_is_refused_with_its_code():
    limits = QueryLimits(max_tokens=5)
    with pytest.raises(GraphQLSyntaxError) as raised:
        parse("{ viewer { id name } }", max_tokens=limits.max_tokens)

    coded = QueryLimiter().coded(raised.value, limits)

    assert coded.message == "Syntax Error: Document contains more than 5 tokens. Parsing aborted."
    assert coded.extensions == {"code": "MAX_TOKENS_EXCEEDED"}


def test_other_syntax_errors_keep_their_own_message():
    with pytest.raises(GraphQLSyntaxError) as raised:
        parse("{ viewer { id }")

    assert QueryLimiter().coded(raised.value, QueryLimits()) is raised.value


def test_validation_rules_are_the_same_classes_for_the_same_limits():
    assert validation_rules(QueryLimits()) is validation_rules(QueryLimits())
    assert len(validation_rules(QueryLimits(introspection=False))) == len(validation_rules(QueryLimits())) + 1


def test_introspection_is_refused_with_its_code_when_disabled():
    rules = validation_rules(QueryLimits(introspection=False))

    assert errors_of("{ viewer { id } }", *rules) == []
    refusals = errors_of("{ __schema { types { name } } }", *rules)

    assert refusals and {extensions["code"] for _, extensions in refusals} == {"INTROSPECTION_DISABLED"}


@pytest.mark.parametrize(
    ("query", "variables", "nodes", "cost"),
    [
        ("{ viewer { id } }", None, 0, 1),
        ("{ viewer { company { id } } }", None, 0, 2),
        (LEADS_WITH_OWNERS, None, 10, 22),
        ("{ leads { edges { node { id } } } }", None, 20, 22),
        (NESTED_CONNECTIONS, None, 60, 82),
        ("query($n: Int = 3) { leads(first: $n) { edges { node { id } } } }", None, 3, 5),
        ("query($n: Int = 3) { leads(first: $n) { edges { node { id } } } }", {"n": 7}, 7, 9),
        ("{ leads(last: 4) { pageInfo { hasNextPage } edges { node { id } } } }", None, 4, 6),
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', None, 3, 3),
        ("{ viewer { ...Company ...Company } } fragment Company on User { company { id } }", None, 0, 2),
        (CREATE_LEAD, None, 0, 12),
        (CREATE_TWO_LEADS, None, 0, 24),
    ],
    ids=[
        "an object",
        "nested objects",
        "a connection",
        "a connection of default size",
        "nested connections multiply",
        "page size from a default variable",
        "page size from a variable",
        "paging backwards",
        "nodes by ids",
        "a fragment spread twice counts once",
        "a mutation",
        "two mutation fields",
    ],
)
def test_measure_counts_nodes_and_cost_before_running(query, variables, nodes, cost):
    measured = cost_of(query, variables)

    assert (measured.nodes, measured.cost) == (nodes, cost)


def test_measure_picks_the_named_operation():
    query = "query Small { viewer { id } } query Large { leads(first: 50) { edges { node { id } } } }"

    assert cost_of(query, operation_name="Small").cost == 3
    assert cost_of(query, operation_name="Large").cost == 52
    assert cost_of(query, operation_name="Missing") == QueryCost(nodes=0, cost=1)


def test_a_long_document_costs_at_least_its_reading():
    comment = "# " + "x" * 4998 + "\n"
    padded = comment + "{ viewer { id } }"
    many_tokens = "{ viewer { " + " ".join(["id"] * 95) + " } }"

    assert document_cost(None, parse(padded)) == 6
    assert cost_of(padded).cost == 6
    assert document_cost(None, parse(many_tokens)) == 10
    assert cost_of(many_tokens).cost == 10
    assert document_cost("x" * 2500, None) == 3


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        ("{ leads(first: 101) { edges { node { id } } } }", None, "'first' may be at most 100, got 101"),
        ("{ leads(last: -1) { edges { node { id } } } }", None, "'last' must not be negative"),
        (
            "query($n: Int) { leads(first: $n) { edges { node { id } } } }",
            {"n": 500},
            "'first' may be at most 100, got 500",
        ),
        (
            "{ leads { edges { node { ...Activities } } } }"
            " fragment Activities on Lead { activities(first: 1000) { edges { node { id } } } }",
            None,
            "'first' may be at most 100, got 1000",
        ),
    ],
    ids=["literal", "negative", "variable", "inside a fragment"],
)
def test_a_page_size_out_of_bounds_is_bad_user_input_before_cost(query, variables, message):
    error = page_size_error(GRAPHQL_SCHEMA, parse(query), None, variables)

    assert error is not None
    assert (error.message, error.extensions) == (message, {"code": "BAD_USER_INPUT"})


@pytest.mark.parametrize("size", [0, 100])
def test_page_sizes_within_bounds_pass(size):
    assert (
        page_size_error(
            GRAPHQL_SCHEMA, parse(f"{{ leads(first: {size}) {{ edges {{ node {{ id }} }} }} }}"), None, None
        )
        is None
    )


def test_returned_cost_counts_the_records_a_page_holds():
    data = {
        "leads": {
            "edges": [{"node": {"id": "1", "owner": {"name": "A"}}}, {"node": {"id": "2", "owner": {"name": "B"}}}]
        }
    }
    empty = {"leads": {"edges": []}}

    assert returned_cost(GRAPHQL_SCHEMA, parse(LEADS_WITH_OWNERS), None, None, data) == 6
    assert returned_cost(GRAPHQL_SCHEMA, parse(LEADS_WITH_OWNERS), None, None, empty) == 3
    assert returned_cost(GRAPHQL_SCHEMA, parse(LEADS_WITH_OWNERS), None, None, None) == 3
    assert document_cost(None, parse(LEADS_WITH_OWNERS)) == 3


def test_returned_cost_of_a_mutation_keeps_its_per_field_charge():
    data = {"createLead": {"lead": {"id": "1"}}}

    assert returned_cost(GRAPHQL_SCHEMA, parse(CREATE_LEAD), None, None, data) == 12


def test_a_refused_document_pays_at_least_the_refusal_and_at_most_a_bucket():
    assert refusal_cost("{", None, 1000) == 10
    assert refusal_cost("{ viewer { id } }", parse("{ viewer { id } }"), 5) == 5
    assert refusal_cost("x" * 40_000, None, 1000) == 40


def test_work_cost_rounds_up_rows_counted_and_bytes_read():
    assert work_cost(0, 0) == 0
    assert work_cost(1, 0) == 1
    assert work_cost(250, 4097) == 5


def test_suggestions_are_cut_from_messages_and_the_rest_kept():
    (error,) = validate(GRAPHQL_SCHEMA, parse("{ viewer { nam } }"))

    cut = without_suggestion(error)

    assert "Did you mean" in error.message
    assert cut.message == "Cannot query field 'nam' on type 'User'."
    assert cut.locations == error.locations
    plain = GraphQLError("No suggestion here.")
    assert without_suggestion(plain) is plain
