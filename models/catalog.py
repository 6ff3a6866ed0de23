from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from tortoise import fields
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.rows import Scope, placeholders, scope_of

if TYPE_CHECKING:
    from models.company import Company


class CatalogEntry(Model):
    """What every catalog entry has: a name, unique within its company, and its creation time; each
    entry declares its own `company`, since the company's reverse relation is named for the kind."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        abstract = True


class SalesPlan(CatalogEntry):
    """A company's sales plan that leads and opportunities can be linked to."""

    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="sales_plans", on_delete=fields.RESTRICT
    )
    company_id: int

    class Meta:
        table = "sales_plan"
        unique_together = (("company", "name"),)


class Solution(CatalogEntry):
    """A product or solution a company offers."""

    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="solutions", on_delete=fields.RESTRICT
    )
    company_id: int

    class Meta:
        table = "solution"
        unique_together = (("company", "name"),)


class PartnerProgram(CatalogEntry):
    """A partner program a company runs."""

    company: fields.ForeignKeyRelation["Company"] = fields.ForeignKeyField(
        "models.Company", related_name="partner_programs", on_delete=fields.RESTRICT
    )
    company_id: int

    class Meta:
        table = "partner_program"
        unique_together = (("company", "name"),)


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A catalog entry read as plain values, as the link queries read entries: what the API shows
    of one (its kind, id, name, creation time and company), with no model behind it."""

    model: type[CatalogEntry]
    id: int
    name: str
    created_at: datetime
    company_id: int

    @property
    def pk(self) -> int:
        return self.id


async def linked_entries(
    record_model: type[Model], relation: str, record_ids: Sequence[int], visible: Scope | QuerySet[Any]
) -> list[tuple[int, EntryRow]]:
    """The entries of one catalog (`relation`, a many-to-many field of `record_model`) linked to
    the records, each with its record's id, by name then id, among the entries of `visible`: one
    statement, its text made once per shape, its rows read as plain values."""
    if not record_ids:
        return []
    scope = visible if isinstance(visible, Scope) else scope_of(visible)
    entry_model = cast(type[CatalogEntry], scope.model)
    connection = entry_model._meta.db
    sql = _linked_entries_sql(
        record_model, relation, len(record_ids), scope.ids, len(scope.params), connection.capabilities.dialect
    )
    created_at = entry_model._meta.fields_map["created_at"].to_python_value
    return [
        (
            row["record_id"],
            EntryRow(entry_model, row["id"], row["name"], created_at(row["created_at"]), row["company_id"]),
        )
        for row in await connection.execute_query_dict(sql, [*scope.params, *record_ids])
    ]


@lru_cache(maxsize=256)
def _linked_entries_sql(
    record_model: type[Model], relation: str, count: int, visible_ids: str | None, visible_params: int, dialect: str
) -> str:
    link = record_model._meta.fields_map[relation]
    assert isinstance(link, ManyToManyFieldInstance)
    entry_meta = link.related_model._meta
    columns = entry_meta.fields_db_projection
    placeholder = placeholders(dialect, start=visible_params)
    records = ", ".join(placeholder() for _ in range(count))
    return (
        f'SELECT l."{link.backward_key}" AS "record_id", '
        + ", ".join(f'e."{columns[name]}" AS "{name}"' for name in ("id", "name", "created_at", "company_id"))
        + f' FROM "{link.through}" l JOIN "{entry_meta.db_table}" e ON e."{columns["id"]}" = l."{link.forward_key}"'
        + " WHERE "
        + (f'e."{columns["id"]}" IN ({visible_ids}) AND ' if visible_ids is not None else "")
        + f'l."{link.backward_key}" IN ({records})'
        + f' ORDER BY e."{columns["name"]}", e."{columns["id"]}"'
    )
