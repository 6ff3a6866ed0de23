"""Which documents the planned read path compiles and which it leaves to the generic executor,
and how a plan completes values: against the exported schema, with plain objects for records."""

import asyncio
import inspect
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from strawberry.relay import to_base64

from models.enums import LeadStatus
from schema import schema
from schema.planner import (
    Fallback,
    FieldPlan,
    ObjectPlan,
    Output,
    Plan,
    PlannedReads,
    Uncovered,
    _leaf_serializer,
    directive_variables,
    is_awaitable,
    planner_for,
    run,
)

GRAPHQL_SCHEMA = schema._schema
PLANNER = planner_for(schema)

LEADS = """
query Leads($first: Int) {
  leads(first: $first) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node { id topic status owner { name company { name } } activities(first: 3) { edges { node { id } } } }
    }
  }
}
"""


def compiled(query, variables=None):
    document = parse(query)
    assert validate(GRAPHQL_SCHEMA, document) == []
    operation = get_operation_ast(document)
    coerced = get_variable_values(GRAPHQL_SCHEMA, operation.variable_definitions or (), variables or {})
    return PLANNER.compile(document, operation, coerced), coerced


def shape(plan: ObjectPlan):
    """The plan as nested response keys: a leaf is None, an object or list of objects its own shape."""

    def of(output):
        while output.item is not None:
            output = output.item
        return shape(output.object) if output.object is not None else None

    return {field.key: of(field.output) for field in plan.fields}


def test_a_query_over_object_types_compiles_to_its_response_shape():
    plan, _ = compiled(LEADS)

    assert shape(plan.root) == {
        "leads": {
            "pageInfo": {"hasNextPage": None, "endCursor": None},
            "edges": {
                "cursor": None,
                "node": {
                    "id": None,
                    "topic": None,
                    "status": None,
                    "owner": {"name": None, "company": {"name": None}},
                    "activities": {"edges": {"node": {"id": None}}},
                },
            },
        }
    }


def test_aliases_fragments_and_typename_keep_their_response_keys_in_order():
    query = """
    { me: viewer { __typename ...Names ... on User { isAdmin } } again: viewer { id } }
    fragment Names on User { name email }
    """

    plan, _ = compiled(query)

    assert shape(plan.root) == {
        "me": {"__typename": None, "name": None, "email": None, "isAdmin": None},
        "again": {"id": None},
    }


def test_a_fragment_on_an_interface_the_object_implements_is_covered():
    plan, _ = compiled("{ leads { edges { node { ... on Node { id } topic } } } }")

    assert shape(plan.root)["leads"]["edges"]["node"] == {"id": None, "topic": None}


def test_include_and_skip_select_the_fields_of_the_plan():
    query = """
    query($withOwner: Boolean!, $noTopic: Boolean!) {
      lead(id: "x") { id topic @skip(if: $noTopic) owner @include(if: $withOwner) { name } }
    }
    """

    both, _ = compiled(query, {"withOwner": True, "noTopic": False})
    neither, _ = compiled(query, {"withOwner": False, "noTopic": True})

    assert shape(both.root) == {"lead": {"id": None, "topic": None, "owner": {"name": None}}}
    assert shape(neither.root) == {"lead": {"id": None}}


def test_directive_variables_are_those_include_and_skip_read():
    document = parse(
        "query($a: Boolean!, $b: Boolean!, $n: Int, $c: Boolean!) {"
        " viewer @include(if: $b) { id @skip(if: $a) } leads(first: $n) { edges { cursor } } ...F }"
        ' fragment F on Query { viewer @include(if: $c) { name } lead(id: "x") @skip(if: true) { id } }'
    )

    assert directive_variables(document) == ("a", "b", "c")
    assert directive_variables(parse("{ viewer { id } }")) == ()


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ('{ node(id: "x") { id } }', "abstract type Node"),
        ('{ nodes(ids: ["x"]) { id } }', "abstract type Node"),
        ("{ __schema { queryType { name } } }", "introspection"),
        ('{ __type(name: "Lead") { name } }', "introspection"),
        ("{ viewer { id } leads { edges { node { __typename } } } __schema { types { name } } }", "introspection"),
        ('mutation { createLead(input: {topic: "t"}) { lead { id } } }', "Query.createLead"),
    ],
    ids=["node", "nodes", "__schema", "__type", "introspection beside covered fields", "a mutation's fields"],
)
def test_what_the_planner_does_not_cover_is_uncovered(query, reason):
    with pytest.raises(Uncovered) as raised:
        compiled(query)

    assert str(raised.value) == reason


@pytest.mark.parametrize(
    "query",
    [
        'mutation { createLead(input: {topic: "t"}) { lead { id } } }',
        "subscription { leadEvents { kind } }",
    ],
    ids=["mutation", "subscription"],
)
async def test_mutations_and_subscriptions_never_take_the_planned_path(query):
    execution_context = SimpleNamespace(
        graphql_document=parse(query),
        pre_execution_errors=None,
        operation_name=None,
        schema=schema,
        variables=None,
        context=SimpleNamespace(planned_reads=True),
    )

    assert await PlannedReads().planned(execution_context) is None


async def test_a_document_with_validation_errors_never_takes_the_planned_path():
    execution_context = SimpleNamespace(
        graphql_document=parse("{ viewer { id } }"), pre_execution_errors=[GraphQLError("refused")], operation_name=None
    )

    assert await PlannedReads().planned(execution_context) is None


def viewer(**overrides):
    return SimpleNamespace(**{"id": 7, "name": "Ada", "email": "ada@example.com", "is_admin": True, **overrides})


def run_plan(query, context):
    plan, variables = compiled(query)
    return asyncio.run(run(plan, context, variables))


