from types import SimpleNamespace

import strawberry
from graphql import GraphQLSchema, build_schema, parse, specified_rules, validate

from schema import schema
from schema.scalars import SCALAR_OVERRIDES
from schema.strawberry_internals import graphql_schema_of, resolver_call, scalar_registry_of, validate_document

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


@strawberry.type
class Greeting:
    name: str

    @strawberry.field
    def text(self, info: strawberry.Info, punctuation: str) -> str:
        return f"{info.context['greeting']}, {self.name}{punctuation}"

    @strawberry.field
    @staticmethod
    def shout(parent: strawberry.Parent["Greeting"], times: int) -> str:
        return parent.name.upper() * times


@strawberry.type
class GreetingQuery:
    @strawberry.field
    def greeting(self) -> Greeting:
        return Greeting(name="Ada")


def test_a_resolver_called_as_strawberry_calls_it_answers_what_strawberry_answers():
    small = strawberry.Schema(GreetingQuery)
    context = {"greeting": "Hello"}
    answered = small.execute_sync('{ greeting { text(punctuation: "!") shout(times: 2) } }', context_value=context)
    text, shout = (small.get_field_for_type(name, "Greeting") for name in ("text", "shout"))
    assert text is not None and shout is not None
    call_text, call_shout = resolver_call(text), resolver_call(shout)
    assert call_text is not None and call_shout is not None

    called = {
        "text": call_text(Greeting(name="Ada"), SimpleNamespace(context=context), {"punctuation": "!"}),
        "shout": call_shout(Greeting(name="Ada"), SimpleNamespace(context=context), {"times": 2}),
    }

    assert answered.errors is None
    assert answered.data == {"greeting": called}
    assert resolver_call(small.get_field_for_type("name", "Greeting")) is None
