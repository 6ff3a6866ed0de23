from graphql import GraphQLSchema, build_schema, parse, specified_rules, validate

from schema import schema
from schema.scalars import SCALAR_OVERRIDES
from schema.strawberry_internals import graphql_schema_of, scalar_registry_of, validate_document

DOCUMENT = """
query ($first: Int) {
  leads(first: $first) { edges { node { id name nope } } }
  viewer { id }
}
"""


def shape(graphql_schema: GraphQLSchema) -> dict[str, list[str]]:
    """Every type of the schema, with its fields, arguments and values by name."""
    shapes: dict[str, list[str]] = {}
    for name, graphql_type in graphql_schema.type_map.items():
        members = getattr(graphql_type, "fields", None) or getattr(graphql_type, "values", None) or {}
        shapes[name] = sorted(
            f"{member}({','.join(sorted(getattr(members[member], 'args', None) or {}))})" for member in members
        )
    return shapes


def test_the_graphql_schema_is_the_one_strawberry_prints():
    assert shape(graphql_schema_of(schema)) == shape(build_schema(schema.as_str()))


def test_the_scalar_registry_holds_the_overrides_the_schema_was_built_with():
    registry = scalar_registry_of(schema)

    assert {python_type: registry[python_type] for python_type in SCALAR_OVERRIDES} == SCALAR_OVERRIDES


def test_strawberry_validation_finds_what_graphql_core_validation_finds():
    document = parse(DOCUMENT)
    rules = tuple(specified_rules)

    found = validate_document(graphql_schema_of(schema), document, rules)

    assert [error.formatted for error in found] == [
        error.formatted for error in validate(graphql_schema_of(schema), document, rules)
    ]
    assert found
