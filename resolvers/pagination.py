"""Keyset pagination for connections, forwards (`first`/`after`) and backwards (`last`/`before`).

A cursor holds the name of the list it belongs to, the sort key and the id of one row, signed
with an HMAC whose key derives from the server's secret: every worker of a deployment reads the
cursors of the others, and a cursor this server did not issue, was altered or belongs to
another list or order is refused as BAD_USER_INPUT before anything is read.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Generic, TypeVar

from graphql import GraphQLError
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

T = TypeVar("T")
M = TypeVar("M", bound=Model)
U = TypeVar("U")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 512
SIGNATURE_BYTES = 16

Position = tuple[Any, int]
"""Where a cursor points: the row's sort key and its id."""


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, float):
        return {"n": repr(value)}
    if isinstance(value, tuple | list):
        return [_encode_value(item) for item in value]
    if hasattr(value, "value"):
        return value.value
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, text),) = value.items()
        if kind == "t":
            return datetime.fromisoformat(text)
        if kind == "d":
            return date.fromisoformat(text)
        if kind == "n":
            return Decimal(text)
        raise ValueError(kind)
    if isinstance(value, list):
        return tuple(_decode_value(item) for item in value)
    return value


_compact_json = json.JSONEncoder(separators=(",", ":")).encode
"""`json.dumps(value, separators=(",", ":"))`, with its encoder made once, not per cursor."""
MAX_KEPT_NAMES = 4096
"""How many connection names `_name_json` keeps written as JSON."""


@lru_cache(maxsize=MAX_KEPT_NAMES)
def _name_json(connection: str) -> str:
    return _compact_json(connection)


