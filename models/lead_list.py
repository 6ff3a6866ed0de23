"""The list of leads as one statement written once per shape: the leads of a scope that meet the
list's criteria, in one of its orders, one page of them between two positions, as rows of `Lead`
(`models.rows`).

Its conditions are those the query builder writes for the same filters (text is matched as
`__icontains` matches it, which PostgreSQL's statistics on `UPPER(CAST(column AS VARCHAR))`
expect), its values are converted by the fields that store them, and a nullable sort column is
sorted through an expression that never is null, so that both databases order it alike.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from tortoise.filters import escape_like

from models.enums import LeadAcceptance, LeadStatus
from models.lead import Lead
from models.rows import Row, Scope, placeholders, rows_of

SORT_KEYS = {
    "created_at": '"created_at"',
    "updated_at": '"updated_at"',
    "score": 'COALESCE("score", -1)',
    "customer_name": "LOWER(COALESCE(\"customer_name\", ''))",
}
"""What each order of the list sorts by, ties broken by id: leads without a score sort below 0,
and without a customer name before A."""
COLUMN_SORTS = ("created_at", "updated_at")
"""The orders by a column, whose positions hold the column's value as the lead reads it."""

SEARCHED = ("first_name", "last_name", "customer_name", "email")
"""The columns a search matches, ignoring case."""

Position = tuple[Any, int]
"""A place in the list: a lead's sort key and its id."""


@dataclass(frozen=True)
class LeadConditions:
    """What the list keeps; None leaves a condition out. `search` is matched as it is given."""

    include_converted: bool = False
    statuses: tuple[LeadStatus, ...] | None = None
    acceptances: tuple[LeadAcceptance, ...] | None = None
    sourced_by_id: int | None = None
    partner_id: int | None = None
    search: str | None = None
    min_score: int | None = None


@dataclass(frozen=True)
class LeadWindow:
    """Which rows of the list in its order: those after `after` and before `before` (either may
    be None), read from the start, or from the end in the reverse order when `backward`, at most
    `limit` of them."""

    sort: str
    descending: bool
    after: Position | None
    before: Position | None
    backward: bool
    limit: int


def _shape(conditions: LeadConditions) -> tuple[Any, ...]:
    return (
        conditions.include_converted,
        len(conditions.statuses) if conditions.statuses is not None else None,
        conditions.acceptances,
        conditions.sourced_by_id is not None,
        conditions.partner_id is not None,
        conditions.search is not None,
        conditions.min_score is not None,
    )


def _values(conditions: LeadConditions, now: datetime) -> list[Any]:
    """The values of the conditions, in the order `_where` places them."""
    values: list[Any] = []
    if not conditions.include_converted:
        values.append(False)
    if conditions.statuses is not None:
        values += [status.value for status in conditions.statuses]
    for acceptance in conditions.acceptances or ():
        if acceptance in (LeadAcceptance.EXPIRED, LeadAcceptance.PENDING):
            values += [LeadAcceptance.PENDING.value, _db_value("acceptance_deadline", now)]
        else:
            values.append(acceptance.value)
    if conditions.sourced_by_id is not None:
        values.append(conditions.sourced_by_id)
    if conditions.partner_id is not None:
        values.append(conditions.partner_id)
    if conditions.search is not None:
        values += [f"%{escape_like(conditions.search)}%"] * len(SEARCHED)
    if conditions.min_score is not None:
        values.append(conditions.min_score)
    return values


ScopeSql = tuple[str | None, str | None, int]
"""What a statement reads of a scope: the SQL of its ids, its condition, how many values they take."""


def _scope_sql(scope: Scope) -> ScopeSql:
    return scope.ids, scope.where, len(scope.params)


def _where(shape: tuple[Any, ...], scope: ScopeSql, placeholder: Callable[[], str]) -> list[str]:
    include_converted, statuses, acceptances, sourced_by, partner, search, min_score = shape
    scope_ids, scope_where, _ = scope
    where: list[str] = []
    if scope_where is not None:
        where.append(f"({scope_where})")
    elif scope_ids is not None:
        where.append(f'"id" IN ({scope_ids})')
    if not include_converted:
        where.append(f'"is_converted" = {placeholder()}')
    if statuses is not None:
        where.append(f'"status" IN ({", ".join(placeholder() for _ in range(statuses))})' if statuses else "1 = 0")
    if acceptances is not None:
        alternatives = []
        for acceptance in acceptances:
            if acceptance is LeadAcceptance.EXPIRED:
                alternatives.append(f'("acceptance" = {placeholder()} AND "acceptance_deadline" <= {placeholder()})')
            elif acceptance is LeadAcceptance.PENDING:
                alternatives.append(
                    f'("acceptance" = {placeholder()} AND ("acceptance_deadline" IS NULL '
                    f'OR "acceptance_deadline" > {placeholder()}))'
                )
            else:
                alternatives.append(f'"acceptance" = {placeholder()}')
        where.append(f"({' OR '.join(alternatives)})" if alternatives else "1 = 0")
    if sourced_by:
        where.append(f'"sourced_by_id" = {placeholder()}')
    if partner:
        where.append(f'"partner_id" = {placeholder()}')
    if search:
        where.append(
            "("
            + " OR ".join(
                f"UPPER(CAST(\"{column}\" AS VARCHAR)) LIKE UPPER({placeholder()}) ESCAPE '\\'" for column in SEARCHED
            )
            + ")"
        )
    if min_score:
        where.append(f'"score" >= {placeholder()}')
    return where


