from models import Lead, SalesPlan
from models.catalog import EntryRow, linked_entries
from tests.factories import make_company, make_lead, make_sales_plan, make_user


def fields_of(entry: SalesPlan | EntryRow) -> tuple[object, ...]:
    return (entry.pk, entry.name, entry.created_at, entry.company_id)


async def test_linked_entries_are_the_entries_tortoise_reads_for_each_record_by_name_then_id(anonymous_client):
    owner = await make_user()
    other = await make_company()
    first, second, unlinked = [await make_lead(owner) for _ in range(3)]
    plans = [
        await make_sales_plan(owner.company, name="Beta"),
        await make_sales_plan(owner.company, name="Alpha"),
        await make_sales_plan(other, name="Alpha"),
    ]
    await first.sales_plans.add(*plans)
    await second.sales_plans.add(plans[0])

    rows = await linked_entries(Lead, "sales_plans", [first.pk, second.pk, unlinked.pk], SalesPlan.all())

    expected = [
        (lead.pk, fields_of(entry))
        for lead in (first, second)
        for entry in await lead.sales_plans.all().order_by("name", "id")
    ]
    assert sorted((record_id, fields_of(entry)) for record_id, entry in rows) == sorted(expected)
    assert [fields_of(entry) for record_id, entry in rows if record_id == first.pk] == [
        fields_of(entry) for entry in await first.sales_plans.all().order_by("name", "id")
    ]
    assert all(entry.model is SalesPlan and entry.created_at.tzinfo is not None for _, entry in rows)


async def test_linked_entries_keep_to_the_scope_given(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner)
    kept, dropped = await make_sales_plan(owner.company, name="Kept"), await make_sales_plan(owner.company, name="Out")
    await lead.sales_plans.add(kept, dropped)

    rows = await linked_entries(Lead, "sales_plans", [lead.pk], SalesPlan.filter(name="Kept"))

    assert [(record_id, entry.name) for record_id, entry in rows] == [(lead.pk, "Kept")]
    assert await linked_entries(Lead, "sales_plans", [], SalesPlan.all()) == []
