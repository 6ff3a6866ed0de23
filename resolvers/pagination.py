"""Keyset pagination for connections: the cursor holds the sort key and the id of the last row."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from graphql import GraphQLError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise bad_input("'first' must not be negative")
    if first > MAX_PAGE_SIZE:
        raise bad_input(f"'first' may be at most {MAX_PAGE_SIZE}, got {first}")
    return first


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if hasattr(value, "value"):
        return value.value
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
    return value


def encode_cursor(sort_value: Any, pk: int) -> str:
    raw = json.dumps([_encode_value(sort_value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        sort_value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if not isinstance(pk, int):
            raise ValueError
        return _decode_value(sort_value), pk
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise bad_input(f"'after' is not a cursor of this connection: '{cursor}'") from None


@dataclass(frozen=True)
class Ordering:
    """Sort by one never-null field or annotation (ties broken by id), ascending or descending.

    SQLite and PostgreSQL place NULLs differently, so a nullable column is sorted through an
    annotation that coalesces it (for example `Coalesce("score", -1)`).
    """

    field: str = "id"
    descending: bool = False


@dataclass
class Page(Generic[T]):
    rows: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    queryset: QuerySet[T]

    async def total_count(self) -> int:
        return await self.queryset.count()


def _after(ordering: Ordering, sort_value: Any, pk: int) -> Q:
    beyond = "lt" if ordering.descending else "gt"
    if ordering.field == "id":
        return Q(**{f"id__{beyond}": pk})
    after_key = Q(**{f"{ordering.field}__{beyond}": sort_value}) | (
        Q(**{ordering.field: sort_value}) & Q(**{f"id__{beyond}": pk})
    )
    # The redundant bound lets both databases start an index range scan at the cursor, so that
    # page 1,000 reads as few rows as page 1.
    return Q(**{f"{ordering.field}__{beyond}e": sort_value}) & after_key


async def paginate(queryset: QuerySet[T], *, first: int | None, after: str | None, ordering: Ordering) -> Page[T]:
    """One page of a filtered queryset, sorted by `ordering` then id, starting after the cursor."""
    size = page_size(first)
    page_query = queryset
    if after is not None:
        sort_value, pk = decode_cursor(after)
        page_query = page_query.filter(_after(ordering, sort_value, pk))
    sign = "-" if ordering.descending else ""
    order = [f"{sign}id"] if ordering.field == "id" else [f"{sign}{ordering.field}", f"{sign}id"]
    rows = list(await page_query.order_by(*order).limit(size + 1)) if size else []
    has_next = len(rows) > size
    rows = rows[:size]
    cursors = [encode_cursor(getattr(row, ordering.field), row.pk) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        has_next_page=has_next,
        has_previous_page=after is not None,
        queryset=queryset,
    )
