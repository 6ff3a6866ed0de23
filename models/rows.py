"""Records read as plain values, for the loaders behind nested lists.

`row_type(Model)` is an immutable record of the model's fields (Python names, a foreign key as
`<name>_id`) with its `pk` and the `model` it stands for: what the API reads of a record, without
a model instance behind it; `model_of` makes the instance where one is needed. `select_rows`
reads such rows in one statement whose text is made once per shape (which columns it matches
against how many values), through Tortoise's public connection API, and converts each column as
the model's field does (`to_python_value`): a datetime when it is read, since most selections
never ask for one. A visibility scope is read into such statements as the SQL of its ids
(`scope_of`), which a caller that makes the same scope again and again can keep.
"""

import re
from collections import namedtuple
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from tortoise.fields.base import Field
from tortoise.fields.data import DatetimeField
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)

Condition = Mapping[str, Collection[Any] | bool]
"""Columns by field name, each matched against a collection of values (`IN`) or equal to a bool."""


class Row(tuple[Any, ...]):
    """What every row type has (see `row_type`)."""

    __slots__ = ()
    model: ClassVar[type[Model]]
    pk: Any
    _make: ClassVar[Callable[[Iterable[Any]], "Row"]]

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


@cache
def row_type(model: type[Model]) -> type[Row]:
    meta = model._meta
    names = tuple(meta.fields_db_projection)
    fields = namedtuple(f"{model.__name__}Row", names)  # type: ignore[misc]  # names known at run time
    namespace: dict[str, Any] = {"__slots__": (), "model": model, "pk": property(itemgetter(names.index(meta.pk_attr)))}
    for index, name in enumerate(names):
        field = meta.fields_map[name]
        if _read_when_asked(field):
            namespace[name] = property(_converted(index, field.to_python_value))
    return type(fields.__name__, (fields, Row), namespace)


def _read_when_asked(field: Field[Any]) -> bool:
    """Whether a row keeps the column as the driver gave it and converts it when it is read: a
    datetime, whose conversion (a string parsed on SQLite, a time zone applied on both) costs the
    most and whose value few selections ask for."""
    return isinstance(field, DatetimeField)


def _converted(index: int, convert: Callable[[Any], Any]) -> Callable[[tuple[Any, ...]], Any]:
    def read(row: tuple[Any, ...]) -> Any:
        return convert(tuple.__getitem__(row, index))

    return read


def is_row_of(value: Any, model: type[Model]) -> bool:
    return isinstance(value, Row) and value.model is model


def kind_of(record: Model | Row) -> type[Model]:
    """The model a record is of: a model instance's class, or the model a row stands for."""
    return record.model if isinstance(record, Row) else type(record)


def model_of(model: type[M], row: Row, **related: Model | None) -> M:
    """The model instance of a row of `model`, as Tortoise would have read it: saved, its foreign
    keys as ids (a related record is read when awaited) but those given in `related`."""
    if row.model is not model:
        raise TypeError(f"a {type(row).__name__} is not a row of {model.__name__}")
    return model.construct(_saved_in_db=True, **{name: getattr(row, name) for name in row._fields}, **related)


async def get_with_related(model: type[M], pk: Any, relation: str) -> M | None:
    """The record of `model` with this primary key and the record its foreign key `relation`
    names (None where it names none), in one statement whose text is made once, as
    `select_related` reads them; None when there is no such record."""
    connection = model._meta.db
    related_model = _related_model(model, relation)
    sql = _joined_sql(model, relation, connection.capabilities.dialect)
    _, found = await connection.execute_query(sql, [pk])
    if not found:
        return None
    record, joined = rows_of(tuple(found[0]), model, related_model)
    assert record is not None
    return model_of(model, record, **{relation: model_of(related_model, joined) if joined is not None else None})


def columns_of(model: type[Model], alias: str) -> str:
    """The columns a row of `model` is read from, in its order, as `alias."column", ...`: a
    statement that joins several models selects each one's in turn and splits its rows with
    `rows_of`."""
    return ", ".join(f'{alias}."{column}"' for column in model._meta.fields_db_projection.values())


