from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

DEFAULT_STAGES = [
    ("Prospecting", 10, "PIPELINE", False, False),
    ("Qualification", 20, "PIPELINE", False, False),
    ("Needs Analysis", 25, "PIPELINE", False, False),
    ("Value Proposition", 50, "BEST_CASE", False, False),
    ("Decision Makers Identified", 60, "BEST_CASE", False, False),
    ("Proposal/Price Quote", 75, "COMMIT", False, False),
    ("Negotiation/Review", 90, "COMMIT", False, False),
    ("Closed Won", 100, "CLOSED", True, True),
    ("Closed Lost", 0, "OMITTED", True, False),
]


async def create_default_stages(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    stage = apps.get_model("models", "OpportunityStage")
    for sort_order, (name, probability, category, is_closed, is_won) in enumerate(DEFAULT_STAGES, start=1):
        await stage.create(
            name=name,
            probability=probability,
            forecast_category=category,
            is_closed=is_closed,
            is_won=is_won,
            sort_order=sort_order,
            using_db=schema_editor.client,
        )


async def remove_default_stages(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    stage = apps.get_model("models", "OpportunityStage")
    await stage.filter(name__in=[name for name, *_ in DEFAULT_STAGES]).using_db(schema_editor.client).delete()


class Migration(migrations.Migration):
    dependencies = [("models", "0002_records")]

    operations = [ops.RunPython(create_default_stages, remove_default_stages)]
