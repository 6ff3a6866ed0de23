"""The schema as client developers read it through introspection: every part described, no
internal document named, custom scalars sent as their descriptions say."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from graphql import get_introspection_query

from tests.factories import client_as, gid, graphql, make_lead, make_user

INTROSPECTION = get_introspection_query(descriptions=True, specified_by_url=True, input_value_deprecation=True)

LEAD_SCALARS = """
query ($id: ID!) {
  lead(id: $id) { estimatedAmount estimatedCloseDate createdAt }
}
"""

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
INTERNAL_DOCUMENTS = ("CONTRACT", "README", "STYLE.md")


async def introspect(anonymous_client: Any) -> dict[str, Any]:
    user = await make_user()
    async with client_as(anonymous_client, user) as client:
        body = await graphql(client, INTROSPECTION)
    assert "errors" not in body, body
    return body["data"]["__schema"]


def own_types(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema's types less GraphQL's introspection types and built-in scalars."""
    return [t for t in schema["types"] if not t["name"].startswith("__") and t["name"] not in BUILT_IN_SCALARS]


def described_parts(schema: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Every type, field, argument, input field and enum value of our own, with its description."""
    parts = []
    for type_ in own_types(schema):
        name = type_["name"]
        parts.append((name, type_["description"]))
        for field in type_["fields"] or []:
            parts.append((f"{name}.{field['name']}", field["description"]))
            for argument in field["args"]:
                parts.append((f"{name}.{field['name']}({argument['name']})", argument["description"]))
        for input_field in type_["inputFields"] or []:
            parts.append((f"{name}.{input_field['name']}", input_field["description"]))
        for value in type_["enumValues"] or []:
            parts.append((f"{name}.{value['name']}", value["description"]))
    return parts


async def test_every_type_field_argument_input_field_and_enum_value_is_described(anonymous_client):
    schema = await introspect(anonymous_client)

    undescribed = [name for name, description in described_parts(schema) if not (description or "").strip()]

    assert len(described_parts(schema)) > 600
    assert undescribed == []


async def test_no_description_names_an_internal_document(anonymous_client):
    schema = await introspect(anonymous_client)

    naming = [
        (name, description)
        for name, description in described_parts(schema)
        if description and any(document in description for document in INTERNAL_DOCUMENTS)
    ]

    assert naming == []


async def test_every_mutation_names_only_real_error_codes(anonymous_client):
    schema = await introspect(anonymous_client)
    types = {type_["name"]: type_ for type_ in schema["types"]}
    codes = {value["name"] for value in types["UserErrorCode"]["enumValues"]}

    named = {}
    for mutation in types[schema["mutationType"]["name"]]["fields"]:
        description = mutation["description"]
        assert "userErrors" in description, mutation["name"]
        listed = re.sub(r"\([^)]*\)", "", description.partition("userErrors")[2])
        named[mutation["name"]] = set(re.findall(r"\b[A-Z][A-Z_]{2,}\b", listed))

    assert {name: sorted(found - codes) for name, found in named.items() if found - codes} == {}
    assert set().union(*named.values()) == codes


async def test_custom_scalars_name_their_specifications(anonymous_client):
    schema = await introspect(anonymous_client)

    scalars = {t["name"]: t["specifiedByURL"] for t in own_types(schema) if t["kind"] == "SCALAR"}

    assert scalars == {
        "Date": "https://scalars.graphql.org/andimarek/local-date.html",
        "DateTime": "https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
        "Decimal": None,
        "Upload": "https://github.com/jaydenseric/graphql-multipart-request-spec",
    }


async def test_custom_scalars_are_sent_as_described(anonymous_client):
    owner = await make_user()
    lead = await make_lead(owner, estimated_amount=Decimal("1250.50"), estimated_close_date=date(2026, 3, 31))

    async with client_as(anonymous_client, owner) as owner_client:
        body = await graphql(owner_client, LEAD_SCALARS, {"id": gid(lead)})

    sent = body["data"]["lead"]
    assert sent == {"estimatedAmount": "1250.50", "estimatedCloseDate": "2026-03-31", "createdAt": sent["createdAt"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", sent["createdAt"])
    assert datetime.fromisoformat(sent["createdAt"]) == lead.created_at.astimezone(UTC)
