"""Global IDs in mutation inputs: the record's primary key, or NOT_FOUND naming the field."""

import base64
import binascii

from strawberry.relay import to_base64

from models import DomainError
from models.errors import ErrorCode

MAX_PK = 2**31 - 1  # primary keys are 32-bit integers on PostgreSQL
MAX_PK_DIGITS = len(str(MAX_PK))


def node_pk(node_id: object) -> int | None:
    """The primary key the node part of a global ID names; None when it cannot name a record:
    not ASCII digits, a leading zero (each key has one spelling), or out of the keys' range.
    The length is checked before converting, so a number of any size costs nothing."""
    text = str(node_id)
    if not (0 < len(text) <= MAX_PK_DIGITS and text.isascii() and text.isdigit()) or text[0] == "0":
        return None
    pk = int(text)
    return pk if pk <= MAX_PK else None


def global_id(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def decode_id(value: str, type_name: str, field: list[str]) -> int:
    """The primary key of a global ID of the expected type; a malformed ID or one of another
    type is NOT_FOUND, like a record that does not exist."""
    try:
        decoded = base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    found_type, _, node_id = decoded.partition(":")
    pk = node_pk(node_id) if found_type == type_name else None
    if pk is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No {type_name} with ID '{value}'", field)
    return pk


def decode_ids(values: list[str], type_name: str, field: list[str]) -> list[int]:
    return [decode_id(value, type_name, [*field, str(index)]) for index, value in enumerate(values)]
