"""Relay connections with `nodes` and `totalCount`, built from a keyset `Page`, and the paging
arguments every connection field takes."""

from typing import Annotated, Generic, TypeVar

import strawberry

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

T = TypeVar("T")

First = Annotated[
    int | None,
    strawberry.argument(
        description=(
            f"How many records to return from the start of the list (or after `after`): 0 to {MAX_PAGE_SIZE}, "
            f"{DEFAULT_PAGE_SIZE} when neither `first` nor `last` is given. Giving both `first` and `last`, a "
            "negative number or more than the maximum is a BAD_USER_INPUT error."
        )
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Return the records after this cursor (an `endCursor` or an edge's `cursor` of the same list and order). "
            "A string this server did not issue for this list is a BAD_USER_INPUT error."
        )
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=(
            f"How many records to return from the end of the list (or before `before`), for paging backwards: "
            f"0 to {MAX_PAGE_SIZE}. Giving both `first` and `last` is a BAD_USER_INPUT error."
        )
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Return the records before this cursor (a `startCursor` or an edge's `cursor` of the same list and "
            "order). With `after` too, the page is taken from between the two cursors. A string this server did not "
            "issue for this list is a BAD_USER_INPUT error."
        )
    ),
]


@strawberry.type(description="Where a page lies in its list, and the cursors to ask for the pages beside it.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description=(
            "Paging forwards: whether records follow this page. Paging backwards (`last`): true when `before` "
            "was given, since the records from that cursor on follow."
        )
    )
    has_previous_page: bool = strawberry.field(
        description=(
            "Paging backwards (`last`): whether records precede this page. Paging forwards: true when `after` "
            "was given, since the records up to that cursor precede."
        )
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first record, to pass as `before`; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last record, to pass as `after`; null for an empty page."
    )


@strawberry.type(description="A record of a list and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque position of the record in its list and order, for `after` and `before`."
    )
    node: T = strawberry.field(description="The record.")


@strawberry.type(description="One page of a list of records.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's records with their cursors, in list order.")
    nodes: list[T] = strawberry.field(description="The page's records, in list order: `edges` without the cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more pages exist, and the cursors to reach them.")
    page: strawberry.Private[Page]

    @strawberry.field(description="How many records match, on all pages; counted only when asked for.")
    async def total_count(self) -> int:
        return await self.page.total_count()

    @classmethod
    def from_page(cls, page: Page) -> "Connection[T]":
        return cls(
            edges=[Edge(cursor=cursor, node=row) for row, cursor in zip(page.rows, page.cursors, strict=True)],
            nodes=list(page.rows),
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            page=page,
        )