def _db_value(field: str, value: Any) -> Any:
    return Lead._meta.fields_map[field].to_db_value(value, Lead)


def _beyond(key: str, placeholder: Callable[[], str], *, smaller: bool) -> str:
    """The rows past a position whose key and id follow: smaller ones, or greater ones."""
    sign = "<" if smaller else ">"
    # The redundant bound lets both databases start an index range scan at the position, so that
    # page 1,000 reads as few rows as page 1.
    bound, key_value, tie, pk = placeholder(), placeholder(), placeholder(), placeholder()
    return f'{key} {sign}= {bound} AND ({key} {sign} {key_value} OR ({key} = {tie} AND "id" {sign} {pk}))'


def _position_values(window: LeadWindow, position: Position) -> list[Any]:
    sort_value, pk = position
    if window.sort in COLUMN_SORTS:
        sort_value = _db_value(window.sort, sort_value)
    return [sort_value, sort_value, sort_value, pk]


@lru_cache(maxsize=256)
def _page_sql(
    scope: ScopeSql, shape: tuple[Any, ...], sort: str, descending: bool, after: bool, before: bool, backward: bool
) -> str:
    placeholder = placeholders(Lead._meta.db.capabilities.dialect, start=scope[2])
    where = _where(shape, scope, placeholder)
    key = SORT_KEYS[sort]
    if after:
        where.append(_beyond(key, placeholder, smaller=descending))
    if before:
        where.append(_beyond(key, placeholder, smaller=not descending))
    direction = "DESC" if descending != backward else "ASC"
    columns = ", ".join(f'"{column}"' for column in Lead._meta.fields_db_projection.values())
    return (
        f'SELECT {columns}, {key} FROM "lead" WHERE {" AND ".join(where) or "1 = 1"} '
        f'ORDER BY {key} {direction}, "id" {direction} LIMIT {placeholder()}'
    )


@lru_cache(maxsize=256)
def _count_sql(scope: ScopeSql, shape: tuple[Any, ...]) -> str:
    placeholder = placeholders(Lead._meta.db.capabilities.dialect, start=scope[2])
    where = _where(shape, scope, placeholder)
    return f'SELECT COUNT(*) FROM "lead" WHERE {" AND ".join(where) or "1 = 1"}'


async def lead_page(
    scope: Scope, conditions: LeadConditions, window: LeadWindow, now: datetime
) -> list[tuple[Row, Any]]:
    """The leads of the window in its reading order, as rows (`models.rows`), each with its
    position's sort key: a column's value as the row reads it, an expression's as the database
    gives it."""
    if window.sort not in SORT_KEYS:
        raise ValueError(f"the list of leads is not sorted by {window.sort}")
    sql = _page_sql(
        _scope_sql(scope),
        _shape(conditions),
        window.sort,
        window.descending,
        window.after is not None,
        window.before is not None,
        window.backward,
    )
    values = [*scope.params, *_values(conditions, now)]
    for position in (window.after, window.before):
        if position is not None:
            values += _position_values(window, position)
    values.append(window.limit)
    _, rows = await Lead._meta.db.execute_query(sql, values)
    leads = [_lead_of(tuple(row)) for row in rows]
    if window.sort in COLUMN_SORTS:
        return [(lead, getattr(lead, window.sort)) for lead, _ in leads]
    return leads


async def lead_count(scope: Scope, conditions: LeadConditions, now: datetime) -> int:
    """How many leads of the scope meet the conditions."""
    sql = _count_sql(_scope_sql(scope), _shape(conditions))
    _, rows = await Lead._meta.db.execute_query(sql, [*scope.params, *_values(conditions, now)])
    return int(tuple(rows[0])[0])


def _lead_of(values: Sequence[Any]) -> tuple[Row, Any]:
    """The lead of a row that selected its columns, then its sort key."""
    columns = len(Lead._meta.fields_db_projection)
    (lead,) = rows_of(values[:columns], Lead)
    assert lead is not None
    return lead, values[columns]
