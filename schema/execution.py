"""How graphql-core runs our resolvers: records are values, not awaitables.

A Tortoise model defines `__await__` (awaiting a record returns it), so graphql-core's
"is this awaitable?" test says yes for every record a resolver returns, and completes each one
in a task of its own: on a partner-portal page that is more than a thousand tasks per request
for values that are already there. The schema's executor treats records as plain values.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo

from strawberry.execution import optimized_is_awaitable
from strawberry.relay import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
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


def _global_id(type_name: str, root: Any, info: GraphQLResolveInfo) -> str:
    return to_base64(type_name, root.id)


def resolve_node_ids_directly(schema: strawberry.Schema) -> None:
    """Every Node's `id` is resolved by graphql-core straight from the record's primary key.

    Strawberry's relay `id` resolver goes through its whole resolver path (its Info object,
    argument conversion, the field-extension chain, then a schema lookup of the type because a
    record is not a Strawberry instance): a portal page resolves some 1,900 ids. Every Node type
    here takes its id from `relay.NodeID[int]` `id`, so the global ID is `to_base64(type, root.id)`,
    the same string Strawberry makes."""
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and any(i.name == "Node" for i in graphql_type.interfaces):
            graphql_type.fields["id"].resolve = partial(_global_id, graphql_type.name)
