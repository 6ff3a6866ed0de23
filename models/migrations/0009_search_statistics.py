from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

SEARCHED = {
    "lead": ("first_name", "last_name", "customer_name", "email"),
    "account": ("name", "website"),
    "contact": ("first_name", "last_name", "email"),
    "company": ("name", "domain"),
    "opportunity": ("name",),
}
"""The columns each list's text search matches case-insensitively (`__icontains`), which
PostgreSQL reads as `UPPER(CAST(column AS VARCHAR)) LIKE ...`."""

EXPRESSION_STATISTICS = 140000
"""The PostgreSQL release (server_version_num) that keeps statistics on expressions."""


def statistics_name(table: str, column: str) -> str:
    return f"{table}_{column}_search"


async def _expression_statistics(schema_editor: BaseSchemaEditor) -> bool:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return False
    rows = await client.execute_query_dict("SELECT current_setting('server_version_num')::int AS version")
    return int(rows[0]["version"]) >= EXPRESSION_STATISTICS


async def keep_search_statistics(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """PostgreSQL keeps no statistics on `UPPER(column)`, so it guessed that a search matches
    almost nothing and planned a parallel scan of the whole list to find a page of it (15 ms
    where the plan for what it matches takes under 1 ms). Statistics on those expressions, which
    ANALYZE fills, let it estimate a search as it estimates any other filter. SQLite has no such
    statistics; its planner does not weigh them."""
    if not await _expression_statistics(schema_editor):
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            await schema_editor.client.execute_script(
                f'CREATE STATISTICS IF NOT EXISTS "{statistics_name(table, column)}" '
                f'ON (UPPER(CAST("{column}" AS VARCHAR))) FROM "{table}"'
            )
        await schema_editor.client.execute_script(f'ANALYZE "{table}"')


async def drop_search_statistics(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if not await _expression_statistics(schema_editor):
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            await schema_editor.client.execute_script(f'DROP STATISTICS IF EXISTS "{statistics_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("models", "0008_account_match_keys")]

    initial = False

    operations = [ops.RunPython(keep_search_statistics, drop_search_statistics)]
