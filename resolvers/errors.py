"""Turning refused domain actions into the `userErrors` of a mutation payload: in exactly one place."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import IntegrityError

from models import DomainError

T = TypeVar("T")


class InputErrors(Exception):
    """Several problems with one input, all reported at once."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


async def attempt(action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[DomainError]]:
    """Run a mutation's action: its result and no errors, or no result and what was refused.

    The action runs its writes in one transaction, so a refusal has written nothing. A unique
    constraint that a concurrent request won (the same idempotency key, say) is CONFLICT.
    """
    try:
        return await action(), []
    except DomainError as error:
        return None, [error]
    except InputErrors as failure:
        return None, failure.errors
    except IntegrityError:
        return None, [DomainError("CONFLICT", "A concurrent change conflicted with this one: try again", None)]
