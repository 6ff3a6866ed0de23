"""How the seed turns its values into rows: the tables, columns, defaults and conversions come from
the models' metadata, with Tortoise initialised and nothing written."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tortoise.exceptions import ValidationError

from leadbridge.database import connected
from leadbridge.seed import Table, Tables
from leadbridge.settings import Settings
from models import Activity, ConversionEvent, ConversionEventKind, Lead, LeadAcceptance, LeadStatus, Opportunity, User

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
async def tables() -> AsyncIterator[Tables]:
    async with connected(Settings(database_url="sqlite://:memory:")):
        yield Tables()


def as_columns(table: Table, row: tuple) -> dict:
    return dict(zip((column.name for column in table.columns.values()), row, strict=True))


async def test_the_columns_a_row_leaves_out_take_the_models_defaults(tables):
    users = tables.models[User]

    row = users.row(
        {"id": 7, "email": "a@b.example", "name": "A B", "company_id": 3, "created_at": AT, "updated_at": AT}
    )

    assert as_columns(users, row) == {
        "id": 7,
        "email": "a@b.example",
        "name": "A B",
        "is_admin": False,
        "can_edit_converted_leads": False,
        "is_active": True,
        "token_version": 0,
        "created_at": AT,
        "updated_at": AT,
        "company_id": 3,
    }


async def test_values_are_converted_as_tortoise_writes_them_under_their_column_names(tables):
    leads, events = tables.models[Lead], tables.models[ConversionEvent]
    lead = {"id": 1, "sourced_by_id": 2, "owner_id": 3, "created_at": AT, "updated_at": AT}

    lead_row = as_columns(leads, leads.row({**lead, "status": LeadStatus.CLOSED_CONVERTED}))
    pending = as_columns(leads, leads.row({**lead, "stored_acceptance": LeadAcceptance.PENDING}))
    event = as_columns(
        events,
        events.row(
            {
                "id": 1,
                "kind": ConversionEventKind.CONVERTED,
                "lead_id": 1,
                "actor_id": 3,
                "details": {"seeded": True},
                "created_at": AT,
            }
        ),
    )

    assert (lead_row["status"], lead_row["acceptance"], lead_row["external_id"]) == (
        "CLOSED_CONVERTED",
        "NOT_REQUIRED",
        None,
    )
    assert pending["acceptance"] == "PENDING"
    assert (event["kind"], event["details"], event["opportunity_id"]) == ("CONVERTED", '{"seeded":true}', None)


async def test_a_row_without_a_value_the_model_cannot_default_is_refused(tables):
    with pytest.raises(TypeError) as missing_time:
        tables.models[User].row({"id": 7, "email": "a@b.example", "name": "A B", "company_id": 3})
    with pytest.raises(TypeError) as missing_company:
        tables.models[User].row({"id": 7, "email": "a@b.example", "name": "A B", "created_at": AT, "updated_at": AT})
    with pytest.raises(TypeError) as unknown:
        tables.models[User].row({"id": 7, "nickname": "ab"})

    assert str(missing_time.value) == "the seed gives no user.created_at, which has no default"
    assert str(missing_company.value) == "the seed gives no user.company_id, which has no default"
    assert str(unknown.value) == "user has no field nickname"


async def test_a_value_the_column_cannot_hold_is_refused_as_tortoise_refuses_it(tables):
    with pytest.raises(ValidationError) as too_long:
        tables.models[User].row(
            {"id": 7, "email": "x" * 300, "name": "A B", "company_id": 3, "created_at": AT, "updated_at": AT}
        )

    assert str(too_long.value) == f"email: Length of '{'x' * 300}' 300 > 254"


async def test_links_fill_the_through_tables_of_many_to_many_fields(tables):
    plans = tables.links[Lead, "sales_plans"]
    activities = tables.links[Activity, "opportunities"]

    assert plans.name == "lead_sales_plan"
    assert as_columns(plans, plans.row({"lead_id": 4, "salesplan_id": 9})) == {"lead_id": 4, "salesplan_id": 9}
    assert activities.name == "opportunity_activity"
    assert as_columns(activities, activities.row({"opportunity_id": 5, "activity_id": 6})) == {
        "activity_id": 6,
        "opportunity_id": 5,
    }
    assert tables.links[Opportunity, "activities"] is activities


async def test_tables_are_written_after_the_tables_they_refer_to(tables):
    order = [table.name for table in tables.in_order()]

    for model, table in tables.models.items():
        for name in model._meta.fk_fields:
            related = model._meta.fields_map[name].related_model
            if related in tables.models and related is not model:  # a lead merged into another: same table
                assert order.index(related._meta.db_table) < order.index(table.name), (table.name, name)
    assert set(order[len(tables.models) :]) == {
        "lead_sales_plan",
        "lead_solution",
        "lead_partner_program",
        "opportunity_sales_plan",
        "opportunity_solution",
        "opportunity_partner_program",
        "opportunity_activity",
    }
    assert len(order) == len(set(order))
