"""Turning refused domain actions into the `userErrors` of a mutation payload: in exactly one place."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from tortoise.exceptions import IntegrityError

from models import DomainError
from models.errors import ErrorCode
from resolvers.ids import global_id

T = TypeVar("T")


class InputErrors(Exception):
    """Several problems with one input, all reported at once."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def api_error(error: DomainError) -> DomainError:
    """The error as a client reads it: the records it names spelt as global IDs in its message."""
    if not error.records:
        return error
    ids = ", ".join(global_id(type_name, pk) for type_name, pk in error.records)
    return replace(error, message=error.message.replace("{records}", ids), records=[])


async def attempt(action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[DomainError]]:
    """Run a mutation's action: its result and no errors, or no result and what was refused.

    The action runs its writes in one transaction, so a refusal has written nothing. A unique
    constraint that a concurrent request won (the same idempotency key, say) is CONFLICT.
    """
    try:
        return await action(), []
    except DomainError as error:
        return None, [api_error(error)]
    except InputErrors as failure:
        return None, [api_error(error) for error in failure.errors]
    except IntegrityError:
        return None, [DomainError(ErrorCode.CONFLICT, "A concurrent change conflicted with this one: try again", None)]
