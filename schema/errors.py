"""What a client sees of errors: `UserError` in payloads, GraphQL errors with an
`extensions.code` each, anything unexpected masked as INTERNAL."""

import logging
from collections.abc import Iterator
from enum import Enum

import strawberry
from graphql import GraphQLError, GraphQLInputObjectType, GraphQLSyntaxError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from models.errors import DomainError
from resolvers import outage

logger = logging.getLogger("leadbridge.errors")

INTERNAL_MESSAGE = "Internal server error"


@strawberry.enum(description="Why a mutation refused its input (CONTRACT.md section 8).")
class UserErrorCode(str, Enum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    CONVERSION_REQUIRED = "CONVERSION_REQUIRED"
    LEAD_CONVERTED = "LEAD_CONVERTED"
    LEAD_NOT_ACCEPTED = "LEAD_NOT_ACCEPTED"
    LEAD_DISQUALIFIED = "LEAD_DISQUALIFIED"
    LEAD_NOT_QUALIFIED = "LEAD_NOT_QUALIFIED"
    ALREADY_CONVERTED = "ALREADY_CONVERTED"
    ALREADY_LINKED = "ALREADY_LINKED"
    NOT_LINKED = "NOT_LINKED"
    NOTHING_TO_CONVERT = "NOTHING_TO_CONVERT"
    DUPLICATE_ACCOUNT = "DUPLICATE_ACCOUNT"
    DUPLICATE_CONTACT = "DUPLICATE_CONTACT"
    LAST_OWNER = "LAST_OWNER"
    INVALID_TEMPLATE = "INVALID_TEMPLATE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    CONFLICT = "CONFLICT"
    INTERNAL = "INTERNAL"


for _value in UserErrorCode.__strawberry_definition__.values:  # type: ignore[attr-defined]
    if _value.name == "INTERNAL":
        _value.description = (
            "An unexpected server error stopped this item of a batch (convertLeads): nothing of the item was "
            "written, and the other items are answered as usual. Retrying the same item may fail the same way."
        )


@strawberry.type(description="A refused mutation input; when a payload has any, nothing was written.")
class UserError:
    code: UserErrorCode
    message: str
    field: list[str] | None = strawberry.field(description="The path into `input` of the field at fault.")


def user_errors(errors: list[DomainError]) -> list[UserError]:
    """A payload's `userErrors`: GraphQL would raise an exception instance found in a result,
    so each DomainError is copied into a UserError."""
    return [UserError(code=UserErrorCode(error.code), message=error.message, field=error.field) for error in errors]


def is_unexpected(error: GraphQLError) -> bool:
    """An exception from our code or a library, as opposed to a deliberate GraphQL error."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskInternalErrors(MaskErrors):
    """Strawberry's MaskErrors, logging the original and tagging the mask with `code: INTERNAL`."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        unavailable = outage.is_outage(error.original_error)
        if unavailable:
            logger.warning("database unavailable at %s: %s", error.path, error.original_error)
        else:
            logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        return GraphQLError(
            message=outage.MESSAGE if unavailable else self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "SERVICE_UNAVAILABLE" if unavailable else "INTERNAL"},
        )


PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """`error` with `extensions.code`; a copy, since validation errors are cached and shared."""
    if isinstance(error, GraphQLSyntaxError):
        error.extensions = {**(error.extensions or {}), "code": code}  # raised afresh by each parse
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )


class ErrorCodes(SchemaExtension):
    """Gives every error an `extensions.code`, over HTTP and the websocket alike: a document that
    does not parse is GRAPHQL_PARSE_FAILED, one that fails validation GRAPHQL_VALIDATION_FAILED,
    and variables that cannot be coerced (their message names the variable and the path inside
    it) or a oneOf input given no or several fields are BAD_USER_INPUT. Errors that already carry
    a code (limits, rate limit, NOT_FOUND, INTERNAL) keep it; a field's error without one is a
    server fault (graphql-core's own, such as a null for a non-null field): INTERNAL.

    First in the schema's extensions, so that its operation hook runs after the others have
    rewritten the errors."""

    def __init__(self) -> None:
        self.stage = PARSE_FAILED

    def on_operation(self) -> Iterator[None]:
        self.stage = PARSE_FAILED
        try:
            yield
        except GraphQLError as error:
            raise self.coded(error) from None
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = self.coded_all(result.errors)

    def on_validate(self) -> Iterator[None]:
        self.stage = VALIDATION_FAILED
        yield

    def on_execute(self) -> Iterator[None]:
        self.stage = BAD_USER_INPUT
        yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        if getattr(result, "errors", None):
            result.errors = self.coded_all(result.errors)  # type: ignore[union-attr]
        yield

    def coded_all(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        one_of_refusals = [error.locations for error in errors if is_one_of_refusal(error)]
        return [
            self.coded(error)
            for error in errors
            if is_one_of_refusal(error) or not ("OneOf" in error.message and error.locations in one_of_refusals)
        ]

    def coded(self, error: GraphQLError) -> GraphQLError:
        if (error.extensions or {}).get("code"):
            return error
        if is_one_of_refusal(error):
            return with_code(error, BAD_USER_INPUT)
        if error.path is not None:
            return with_code(error, "INTERNAL")
        return with_code(error, self.stage)


def is_one_of_refusal(error: GraphQLError) -> bool:
    """Strawberry's refusal of a oneOf literal with no or several fields; graphql-core reports
    the same literal too, and only Strawberry's is kept."""
    return isinstance(error, StrawberryInputCoercionError) or isinstance(error.original_error, StrawberryInputCoercionError)


def check_one_of_inputs_in_graphql_core(schema: strawberry.Schema) -> None:
    """graphql-core checks the oneOf inputs itself, so that a variable that gives none or
    several of their fields is refused with its path ("Variable '$input' has invalid value at
    .account: ..."), as a variable coercion error, instead of failing outside execution."""
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLInputObjectType):
            definition = graphql_type.extensions.get("strawberry-definition")
            if definition is not None and definition.is_one_of:
                graphql_type.is_one_of = True