def rows_of(values: Sequence[Any], *models: type[Model]) -> list[Row | None]:
    """The rows of `models` in one row of a statement that selected `columns_of` each of them in
    turn: None for a model whose primary key is null (an outer join that matched nothing)."""
    rows: list[Row | None] = []
    start = 0
    for model in models:
        columns = len(model._meta.fields_db_projection)
        row = _maker(model)(values[start : start + columns])
        rows.append(row if row.pk is not None else None)
        start += columns
    if start != len(values):
        raise ValueError(f"the row holds {len(values)} values, the models {start}")
    return rows


def placeholders(dialect: str, start: int = 0) -> Callable[[], str]:
    """The next parameter of a statement at each call, as the dialect writes them: `$1`, `$2`, ...
    on PostgreSQL, `?` on SQLite; after the `start` placeholders that precede them."""
    count = start

    def placeholder() -> str:
        nonlocal count
        count += 1
        return f"${count}" if dialect == "postgres" else "?"

    return placeholder


def _related_model(model: type[Model], relation: str) -> type[Model]:
    if relation not in model._meta.fk_fields:
        raise ValueError(f"{model.__name__}.{relation} is not a foreign key")
    related: type[Model] = model._meta.fields_map[relation].related_model  # type: ignore[attr-defined]  # a foreign key's
    return related


@cache
def _joined_sql(model: type[Model], relation: str, dialect: str) -> str:
    related_model = _related_model(model, relation)
    meta, related = model._meta, related_model._meta
    key = meta.fields_db_projection[meta.fields_map[relation].source_field]  # type: ignore[index]  # a foreign key's
    return (
        f'SELECT {columns_of(model, "a")}, {columns_of(related_model, "b")} FROM "{meta.db_table}" a'
        f' LEFT JOIN "{related.db_table}" b ON b."{related.fields_db_projection[related.pk_attr]}" = a."{key}"'
        f' WHERE a."{meta.fields_db_projection[meta.pk_attr]}" = {placeholders(dialect)()}'
    )


class Scope(NamedTuple):
    """A visibility scope as SQL (`scope_of`): its model, the SQL of the ids it holds (None when it
    holds the whole table) with its placeholders numbered from the first, their values, and the
    scope's condition on its own table where the ids are a plain filter of it."""

    model: type[Model]
    ids: str | None
    params: tuple[Any, ...] = ()
    where: str | None = None


def scope_of(visible: QuerySet[Any] | type[Model]) -> Scope:
    """The scope of a queryset (or of a model: all its records) as SQL, the statement the query
    builder makes of the queryset's ids, its values as parameters. A statement that reads it puts
    it first, so that its own placeholders follow the scope's (`placeholders(dialect, start)`)."""
    if isinstance(visible, type):
        return Scope(visible, None)
    model: type[Model] = visible.model
    ids = visible.values(model._meta.pk_attr)
    if ids.sql() == _all_ids(model):
        return Scope(model, None)
    sql, params = ids.query.get_parameterized_sql()
    dialect = model._meta.db.capabilities.dialect
    written = max(map(int, re.findall(r"\$(\d+)", sql)), default=0) if dialect == "postgres" else sql.count("?")
    if written != len(params):
        raise ValueError(f"the scope of {model.__name__} writes {written} placeholders for {len(params)} values")
    return Scope(model, sql, tuple(params), _condition_of(model, sql))


def _condition_of(model: type[Model], ids: str) -> str | None:
    """The condition of a statement that selects the ids of a table's rows filtered, and nothing
    else: a statement of the same table reads the scope as that condition, as the query builder
    writes a filtered queryset. (SQLite answers `id IN (SELECT id FROM <the same table> ...)` by
    reading every row of the scope first: 135 ms against 1.7 ms for the visible accounts of a
    name, at 100,000 leads.) The model's default ordering, which the query builder adds to the
    statement, orders nothing in a condition and is left out."""
    pk = model._meta.fields_db_projection[model._meta.pk_attr]
    table = f'SELECT "{pk}" "{pk}" FROM "{model._meta.db_table}"'
    default_order = _all_ids(model)[len(table) :]  # the model's own ordering, if it has one
    if default_order and ids.endswith(default_order):
        ids = ids[: -len(default_order)]
    start = f"{table} WHERE "
    if not ids.startswith(start) or any(word in ids for word in (" ORDER BY ", " LIMIT ", " GROUP BY ", " JOIN ")):
        return None
    return ids[len(start) :]


