"""What a client sees of errors: `UserError` in payloads, GraphQL errors as raised, anything
unexpected masked as INTERNAL."""

import logging
from enum import Enum

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from models.errors import DomainError
from schema.enums import describe_values

logger = logging.getLogger("leadbridge.errors")

INTERNAL_MESSAGE = "Internal server error"


@strawberry.enum(
    description="Why a mutation refused its input. Each mutation's description lists the codes it answers; "
    "CONFLICT can come from any mutation that writes."
)
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
    },
)

USER_ERRORS = "Why the input was refused; empty on success. When it is not empty, nothing was written."


@strawberry.type(description="A refused mutation input; when a payload has any, nothing was written.")
class UserError:
    code: UserErrorCode = strawberry.field(description="What kind of refusal this is, for programs to act on.")
    message: str = strawberry.field(description="What is wrong, in English, for people to read.")
    field: list[str] | None = strawberry.field(
        description='The path into `input` of the field at fault, such as ["contact", "existingId"] or '
        '["salesPlanIds", "2"]; null when the refusal concerns the input as a whole.'
    )


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
        logger.error("unexpected error at %s", error.path, exc_info=error.original_error)
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL"},
        )
