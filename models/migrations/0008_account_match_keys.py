from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

from models.matching import fill_match_keys


async def fill_account_keys(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """Derive the match keys of the accounts that exist, a batch of ids at a time."""
    await fill_match_keys(apps.get_model("models", "Account"), schema_editor.client, "account", "name")


async def nothing(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """The columns the backward step drops hold the keys: nothing to undo first."""


class Migration(migrations.Migration):
    dependencies = [("models", "0007_lead_merging")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Account",
            name="normalized_name",
            field=fields.CharField(
                null=True, description="name as duplicate accounts match it (null when empty)", max_length=255
            ),
        ),
        ops.AddField(
            model_name="Account",
            name="website_domain",
            field=fields.CharField(
                null=True,
                description="The host of website as duplicate accounts match it (null when empty)",
                max_length=255,
            ),
        ),
        ops.AddIndex(model_name="Account", index=Index(fields=["normalized_name"])),
        ops.AddIndex(model_name="Account", index=Index(fields=["website_domain"])),
        ops.RunPython(fill_account_keys, nothing),
    ]
