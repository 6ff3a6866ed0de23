import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Why a domain action was refused. The schema serves these values as UserErrorCode, so a
    misspelt code fails at import and every code a mutation can answer is one clients know."""

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
    NOT_CONVERTED = "NOT_CONVERTED"
    ALREADY_LINKED = "ALREADY_LINKED"
    NOT_LINKED = "NOT_LINKED"
    NOTHING_TO_CONVERT = "NOTHING_TO_CONVERT"
    DUPLICATE_ACCOUNT = "DUPLICATE_ACCOUNT"
    DUPLICATE_CONTACT = "DUPLICATE_CONTACT"
    LAST_OWNER = "LAST_OWNER"
    INVALID_TEMPLATE = "INVALID_TEMPLATE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    CONFLICT = "CONFLICT"
    ALREADY_MERGED = "ALREADY_MERGED"
    INTERNAL = "INTERNAL"


@dataclass
class DomainError(Exception):
    """A refused domain action: a contract error code, a message and the input path it concerns.

    `records` names the records a message is about, as (type name, primary key) pairs, in
    order: the domain does not spell API IDs, so the message holds `{records}` where the API
    puts them, comma separated (resolvers/errors.py)."""

    code: ErrorCode
    message: str
    field: list[str] | None = None
    records: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
