"""How graphql-core runs our resolvers: records are values, not awaitables.

A Tortoise model defines `__await__` (awaiting a record returns it), so graphql-core's
"is this awaitable?" test says yes for every record a resolver returns, and completes each one
in a task of its own: on a partner-portal page that is more than a thousand tasks per request
for values that are already there. The schema's executor treats records as plain values.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import relay
from strawberry.execution import optimized_is_awaitable
from strawberry.relay import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import StrawberryObjectDefinition
from tortoise.models import Model

_PLAIN_VALUES = frozenset({type(None), bool, int, float, str, list, dict, Decimal, datetime, date})


def is_awaitable(value: Any) -> bool:
    """Asked of every field's value (a portal page asks it some 28,000 times): the common
    cases answer at once."""
    if type(value) in _PLAIN_VALUES or isinstance(value, Model):
        return False
    return optimized_is_awaitable(value)


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = is_awaitable  # type: ignore[assignment]


def _global_id_resolver(type_name: str, id_attr: str) -> Any:
    def resolve(root: Any, info: GraphQLResolveInfo) -> str:
        return to_base64(type_name, getattr(root, id_attr))

    return resolve


def resolve_node_ids_directly(schema: strawberry.Schema) -> None:
    """Each Node's `id` is resolved by graphql-core straight from the attribute typed `NodeID`.

    Strawberry's relay `id` resolver goes through its whole resolver path (its Info object,
    argument conversion, the field-extension chain, then a schema lookup of the type because a
    record is not a Strawberry instance): a portal page resolves some 1,900 ids. For a type that
    keeps relay's own `resolve_id`, the global ID is `to_base64(type, getattr(root, id_attr))`,
    the same string Strawberry makes; a type that overrides `resolve_id` keeps Strawberry's path."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or "Node" not in {i.name for i in graphql_type.interfaces}:
            continue
        definition = schema.get_type_by_name(graphql_type.name)
        assert isinstance(definition, StrawberryObjectDefinition)
        origin = definition.origin
        if origin.resolve_id.__func__ is not relay.Node.resolve_id.__func__:
            continue
        graphql_type.fields["id"].resolve = _global_id_resolver(graphql_type.name, origin.resolve_id_attr())
