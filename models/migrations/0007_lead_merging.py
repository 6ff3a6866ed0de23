from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

from models.matching import fill_match_keys as fill_rows


async def fill_match_keys(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """Derive the match keys of the leads that exist, a batch of ids at a time."""
    await fill_rows(apps.get_model("models", "Lead"), schema_editor.client, "lead", "customer_name")


async def nothing(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """The columns the backward step drops hold the keys: nothing to undo first."""


class Migration(migrations.Migration):
    dependencies = [("models", "0006_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Lead",
            name="merged_into",
            field=fields.ForeignKeyField(
                "models.Lead",
                source_field="merged_into_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Lead",
            name="normalized_name",
            field=fields.CharField(
                null=True, description="customer_name as duplicates match it (null when empty)", max_length=255
            ),
        ),
        ops.AddField(
            model_name="Lead",
            name="website_domain",
            field=fields.CharField(
                null=True,
                description="The host of website as duplicates match it (null when empty)",
                max_length=255,
            ),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["email", "created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["normalized_name", "created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["website_domain", "created_at", "id"]),
        ),
        ops.RunPython(fill_match_keys, nothing),
    ]
