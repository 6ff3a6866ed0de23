"""Pieces of the collaboration mutations' inputs and payloads: the record an input names, the
payload fields that return it."""

from typing import Any

import strawberry

import models


def given(value: strawberry.ID | None) -> str | None:
    """An optional ID input: None when left out or null."""
    return None if value is strawberry.UNSET or value is None else str(value)


def on_record(record: models.Lead | models.Opportunity | None) -> dict[str, Any]:
    """A payload's `lead` or `opportunity`, whichever the record is."""
    return {
        "lead": record if isinstance(record, models.Lead) else None,
        "opportunity": record if isinstance(record, models.Opportunity) else None,
    }