async def select_rows(
    visible: Scope | QuerySet[Any] | type[Model],
    any_of: Sequence[Condition],
    order_by: Sequence[str] = (),
    *,
    lock: bool = False,
) -> list[Row]:
    """The records of `visible` (a scope, a queryset, or a model for all its records) that match
    any of the conditions (each the AND of its columns), as rows, in `order_by` (field names,
    ascending; `-name` descending). A condition with an empty collection matches nothing; with none left, no
    statement runs. `lock`: the rows read are locked for update where the database can (as
    `select_for_update` does: PostgreSQL; SQLite's transactions hold the whole database)."""
    if any(isinstance(value, (str, bytes)) for condition in any_of for value in condition.values()):
        raise TypeError("a condition matches a column against a collection of values or a bool, not a string")
    conditions = [condition for condition in any_of if all(_matches_some(value) for value in condition.values())]
    if not conditions:
        return []
    scope = visible if isinstance(visible, Scope) else scope_of(visible)
    model = scope.model
    connection = model._meta.db
    shape = tuple(
        tuple((name, len(value) if not isinstance(value, bool) else None) for name, value in condition.items())
        for condition in conditions
    )
    values = [
        *scope.params,
        *[
            item
            for condition in conditions
            for value in condition.values()
            for item in ([value] if isinstance(value, bool) else value)
        ],
    ]
    capabilities = connection.capabilities
    sql = _select_sql(
        model,
        scope.ids,
        scope.where,
        len(scope.params),
        shape,
        tuple(order_by),
        capabilities.dialect,
        lock and capabilities.support_for_update,
    )
    make = _maker(model)
    _, rows = await connection.execute_query(sql, values)
    return [make(row) for row in rows]


def _matches_some(value: Collection[Any] | bool) -> bool:
    return isinstance(value, bool) or len(value) > 0


@cache
def _all_ids(model: type[Model]) -> str:
    return model.all().values(model._meta.pk_attr).sql()


@cache
def _maker(model: type[Model]) -> Callable[[Iterable[Any]], Row]:
    """The row of `model` of the values of its columns, as the driver read them, each converted as
    the model's field converts it but where the field keeps the driver's int or str as it is, or
    where the row converts it when it is read."""
    make = row_type(model)._make
    converting = tuple(
        (index, field.to_python_value)
        for index, field in enumerate(model._meta.fields_map[name] for name in model._meta.fields_db_projection)
        if not _kept_as_read(field)
    )
    columns = len(model._meta.fields_db_projection)

    def row_of(values: Iterable[Any]) -> Row:
        converted = list(values)
        if len(converted) != columns:
            raise ValueError(f"a row of {model.__name__} has {columns} columns, not {len(converted)}")
        for index, convert in converting:
            converted[index] = convert(converted[index])
        return make(converted)

    return row_of


def _kept_as_read(field: Field[Any]) -> bool:
    if type(field).to_python_value is Field.to_python_value and field.field_type in (int, str):
        return True
    return _read_when_asked(field)  # the row converts it when it is read


@lru_cache(maxsize=512)
def _select_sql(
    model: type[Model],
    scope_ids: str | None,
    scope_where: str | None,
    scope_params: int,
    shape: tuple[tuple[tuple[str, int | None], ...], ...],
    order_by: tuple[str, ...],
    dialect: str,
    for_update: bool = False,
) -> str:
    meta = model._meta
    columns = meta.fields_db_projection
    placeholder = placeholders(dialect, start=scope_params)

    def match(name: str, size: int | None) -> str:
        if size is None:
            return f'"{columns[name]}" = {placeholder()}'
        return f'"{columns[name]}" IN ({", ".join(placeholder() for _ in range(size))})'

    where = " OR ".join("(" + " AND ".join(match(name, size) for name, size in condition) + ")" for condition in shape)
    if scope_where is not None:
        where = f"({scope_where}) AND ({where})"
    elif scope_ids is not None:
        where = f'"{columns[meta.pk_attr]}" IN ({scope_ids}) AND ({where})'
    selected = ", ".join(f'"{column}"' for column in columns.values())
    sql = f'SELECT {selected} FROM "{meta.db_table}" WHERE {where}'
    if order_by:
        sql += " ORDER BY " + ", ".join(
            f'"{columns[name[1:]]}" DESC' if name.startswith("-") else f'"{columns[name]}"' for name in order_by
        )
    if for_update:
        sql += " FOR UPDATE"
    return sql
