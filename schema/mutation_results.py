"""Pieces of mutation inputs and payloads: the described `input` argument, the fields an input
gives, the record it names, and the payload fields that return it."""

from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

import strawberry

import models

InputT = TypeVar("InputT")

MutationInput = Annotated[
    InputT,
    strawberry.argument(description="The parameters of the mutation, described field by field on its input type."),
]


def given_fields(input: Any, *, only: Iterable[str] | None = None, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The fields an input gives, an explicit null included, by attribute name; `only` keeps
    those named, `skip` leaves those named out."""
    kept = None if only is None else set(only)
    return {
        name: value
        for name, value in vars(input).items()
        if value is not strawberry.UNSET and (kept is None or name in kept) and name not in skip
    }


def given(value: strawberry.ID | None) -> str | None:
    """An optional ID input: None when left out or null."""
    return None if value is strawberry.UNSET or value is None else str(value)


def on_record(record: models.Lead | models.Opportunity | None) -> dict[str, Any]:
    """A payload's `lead` or `opportunity`, whichever the record is."""
    return {
        "lead": record if isinstance(record, models.Lead) else None,
        "opportunity": record if isinstance(record, models.Opportunity) else None,
    }
