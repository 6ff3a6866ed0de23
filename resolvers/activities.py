"""Activities of leads and opportunities: pages of many records in one query, and logging one."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Activity, ActivityKind, DomainError, Lead, User
from models.activity_workflow import log_activity as log_activity_on
from models.rows import kind_of
from permissions import scopes
from permissions.roles import Action
from resolvers.collaboration import Record, forget, require_record
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import DataLoader, by_id_loader
from resolvers.pagination import Page, PageArgs, Position, page_of, where

PageKey = tuple[int, PageArgs]
"""One page of a record's activities: the record's primary key and the checked paging arguments."""


@dataclass
class ActivityPage(Page[Activity]):
    """A page whose total count is counted for all records of the request at once."""

    counter: DataLoader[int, int] | None = None
    record_id: int = 0

    async def total_count(self) -> int:
        assert self.counter is not None
        return await self.counter.load(self.record_id)


def _of_record(record_field: str, record_id: int) -> QuerySet[Activity]:
    return Activity.filter(**{record_field: record_id})


def _beyond(position: Position, *, later: bool) -> Q:
    """Newest first: the activities created before (`later`) or after the position, ties broken by id."""
    created_at, pk = position
    beyond = "lt" if later else "gt"
    return where(f"created_at__{beyond}", created_at) | (Q(created_at=created_at) & where(f"id__{beyond}", pk))


def _window(args: PageArgs) -> Q:
    bounds = Q()
    if args.after is not None:
        bounds &= _beyond(args.after, later=True)
    if args.before is not None:
        bounds &= _beyond(args.before, later=False)
    return bounds


def _position(activity: Activity) -> Position:
    return activity.created_at, activity.pk


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
    """Pages of many records' activities: one query per distinct page arguments, each record's
    page picked by a limited subquery (in the reverse order when paging backwards), so a list
    of records costs one query, not one per record."""

    async def window(record_ids: list[int], args: PageArgs) -> dict[int, list[Activity]]:
        order = ("created_at", "id") if args.backward else ("-created_at", "-id")
        picked = Q(
            *(
                where(record_field, record_id)
                & Q(
                    id__in=Subquery(
                        _of_record(record_field, record_id)
                        .filter(_window(args))
                        .order_by(*order)
                        .limit(args.size + 1)
                        .values("id")
                    )
                )
                for record_id in record_ids
            ),
            join_type=Q.OR,
        )
        groups: dict[int, list[Activity]] = defaultdict(list)
        for activity in await Activity.filter(picked).annotate(record_id=F(record_field)):
            groups[activity.record_id].append(activity)  # type: ignore[attr-defined]  # set by annotate()
        for activities in groups.values():
            activities.sort(key=_position, reverse=not args.backward)
        return groups

    def factory(viewer: User) -> DataLoader[PageKey, ActivityPage]:
        async def load(keys: Sequence[PageKey]) -> list[ActivityPage]:
            windows: dict[PageArgs, list[PageKey]] = defaultdict(list)
            for key in keys:
                windows[replace(key[1], connection="")].append(key)
            rows: dict[PageKey, list[Activity]] = {}
            for args, same_window in windows.items():
                groups = await window([record_id for record_id, _ in same_window], args)
                for key in same_window:
                    rows[key] = groups.get(key[0], [])
            counter = _counter(record_field)
            pages = []
            for record_id, args in keys:
                page = page_of(rows[(record_id, args)], args, _position)
                pages.append(
                    ActivityPage(
                        rows=page.rows,
                        cursors=page.cursors,
                        has_next_page=page.has_next_page,
                        has_previous_page=page.has_previous_page,
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


def activities_list(record: Record) -> str:
    """The name cursors of a record's `activities` carry: another record's are refused."""
    return f"{kind_of(record).__name__}.activities:{record.pk}"


async def activities_of(
    context: Context, record: Record, first: int | None, after: str | None, last: int | None, before: str | None
) -> ActivityPage:
    """A page of the record's activities, newest first."""
    key = (record.pk, context.page_args(activities_list(record), first, after, last, before))
    factory = lead_activities_loader if kind_of(record) is Lead else opportunity_activities_loader
    return await context.loaders.get(factory).load(key)


def activity_edge_cursor(context: Context, record: Record, activity: Activity) -> str:
    """The cursor of an activity in its record's `activities`."""
    return context.cursors.encode(activities_list(record), *_position(activity))


def activity_loader(viewer: User) -> DataLoader[int, Activity | None]:
    return by_id_loader(scopes.visible_activities, viewer)


def activity_owner_loader(viewer: User) -> DataLoader[int, User | None]:
    """The owners of the activities the viewer sees (one may have left the record since)."""
    return by_id_loader(scopes.owners_of_visible_activities, viewer)


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