def test_a_plan_runs_the_schemas_resolvers_and_reads_leaves_from_the_record():
    data = run_plan("{ viewer { __typename id name mail: email isAdmin } }", SimpleNamespace(viewer=viewer()))

    assert data == {
        "viewer": {
            "__typename": "User",
            "id": to_base64("User", 7),
            "name": "Ada",
            "mail": "ada@example.com",
            "isAdmin": True,
        }
    }


def test_a_null_where_the_schema_promises_a_value_falls_back():
    with pytest.raises(Fallback):
        run_plan("{ viewer { name } }", SimpleNamespace(viewer=viewer(name=None)))


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        (GraphQLString, "text", "text"),
        (GraphQLString, 5, "5"),
        (GraphQLID, "VXNlcjo3", "VXNlcjo3"),
        (GraphQLID, 7, "7"),
        (GraphQLInt, 2**31 - 1, 2**31 - 1),
        (GraphQLInt, True, 1),
        (GraphQLInt, 3.0, 3),
        (GraphQLBoolean, False, False),
        (GraphQLBoolean, 1, True),
        (GRAPHQL_SCHEMA.get_type("LeadStatus"), LeadStatus.WORKING_CONTACTED, "WORKING_CONTACTED"),
        (GRAPHQL_SCHEMA.get_type("LeadStatus"), "CLOSED_CONVERTED", "CLOSED_CONVERTED"),
        (GRAPHQL_SCHEMA.get_type("Decimal"), Decimal("1250.50"), "1250.50"),
        (GRAPHQL_SCHEMA.get_type("DateTime"), datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "2026-03-01T09:30:00+00:00"),
        (GRAPHQL_SCHEMA.get_type("Date"), date(2026, 3, 1), "2026-03-01"),
    ],
    ids=repr,
)
def test_leaf_serializers_answer_as_the_types_own_coercion(type_, value, expected):
    serialized = _leaf_serializer(type_)(value)

    assert serialized == expected and type(serialized) is type(expected)
    assert serialized == type_.serialize(value)


@pytest.mark.parametrize(
    ("type_", "value"),
    [(GraphQLInt, 2**31), (GraphQLInt, 1.5), (GRAPHQL_SCHEMA.get_type("LeadStatus"), "NOT_A_STATUS")],
    ids=repr,
)
def test_leaf_serializers_refuse_what_the_type_cannot_represent(type_, value):
    with pytest.raises(GraphQLError):
        _leaf_serializer(type_)(value)


def test_a_leaf_serialised_to_null_falls_back():
    nothing = GraphQLScalarType("Nothing", serialize=lambda value: None)

    with pytest.raises(Fallback):
        _leaf_serializer(nothing)("anything")


def test_an_enum_serializer_answers_the_same_each_time_and_still_refuses_unknown_values():
    serialize = _leaf_serializer(GRAPHQL_SCHEMA.get_type("LeadStatus"))

    assert [serialize(LeadStatus.WORKING_CONTACTED) for _ in range(3)] == ["WORKING_CONTACTED"] * 3
    for _ in range(2):
        with pytest.raises(GraphQLError):
            serialize("NOT_A_STATUS")


async def test_records_and_plain_values_are_not_awaited_but_coroutines_are():
    async def later():
        return 1

    coroutine = later()

    assert is_awaitable(coroutine) is True
    assert is_awaitable(asyncio.get_running_loop().create_future()) is True
    assert [is_awaitable(value) for value in (None, 1, "x", [1], {}, Decimal(1), viewer())] == [False] * 7
    await coroutine


@pytest.mark.filterwarnings("error::RuntimeWarning")
async def test_a_resolver_failing_for_one_object_leaves_no_coroutine_it_made_for_the_others_unawaited():
    """The planned run falls back on the error; the coroutines the resolver already made for the
    objects before the failing one are closed, not left for the garbage collector to warn about."""
    made = []

    async def later():
        return "value"

    def resolve(source, info, kwargs):
        if source == "refused":
            raise ValueError("refused")
        made.append(later())
        return made[-1]

    item = ObjectPlan("Item", [FieldPlan("value", resolve, Output(leaf=str))])
    root = ObjectPlan(
        "Query", [FieldPlan("items", lambda *_: ["first", "second", "refused"], Output(item=Output(object=item)))]
    )

    with pytest.raises(ValueError, match="refused"):
        await run(Plan(root, fields=2), SimpleNamespace(), get_variable_values(GRAPHQL_SCHEMA, (), {}))

    assert len(made) == 2
    assert [inspect.getcoroutinestate(coroutine) for coroutine in made] == [inspect.CORO_CLOSED] * 2


async def test_a_failed_level_leaves_the_loader_futures_it_awaited_to_finish():
    """A loader's future stands for a batch query in flight: a failing sibling field makes the run
    fall back, but does not cancel that query; its own result is still set on the future."""
    batch: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def refused():
        await asyncio.sleep(0)
        raise ValueError("refused")

    item = ObjectPlan(
        "Item",
        [
            FieldPlan("loaded", lambda *_: batch, Output(leaf=str)),
            FieldPlan("first", lambda *_: refused(), Output(leaf=str)),
            FieldPlan("second", lambda *_: refused(), Output(leaf=str)),
        ],
    )
    root = ObjectPlan("Query", [FieldPlan("item", lambda *_: "source", Output(object=item))])

    with pytest.raises(ExceptionGroup):
        await run(Plan(root, fields=4), SimpleNamespace(), get_variable_values(GRAPHQL_SCHEMA, (), {}))

    assert not batch.cancelled()
    batch.set_result("read")
    assert batch.result() == "read"
