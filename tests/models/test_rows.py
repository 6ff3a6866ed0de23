import pytest
from tortoise.models import Model

from models import Lead, LeadCompanySection, LeadMember, MemberRole, User
from models.rows import get_with_related, is_row_of, model_of, row_type, scope_of, select_rows
from tests.factories import make_company, make_lead, make_user


def fields_of(record: object, model: type[Model]) -> dict[str, object]:
    return {name: getattr(record, name) for name in model._meta.fields_db_projection}


@pytest.mark.parametrize("model", [User, Lead, LeadCompanySection])
async def test_rows_hold_the_values_tortoise_reads_into_models(anonymous_client, model):
    owner = await make_user(is_admin=True)
    lead = await make_lead(owner, estimated_amount="1250.50", topic="Rows")
    await LeadCompanySection.create(lead=lead, company_id=owner.company_id, industry="Retail", crm_account="A-1")
    records = await model.all().order_by("id")

    rows = await select_rows(model.all(), [{"id": [record.pk for record in records]}], order_by=("id",))

    assert [fields_of(row, model) for row in rows] == [fields_of(record, model) for record in records]
    assert [row.pk for row in rows] == [record.pk for record in records]
    assert all(is_row_of(row, model) and not is_row_of(row, Lead if model is not Lead else User) for row in rows)


async def test_rows_match_any_of_the_conditions_within_the_scope(anonymous_client):
    company, other = await make_company(), await make_company()
    admin = await make_user(company=company, is_admin=True)
    member = await make_user(company=company)
    outsider = await make_user(company=other)

    matched = await select_rows(
        User.all(), [{"id": [outsider.pk]}, {"company_id": [company.pk], "is_admin": True}], order_by=("id",)
    )
    within = await select_rows(User.filter(company_id=other.pk), [{"company_id": [company.pk, other.pk]}])

    assert [row.pk for row in matched] == [admin.pk, outsider.pk]
    assert [row.pk for row in within] == [outsider.pk]
    assert member.pk not in {row.pk for row in matched}
    assert await select_rows(User.all(), [{"id": []}, {"company_id": [], "is_admin": True}]) == []
    assert row_type(User)._fields == tuple(User._meta.fields_db_projection)


async def test_a_string_is_refused_where_a_collection_of_values_is_meant(anonymous_client):
    with pytest.raises(TypeError, match="not a string"):
        await select_rows(User.all(), [{"name": "Ada"}])


async def test_a_model_made_of_a_row_is_the_saved_record(anonymous_client):
    owner = await make_user(is_admin=True, name="Ada")
    lead = await make_lead(await make_user(company_id=owner.company_id), topic="Rows")
    (row,) = await select_rows(User, [{"id": [owner.pk]}])

    user = model_of(User, row)
    await LeadMember.create(lead=lead, user=user, role=MemberRole.VIEWER)
    user.name = "Ada Lovelace"
    await user.save(update_fields=["name"])

    assert fields_of(user, User) == {**fields_of(owner, User), "name": "Ada Lovelace", "updated_at": user.updated_at}
    assert (await user.company).pk == owner.company_id
    assert await LeadMember.filter(lead=lead, user_id=owner.pk, role=MemberRole.VIEWER).exists()
    assert (await User.get(id=owner.pk)).name == "Ada Lovelace"
    assert await User.all().count() == 2
    with pytest.raises(TypeError, match="not a row of Lead"):
        model_of(Lead, row)


async def test_a_record_is_read_with_the_record_its_foreign_key_names(anonymous_client):
    owner = await make_user(is_admin=True)
    lead = await make_lead(owner, topic="Unshared")
    expected = await User.filter(id=owner.pk).select_related("company").get()

    user = await get_with_related(User, owner.pk, "company")
    unshared = await get_with_related(Lead, lead.pk, "partner")

    assert user is not None and unshared is not None
    assert fields_of(user, User) == fields_of(expected, User)
    assert fields_of(user.company, type(expected.company)) == fields_of(expected.company, type(expected.company))
    assert fields_of(unshared, Lead) == fields_of(lead, Lead) and unshared.partner is None
    assert await get_with_related(User, owner.pk + 1000, "company") is None
    with pytest.raises(ValueError, match="not a foreign key"):
        await get_with_related(User, owner.pk, "name")


async def test_a_scope_of_a_filtered_table_is_read_as_its_own_condition(anonymous_client):
    """A statement of the same table reads the scope as its condition, as the query builder writes
    a filtered queryset: SQLite answers `id IN (SELECT id FROM <the same table> ...)` by reading
    every record of the scope first. The model's default ordering (users', by email) is left
    out."""
    owner = await make_user()
    mine, other = await make_lead(owner, topic="Mine"), await make_lead(await make_user(), topic="Other")
    scope = scope_of(Lead.filter(owner_id=owner.pk, topic="Mine"))

    rows = await select_rows(scope, [{"id": [mine.pk, other.pk]}])

    assert scope.where is not None and "SELECT" not in scope.where
    assert list(scope.params) == [owner.pk, "Mine"]
    assert [row.pk for row in rows] == [mine.pk]
    assert scope_of(Lead.all()) == (Lead, None, (), None)
    assert scope_of(User.filter(company_id=owner.company_id)).where == '"company_id"=' + (
        "$1" if User._meta.db.capabilities.dialect == "postgres" else "?"
    )
