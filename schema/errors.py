"""What a client sees of errors: `UserError` in payloads, GraphQL errors as raised, anything
unexpected masked as INTERNAL."""

import logging
import traceback
from enum import Enum

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from models.errors import DomainError

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
        logger.error("unexpected error at %s: %s", path, traceback_without_messages(original))
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL"},
        )
