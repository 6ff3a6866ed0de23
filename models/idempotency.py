"""Idempotency keys: a mutation sent again with the same key and input answers its first result.

A mutation remembers the result it stored under a user's key, in the caller's transaction, and
recalls it when the key comes again; each mutation chooses the shape of the result it keeps.
A key used again with another input is IDEMPOTENCY_KEY_REUSED.
"""

import hashlib
import json
from typing import Any

from models.conversion_records import IdempotencyRecord
from models.errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 255
KEY_FIELD = ["idempotencyKey"]


def fingerprint(raw_input: dict[str, Any]) -> str:
    """What makes two requests the same, for idempotency: the input without its key."""
    payload = {key: value for key, value in raw_input.items() if key != "idempotencyKey"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str | None) -> None:
    if key is not None and len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"idempotencyKey may have at most {MAX_KEY_LENGTH} characters, got {len(key)}",
            list(KEY_FIELD),
        )


async def recall(user_id: int, key: str, fingerprint: str) -> dict[str, Any] | None:
    """The result remembered under the user's key, or None when the key is new; refused when the
    key was used with another input."""
    stored = await IdempotencyRecord.get_or_none(user_id=user_id, key=key)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED, "This idempotency key was used with a different input", list(KEY_FIELD)
        )
    return stored.result


async def remember(user_id: int, key: str, fingerprint: str, result: dict[str, Any]) -> None:
    """Keep the result under the user's key. A concurrent request that remembered the same key
    first makes this one fail with an IntegrityError when the unique (user, key) is written."""
    await IdempotencyRecord.create(user_id=user_id, key=key, request_hash=fingerprint, result=result)
