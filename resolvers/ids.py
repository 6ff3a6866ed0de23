"""Global IDs in mutation inputs: the record's primary key, or NOT_FOUND naming the field."""

import base64
import binascii

from strawberry.relay import to_base64

from models import DomainError


def global_id(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def decode_id(value: str, type_name: str, field: list[str]) -> int:
    """The primary key of a global ID of the expected type; a malformed ID or one of another
    type is NOT_FOUND, like a record that does not exist."""
    try:
        decoded = base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    found_type, _, pk = decoded.partition(":")
    if found_type != type_name or not pk.isdigit() or len(pk) > 18:
        raise DomainError("NOT_FOUND", f"No {type_name} with ID '{value}'", field)
    return int(pk)


def decode_ids(values: list[str], type_name: str, field: list[str]) -> list[int]:
    return [decode_id(value, type_name, [*field, str(index)]) for index, value in enumerate(values)]
