from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

STANDARD_MAPPINGS = [
    ["topic", "name"],
    ["customer_name", "name"],
    ["estimated_amount", "amount"],
    ["currency", "currency"],
    ["estimated_close_date", "close_date"],
]


async def create_standard_template(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    template = apps.get_model("models", "OpportunityTemplate")
    stage = apps.get_model("models", "OpportunityStage")
    first_stage = await stage.all().using_db(schema_editor.client).order_by("sort_order").first()
    await template.create(
        company_id=None,
        name="Standard",
        is_default=True,
        copy_members=True,
        copy_links=True,
        copy_company_sections=True,
        default_stage_id=first_stage.pk if first_stage else None,
        field_mappings=STANDARD_MAPPINGS,
        using_db=schema_editor.client,
    )


async def remove_standard_template(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    template = apps.get_model("models", "OpportunityTemplate")
    await template.filter(company_id=None, name="Standard").using_db(schema_editor.client).delete()


class Migration(migrations.Migration):
    dependencies = [("models", "0004_conversion")]

    operations = [ops.RunPython(create_standard_template, remove_standard_template)]
