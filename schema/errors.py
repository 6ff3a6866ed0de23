"""What a client sees of errors: `UserError` in payloads, GraphQL errors with an
`extensions.code` each, anything unexpected masked as INTERNAL."""

import logging
import traceback
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError, GraphQLInputObjectType, GraphQLSyntaxError
from graphql.execution import SubsequentIncrementalExecutionResult
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types import StreamExecutionResult

from models.errors import DomainError, ErrorCode
from resolvers import outage
from schema.enums import describe_values
from schema.strawberry_internals import graphql_schema_of

logger = logging.getLogger("leadbridge.errors")

INTERNAL_MESSAGE = "Internal server error"


UserErrorCode = strawberry.enum(
    ErrorCode,
    name="UserErrorCode",
    description="Why a mutation refused its input. Each mutation's description lists the codes it answers; "
    "CONFLICT can come from any mutation that writes.",
)


describe_values(
    UserErrorCode,
    {
        "NOT_FOUND": "A record the input names does not exist for the viewer: it does not exist, the viewer may "
        "not see it, or the ID is not one of the expected type. The same answer in every case.",
        "FORBIDDEN": "The viewer can see the record, but their role or company does not allow this action.",
        "INVALID_INPUT": "A value is not acceptable (empty, too long, out of range, not an ISO 4217 code, a "
        "combination the rules refuse); `field` names it.",
        "INVALID_STATUS_TRANSITION": "The record's state does not allow this change now, such as answering a "
        "lead that no longer waits for an answer.",
        "CONVERSION_REQUIRED": "CLOSED_CONVERTED is reached only by converting the lead (convertLead or "
        "linkOpportunity), never by setLeadStatus.",
        "LEAD_CONVERTED": "The lead is converted and read-only: only conversion actions and activities still apply, "
        "and users allowed to edit converted leads may still change its fields.",
        "LEAD_NOT_ACCEPTED": "The lead is shared and its partner company has not accepted it (PENDING, REJECTED "
        "or EXPIRED), so it cannot be converted.",
        "LEAD_DISQUALIFIED": "The lead is CLOSED_NOT_CONVERTED: reopen it with setLeadStatus before converting.",
        "LEAD_NOT_QUALIFIED": "The lead's score is below the minimum score of the converting company's "
        "conversion settings.",
        "ALREADY_CONVERTED": "The lead is converted: only an opportunity choice (or linkOpportunity) can still "
        "add to it.",
        "NOT_CONVERTED": "The lead is not converted, so there is no conversion to undo (undoConversion).",
        "ALREADY_LINKED": "The opportunity is already linked to the lead.",
        "NOT_LINKED": "The opportunity is not linked to the lead.",
        "NOTHING_TO_CONVERT": "The account, the contact and the opportunity would all be skipped.",
        "DUPLICATE_ACCOUNT": "Visible accounts match the new account's name or website domain; the message lists "
        "their IDs. Attach one with existingId, or set allowDuplicate.",
        "DUPLICATE_CONTACT": "Visible contacts have the new contact's email; the message lists their IDs. Attach "
        "one with existingId, or set allowDuplicate.",
        "LAST_OWNER": "The change would leave the record without a direct OWNER.",
        "INVALID_TEMPLATE": "A field mapping names an unknown field, or joins fields that hold different kinds "
        "of values.",
        "IDEMPOTENCY_KEY_REUSED": "The idempotency key was used before with a different input.",
        "CONFLICT": "The record already exists (a member, a name, a policy), or a concurrent change won: read "
        "again and retry.",
        "ALREADY_MERGED": "The lead was merged into another lead (`mergedInto`) and is read-only: it can no longer "
        "change, be converted, be answered or take part in another merge.",
        "INTERNAL": "An unexpected server error stopped this item of a batch (convertLeads): nothing of the item "
        "was written, and the other items are answered as usual. Retrying the same item may fail the same way.",
    },
)

USER_ERRORS = "Why the input was refused; empty on success. When it is not empty, nothing was written."


@strawberry.type(description="A refused mutation input; when a payload has any, nothing was written.")
class UserError:
    code: ErrorCode = strawberry.field(description="What kind of refusal this is, for programs to act on.")
    message: str = strawberry.field(description="What is wrong, in English, for people to read.")
    field: list[str] | None = strawberry.field(
        description='The path into `input` of the field at fault, such as ["contact", "existingId"] or '
        '["salesPlanIds", "2"]; null when the refusal concerns the input as a whole.'
    )


def user_errors(errors: list[DomainError]) -> list[UserError]:
    """A payload's `userErrors`: GraphQL would raise an exception instance found in a result,
    so each DomainError is copied into a UserError."""
    return [UserError(code=error.code, message=error.message, field=error.field) for error in errors]


def is_unexpected(error: GraphQLError) -> bool:
    """An exception from our code or a library, as opposed to a deliberate GraphQL error."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


MAX_LOGGED_PATH = 200


def traceback_without_messages(error: BaseException) -> str:
    """Where an exception and the exceptions that led to it were raised, each named by its type
    alone: a message may quote the input (an e-mail address, a search) that caused it."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        kind = type(current)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{frames}{name}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n\nwhich came from:\n\n".join(parts)


class MaskInternalErrors(MaskErrors):
    """Strawberry's MaskErrors, logging where the original was raised and tagging the mask with
    `code: INTERNAL`."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        assert original is not None
        path = ".".join(str(key) for key in error.path or ())[:MAX_LOGGED_PATH]
        unavailable = outage.is_outage(original)
        if unavailable:
            logger.warning("database unavailable at %s: %s", path, type(original).__name__)
        else:
            logger.error("unexpected error at %s: %s", path, traceback_without_messages(original))
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
        if result is not None and result.errors:
            result.errors = self.coded_all(result.errors)

    def on_validate(self) -> Iterator[None]:
        self.stage = VALIDATION_FAILED
        yield

    def on_execute(self) -> Iterator[None]:
        self.stage = BAD_USER_INPUT
        yield

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        if not isinstance(result, SubsequentIncrementalExecutionResult) and result.errors:
            result.errors = self.coded_all(result.errors)
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
    return isinstance(error, StrawberryInputCoercionError) or isinstance(
        error.original_error, StrawberryInputCoercionError
    )


def check_one_of_inputs_in_graphql_core(schema: strawberry.Schema) -> None:
    """graphql-core checks the oneOf inputs itself, so that a variable that gives none or
    several of their fields is refused with its path ("Variable '$input' has invalid value at
    .account: ..."), as a variable coercion error, instead of failing outside execution."""
    for graphql_type in graphql_schema_of(schema).type_map.values():
        if isinstance(graphql_type, GraphQLInputObjectType):
            definition = graphql_type.extensions.get("strawberry-definition")
            if definition is not None and definition.is_one_of:
                graphql_type.is_one_of = True
