import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from models.conversion_records import ConversionEventKind


class Migration(migrations.Migration):
    dependencies = [("models", "0003_default_stages")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ConversionEvent",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CONVERTED: CONVERTED\nOPPORTUNITY_CREATED: OPPORTUNITY_CREATED\nOPPORTUNITY_LINKED: OPPORTUNITY_LINKED\nOPPORTUNITY_UNLINKED: OPPORTUNITY_UNLINKED",
                        enum_type=ConversionEventKind,
                        max_length=24,
                    ),
                ),
                (
                    "lead",
                    fields.ForeignKeyField(
                        "models.Lead",
                        source_field="lead_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "opportunity",
                    fields.ForeignKeyField(
                        "models.Opportunity",
                        source_field="opportunity_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "contact",
                    fields.ForeignKeyField(
                        "models.Contact",
                        source_field="contact_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "details",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "conversion_event",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One conversion, link or unlink: who, when, and what it created or linked.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IdempotencyRecord",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(max_length=255)),
                ("request_hash", fields.CharField(max_length=64)),
                ("result", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "idempotency_record",
                "app": "models",
                "unique_together": (("user", "key"),),
                "pk_attr": "id",
                "table_description": "The first result of a conversion sent with an idempotency key, kept per user.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OpportunityTemplate",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "company",
                    fields.ForeignKeyField(
                        "models.Company",
                        source_field="company_id",
                        null=True,
                        description="Owning company, null for the built-in Standard template",
                        db_constraint=True,
                        to_field="id",
                        related_name="opportunity_templates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=120)),
                ("is_default", fields.BooleanField(default=False)),
                ("copy_members", fields.BooleanField(default=True)),
                ("copy_links", fields.BooleanField(default=True)),
                ("copy_company_sections", fields.BooleanField(default=True)),
                (
                    "default_stage",
                    fields.ForeignKeyField(
                        "models.OpportunityStage",
                        source_field="default_stage_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "field_mappings",
                    fields.JSONField(
                        default=list,
                        description="Ordered [lead_field, opportunity_field] pairs",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "opportunity_template",
                "app": "models",
                "unique_together": (("company", "name"),),
                "pk_attr": "id",
                "table_description": "Which lead fields fill which opportunity fields, and what a conversion copies over.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ConversionSettings",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "company",
                    fields.OneToOneField(
                        "models.Company",
                        source_field="company_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="conversion_settings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("create_account", fields.BooleanField(default=True)),
                ("create_contact", fields.BooleanField(default=True)),
                ("create_opportunity", fields.BooleanField(default=True)),
                (
                    "default_template",
                    fields.ForeignKeyField(
                        "models.OpportunityTemplate",
                        source_field="default_template_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("minimum_score", fields.IntField(null=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "conversion_settings",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A company's defaults for choices a conversion leaves out.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Lead",
            name="external_id",
            field=fields.CharField(
                null=True,
                description="The identifier an import gave the row, unique per sourcing company",
                max_length=100,
            ),
        ),
        ops.AddConstraint(
            model_name="Lead",
            constraint=UniqueConstraint(fields=("sourced_by", "external_id"), name=None),
        ),
        ops.AddField(
            model_name="Opportunity",
            name="template",
            field=fields.ForeignKeyField(
                "models.OpportunityTemplate",
                source_field="template_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
