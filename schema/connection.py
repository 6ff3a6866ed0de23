"""Relay connections with `totalCount`, built from a keyset `Page`."""

from typing import Generic, TypeVar

import strawberry

from resolvers.pagination import Page

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
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
