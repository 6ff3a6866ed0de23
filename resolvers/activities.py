"""Activities of leads and opportunities: pages of many records in one query, and logging one."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Activity, ActivityKind, DomainError, Lead, User
from models.activity_workflow import log_activity as log_activity_on
from permissions import scopes
from permissions.roles import Action
from resolvers.collaboration import Record, forget, require_record
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import by_id_loader
from resolvers.pagination import Page, bad_input, decode_cursor, encode_cursor, page_size

Cursor = tuple[datetime, int]
PageKey = tuple[int, int, Cursor | None]
"""One page of a record's activities: the record's primary key, the page size, and the
(createdAt, id) of the last activity of the previous page."""


@dataclass
class ActivityPage(Page[Activity]):
    """A page whose total count is counted for all records of the request at once."""

    counter: DataLoader[int, int] | None = None
    record_id: int = 0

    async def total_count(self) -> int:
        return await self.counter.load(self.record_id)  # type: ignore[union-attr]


def _of_record(record_field: str, record_id: int) -> QuerySet[Activity]:
    return Activity.filter(**{record_field: record_id})


def _after(cursor: Cursor | None) -> Q:
    """Newest first: the activities created before the cursor's, ties broken by id."""
    if cursor is None:
        return Q()
    created_at, pk = cursor
    return Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk)


def _counter(record_field: str) -> DataLoader[int, int]:
    """Counts the activities of the records of one batch of pages, in one query when asked."""

    async def load(record_ids: Sequence[int]) -> list[int]:
        counts = dict(
            await Activity.filter(**{f"{record_field}__in": list(record_ids)})
            .annotate(activity_count=Count("id"))
            .group_by(record_field)
            .values_list(record_field, "activity_count")
        )
        return [counts.get(record_id, 0) for record_id in record_ids]

    return DataLoader(load_fn=load)


def _pages_loader(record_field: str) -> Callable[[User], DataLoader[PageKey, ActivityPage]]:
    """Pages of many records' activities: one query per distinct (size, cursor), each record's
    page picked by a limited subquery, so a list of records costs one query, not one per record."""

    async def window(record_ids: list[int], size: int, cursor: Cursor | None) -> dict[int, list[Activity]]:
        if size == 0:
            return {}
        picked = Q(
            *(
                Q(**{record_field: record_id})
                & Q(
                    id__in=Subquery(
                        _of_record(record_field, record_id)
                        .filter(_after(cursor))
                        .order_by("-created_at", "-id")
                        .limit(size + 1)
                        .values("id")
                    )
                )
                for record_id in record_ids
            ),
            join_type=Q.OR,
        )
        groups: dict[int, list[Activity]] = defaultdict(list)
        for activity in await Activity.filter(picked).annotate(record_id=F(record_field)):
            groups[activity.record_id].append(activity)  # type: ignore[attr-defined]
        for activities in groups.values():
            activities.sort(key=lambda activity: (activity.created_at, activity.pk), reverse=True)
        return groups

    def factory(viewer: User) -> DataLoader[PageKey, ActivityPage]:
        async def load(keys: Sequence[PageKey]) -> list[ActivityPage]:
            windows: dict[tuple[int, Cursor | None], list[int]] = defaultdict(list)
            for record_id, size, cursor in keys:
                windows[(size, cursor)].append(record_id)
            rows: dict[PageKey, list[Activity]] = {}
            for (size, cursor), record_ids in windows.items():
                groups = await window(record_ids, size, cursor)
                for record_id in record_ids:
                    rows[(record_id, size, cursor)] = groups.get(record_id, [])
            counter = _counter(record_field)
            pages = []
            for key in keys:
                record_id, size, cursor = key
                found = rows[key]
                page_rows = found[:size]
                pages.append(
                    ActivityPage(
                        rows=page_rows,
                        cursors=[encode_cursor(activity.created_at, activity.pk) for activity in page_rows],
                        has_next_page=len(found) > size,
                        has_previous_page=cursor is not None,
                        queryset=_of_record(record_field, record_id),
                        counter=counter,
                        record_id=record_id,
                    )
                )
            return pages

        return DataLoader(load_fn=load)

    return factory


lead_activities_loader = _pages_loader("lead_id")
opportunity_activities_loader = _pages_loader("opportunities__id")


def _cursor(after: str | None) -> Cursor | None:
    if after is None:
        return None
    created_at, pk = decode_cursor(after)
    if not isinstance(created_at, datetime):
        raise bad_input(f"'after' is not a cursor of this connection: '{after}'")
    return created_at, pk


async def activities_of(context: Context, record: Record, first: int | None, after: str | None) -> ActivityPage:
    """A page of the record's activities, newest first."""
    key = (record.pk, page_size(first), _cursor(after))
    factory = lead_activities_loader if isinstance(record, Lead) else opportunity_activities_loader
    return await context.loaders.get(factory).load(key)


def activity_loader(viewer: User) -> DataLoader[int, Activity | None]:
    return by_id_loader(lambda: scopes.visible_activities(viewer))


def activity_owner_loader(viewer: User) -> DataLoader[int, User | None]:
    """The owners of the activities the viewer sees (one may have left the record since)."""
    return by_id_loader(lambda: User.filter(id__in=Subquery(scopes.visible_activities(viewer).values("owner_id"))))


async def log_activity(
    context: Context, lead_id: str | None, opportunity_id: str | None, fields: dict[str, Any]
) -> tuple[tuple[Record, Activity] | None, list[DomainError]]:
    """Log an activity on a record (PARTICIPANT or more; a converted lead too)."""

    async def action() -> tuple[Record, Activity]:
        async with in_transaction():
            record = await require_record(context, lead_id, opportunity_id, Action.LOG_ACTIVITY)
            activity = await log_activity_on(
                record,
                context.viewer,
                kind=ActivityKind(fields["kind"]),
                subject=fields["subject"],
                due_at=fields.get("due_at"),
                done_at=fields.get("done_at"),
            )
        forget(context, lead_activities_loader, opportunity_activities_loader)
        return record, activity

    return await attempt(action)
