"""Relay connections with `totalCount`, built from a keyset `Page`."""

from typing import Annotated, Generic, TypeVar

import strawberry

from resolvers.pagination import Page

T = TypeVar("T")

First = Annotated[
    int | None,
    strawberry.argument(
        description="How many records to return from the start of the list (after `after` when given): "
        "20 when left out, at most 100. More than 100, or a negative number, is a BAD_USER_INPUT error."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the records after this cursor: the `endCursor` or an edge's `cursor` from an earlier "
        "page of the same list with the same filter and order. A cursor this server did not issue is a "
        "BAD_USER_INPUT error."
    ),
]


@strawberry.type(description="Where a page sits in its list, and the cursors to ask for the pages beside it.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more records follow this page: pass `endCursor` as `after` to read them."
    )
    has_previous_page: bool = strawberry.field(description="Whether records come before this page.")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first record of the page; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last record of the page; null when the page is empty."
    )


@strawberry.type(description="One record of a page and the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="An opaque cursor: pass it as `after` to read the records that follow this one."
    )
    node: T = strawberry.field(description="The record.")


@strawberry.type(
    description="One page of a list of records the viewer can see, in the list's order, with the cursors to page on."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The records of this page with their cursors, in order.")
    page_info: PageInfo = strawberry.field(description="Whether there are more pages, and the cursors to reach them.")
    page: strawberry.Private[Page]

    @strawberry.field(description="How many records match, on all pages; counted only when asked for.")
    async def total_count(self) -> int:
        return await self.page.total_count()

    @classmethod
    def from_page(cls, page: Page) -> "Connection[T]":
        return cls(
            edges=[Edge(cursor=cursor, node=row) for row, cursor in zip(page.rows, page.cursors, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            page=page,
        )
