"""Text that PostgreSQL cannot store: an operation with U+0000 in a string argument or variable is
refused before it runs, as BAD_USER_INPUT, on every database alike."""

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, Node, StringValueNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

NUL = "\x00"
MESSAGE = "Text may not contain the character U+0000"


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def string_literals(node: Any) -> Iterator[str]:
    if isinstance(node, StringValueNode):
        yield node.value
    elif isinstance(node, Node):
        for key in node.keys:
            yield from string_literals(getattr(node, key))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from string_literals(item)


def _may_hold_nul(query: str | None) -> bool:
    """Whether a string literal of the document parsed from `query` can hold U+0000: only through
    the character itself or an escape (`\\u0000`, `\\u{0}`), so a document with neither needs no walk."""
    return query is None or NUL in query or "\\u" in query


class RefuseNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.result is None and (
            holds_nul(context.variables)
            or (
                document is not None
                and _may_hold_nul(context.query)
                and any(NUL in text for text in string_literals(document))
            )
        ):
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(MESSAGE, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
