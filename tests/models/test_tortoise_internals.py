from models import SalesPlan, tortoise_internals
from models.tortoise_internals import records_from_rows
from tests.factories import make_company, make_sales_plan


def fields_of(record: SalesPlan) -> dict[str, object]:
    return {name: getattr(record, name) for name in SalesPlan._meta.fields_db_projection}


async def test_records_built_from_rows_are_the_records_tortoise_reads(anonymous_client):
    company = await make_company()
    plans = [await make_sales_plan(company, name=name) for name in ("Beta", "Alpha", "Gamma")]
    columns = SalesPlan._meta.fields_db_projection
    rows = [
        {columns[name]: value for name, value in row.items()}
        for row in await SalesPlan.filter(id__in=[plan.pk for plan in plans]).order_by("name", "id").values(*columns)
    ]

    fast = await records_from_rows(SalesPlan.all(), rows)
    tortoise_internals.use_internals(False)
    try:
        public = await records_from_rows(SalesPlan.all(), rows)
    finally:
        tortoise_internals.use_internals(True)

    read = await SalesPlan.filter(id__in=[plan.pk for plan in plans]).order_by("name", "id")
    assert [fields_of(record) for record in fast] == [fields_of(record) for record in read]
    assert [fields_of(record) for record in public] == [fields_of(record) for record in read]