def _payload(connection: str, sort_value: Any, pk: int) -> bytes:
    """`[connection, sort value, pk]` as compact JSON; the commonest position, a time and an id,
    written without the encoder (an ISO time holds nothing JSON escapes)."""
    if type(sort_value) is datetime and type(pk) is int:
        return f'[{_name_json(connection)},{{"t":"{sort_value.isoformat()}"}},{pk}]'.encode()
    return _compact_json([connection, _encode_value(sort_value), pk]).encode()


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Cursors:
    """Issues and reads the signed cursors of one deployment."""

    key: bytes

    @classmethod
    def signed_with(cls, secret: str) -> "Cursors":
        return cls(hmac.new(secret.encode(), b"leadbridge connection cursor", hashlib.sha256).digest())

    def _signature(self, payload: bytes) -> bytes:
        return hmac.digest(self.key, payload, "sha256")[:SIGNATURE_BYTES]

    def encode(self, connection: str, sort_value: Any, pk: int) -> str:
        payload = _payload(connection, sort_value, pk)
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def decode(self, cursor: str, connection: str, argument: str) -> Position:
        """The position a cursor of this list points at; BAD_USER_INPUT for any other string."""
        refusal = bad_input(f"'{argument}' is not a cursor of this connection")
        if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1:
            raise refusal
        body, signature = cursor.split(".")
        try:
            payload, given = _unb64(body), _unb64(signature)
        except (binascii.Error, ValueError):
            raise refusal from None
        if not hmac.compare_digest(given, self._signature(payload)):
            raise refusal
        try:
            name, sort_value, pk = json.loads(payload)
            position = (_decode_value(sort_value), pk)
        except (ValueError, TypeError, InvalidOperation):
            raise refusal from None
        if name != connection or not isinstance(pk, int) or isinstance(pk, bool):
            raise refusal
        return position

    def page_args(
        self,
        connection: str,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> "PageArgs":
        """The checked paging arguments of a connection named `connection` (list and order)."""
        if first is not None and last is not None:
            raise bad_input("Give 'first' or 'last', not both")
        backward = last is not None
        return PageArgs(
            connection=connection,
            size=_page_size(last if backward else first, "last" if backward else "first"),
            after=self.decode(after, connection, "after") if after is not None else None,
            before=self.decode(before, connection, "before") if before is not None else None,
            backward=backward,
            cursors=self,
        )


def _page_size(size: int | None, argument: str) -> int:
    if size is None:
        return DEFAULT_PAGE_SIZE
    if size < 0:
        raise bad_input(f"'{argument}' must not be negative, got {size}")
    if size > MAX_PAGE_SIZE:
        raise bad_input(f"'{argument}' may be at most {MAX_PAGE_SIZE}, got {size}")
    return size


@dataclass(frozen=True)
class PageArgs:
    """Which page of a list: `size` rows after `after` and before `before` (either may be None),
    the first ones of that window, or its last ones when paging backwards."""

    connection: str
    size: int
    after: Position | None
    before: Position | None
    backward: bool
    cursors: Cursors

    def cursor(self, sort_value: Any, pk: int) -> str:
        return self.cursors.encode(self.connection, sort_value, pk)


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
    queryset: QuerySet[Any] | None

    async def total_count(self) -> int:
        assert self.queryset is not None, "a page cut from loaded rows counts them itself"
        return await self.queryset.count()


@dataclass
class CountedPage(Page[T]):
    """A page of a list that a statement of its own counts when asked."""

    count: Callable[[], Awaitable[int]] | None = None

    async def total_count(self) -> int:
        assert self.count is not None, "a counted page is given its count"
        return await self.count()


def page_of(fetched: Sequence[T], args: PageArgs, position: Callable[[T], Position], queryset: Any = None) -> Page[T]:
    """The page from the rows nearest the window's start (or, backwards, its end), read in that
    direction: up to `size + 1` of them, the extra one telling whether more lie beyond.

    In the direction of paging the flag is exact; the other one is true when a cursor bounds the
    page on that side (the Relay specification's choice where it cannot be told cheaply)."""
    more = len(fetched) > args.size
    rows = list(fetched[: args.size])
    if args.backward:
        rows.reverse()
    return Page(
        rows=rows,
        cursors=[args.cursor(*position(row)) for row in rows],
        has_next_page=args.before is not None if args.backward else more,
        has_previous_page=more if args.backward else args.after is not None,
        queryset=queryset,
    )


@dataclass
class LoadedPage(Page[T]):
    """A page cut from rows already loaded (in a batch, or a short list), with their count known."""

    total: int = 0

    async def total_count(self) -> int:
        return self.total

    def with_rows(self, rows: list[U]) -> "LoadedPage[U]":
        """The page with its rows replaced one for one (the cursors stay)."""
        return LoadedPage(
            rows=rows,
            cursors=self.cursors,
            has_next_page=self.has_next_page,
            has_previous_page=self.has_previous_page,
            queryset=self.queryset,
            total=self.total,
        )


def cut(
    rows: Sequence[T], args: PageArgs, position: Callable[[T], Position], *, descending: bool = False
) -> LoadedPage[T]:
    """A page cut from a whole list already loaded in its order, whose positions ascend (or,
    `descending`, descend) along it; its total is the list's length."""

    def later(first: Position, second: Position) -> bool:
        return first < second if descending else first > second

    window = [
        row
        for row in rows
        if (args.after is None or later(position(row), args.after))
        and (args.before is None or later(args.before, position(row)))
    ]
    nearest = window[::-1] if args.backward else window
    page = page_of(nearest[: args.size + 1], args, position)
    return LoadedPage(
        rows=page.rows,
        cursors=page.cursors,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        queryset=None,
        total=len(rows),
    )


def where(lookup: str, value: Any) -> Q:
    """`Q(lookup=value)` for a lookup named at run time."""
    filters: dict[str, Any] = {lookup: value}
    return Q(**filters)


def _beyond(ordering: Ordering, position: Position, *, later: bool) -> Q:
    """The rows after (`later`) or before the position in the list's order."""
    sort_value, pk = position
    beyond = "lt" if ordering.descending == later else "gt"
    if ordering.field == "id":
        return where(f"id__{beyond}", pk)
    past = where(f"{ordering.field}__{beyond}", sort_value) | (
        where(ordering.field, sort_value) & where(f"id__{beyond}", pk)
    )
    # The redundant bound lets both databases start an index range scan at the cursor, so that
    # page 1,000 reads as few rows as page 1.
    return where(f"{ordering.field}__{beyond}e", sort_value) & past


def window(ordering: Ordering, args: PageArgs) -> Q:
    """The rows between the page's cursors (either may be absent) in the list's order."""
    bounds = Q()
    if args.after is not None:
        bounds &= _beyond(ordering, args.after, later=True)
    if args.before is not None:
        bounds &= _beyond(ordering, args.before, later=False)
    return bounds


def reading_order(ordering: Ordering, args: PageArgs) -> list[str]:
    """The `order_by` a page is read in: the list's order, or its reverse when paging backwards."""
    sign = "-" if ordering.descending != args.backward else ""
    return [f"{sign}id"] if ordering.field == "id" else [f"{sign}{ordering.field}", f"{sign}id"]


async def paginate(queryset: QuerySet[M], args: PageArgs, ordering: Ordering) -> Page[M]:
    """One page of a filtered queryset sorted by `ordering` then id, in one statement: read from
    the window's start forwards, or from its end backwards in the reverse order."""
    page_query = queryset.filter(window(ordering, args))
    fetched = list(await page_query.order_by(*reading_order(ordering, args)).limit(args.size + 1))
    return page_of(fetched, args, lambda row: (getattr(row, ordering.field), row.pk), queryset)


async def cursor_of(cursors: Cursors, connection: str, queryset: QuerySet[Any], ordering: Ordering, pk: int) -> str:
    """The cursor of one row of a list, as a page of that list would give it: its sort key is
    read back from the database, as the page reads it."""
    if ordering.field == "id":
        return cursors.encode(connection, pk, pk)
    (sort_value,) = await queryset.filter(id=pk).limit(1).values_list(ordering.field, flat=True)
    return cursors.encode(connection, sort_value, pk)
