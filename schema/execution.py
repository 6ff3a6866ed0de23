"""How graphql-core runs our resolvers: records are values, not awaitables.

A Tortoise model defines `__await__` (awaiting a record returns it), so graphql-core's
"is this awaitable?" test says yes for every record a resolver returns, and completes each one
in a task of its own: on a partner-portal page that is more than a thousand tasks per request
for values that are already there. The schema's executor treats records as plain values.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from strawberry.execution import optimized_is_awaitable
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
