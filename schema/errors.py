"""What a client sees of errors: `UserError` in payloads, GraphQL errors as raised, anything
unexpected masked as INTERNAL."""

import logging
from enum import Enum

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

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
