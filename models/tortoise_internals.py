"""What Leadbridge reads of Tortoise beyond its public API, in one place, pinned to the tested version.

- `records_from_rows`: records built from rows another query already read, as Tortoise builds
  them from its own queries (`Model._init_from_db`), so that a loader reads linked records in the
  query that finds the links. Only for speed: with `use_internals(False)` the records are read
  again, by primary key, through the public queryset API (one query more per batch).

`Model._meta` (fields, columns, table, connection) is Tortoise's documented model metadata and is
used as public API elsewhere.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

Record = TypeVar("Record", bound=Model)

_internals = True


def use_internals(enabled: bool) -> None:
    """Whether the functions of this module take Tortoise's private fast paths (the default)."""
    global _internals
    _internals = enabled


def uses_internals() -> bool:
    return _internals


async def records_from_rows(queryset: QuerySet[Record], rows: Sequence[dict[str, Any]]) -> list[Record]:
    """The records of `rows` (each a full row of the queryset's model, keyed by column), in order:
    the same records `queryset` would return for them."""
    model = queryset.model
    if _internals:
        return [model._init_from_db(**row) for row in rows]
    pk_column = model._meta.db_pk_column
    wanted = [row[pk_column] for row in rows]
    found = {record.pk: record for record in await queryset.filter(pk__in=list(set(wanted)))}
    return [found[pk] for pk in wanted]
