from graphql import OperationDefinitionNode, build_schema, execute_sync, get_operation_ast, parse
from graphql.execution import get_variable_values

from schema.graphql_internals import FragmentDetails, collect_fields, collect_subfields

SCHEMA = build_schema("""
type Query { lead: Lead, other: Int }
type Lead { id: ID, name: String, owner: User }
type User { id: ID, name: String }
""")

DOCUMENT = """
query ($withOther: Boolean!) {
  lead { ...names id owner { name } alias: name owner { id } }
  first: other
  other @include(if: $withOther)
  ... on Query { lead { name } }
}
fragment names on Lead { name owner { id } }
"""

ROOT = {"lead": {"id": "1", "name": "Ada", "owner": {"id": "2", "name": "Grace"}}, "other": 3}


def test_fields_are_grouped_in_the_order_and_with_the_keys_graphql_core_answers():
    document = parse(DOCUMENT)
    operation = get_operation_ast(document)
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        definition.name.value: FragmentDetails(definition)
        for definition in document.definitions
        if definition.kind == "fragment_definition"
    }
    variables = get_variable_values(SCHEMA, operation.variable_definitions, {"withOther": False})
    query_type = SCHEMA.query_type
    lead_type = SCHEMA.get_type("Lead")

    root = collect_fields(SCHEMA, fragments, variables, query_type, operation).grouped_field_set
    lead = collect_subfields(SCHEMA, fragments, variables, operation, lead_type, root["lead"]).grouped_field_set

    data = execute_sync(SCHEMA, document, root_value=ROOT, variable_values={"withOther": False}).data
    assert list(root) == list(data)
    assert list(lead) == list(data["lead"])
