"""Authorization sweep: every query and mutation argument that takes an ID, found by
introspection so that new ones are covered as they come, answers a foreign ID (a record only
someone else sees), an ID of another type and made-up IDs alike: null, an empty list or
NOT_FOUND, and nothing in the database changes."""

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
)

from models import Lead, MemberRole, OpportunityStage, OpportunityTemplate
from tests.factories import (
    add_member,
    client_as,
    gid,
    graphql,
    make_account,
    make_activity,
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    make_partner_program,
    make_policy,
    make_sales_plan,
    make_solution,
    make_user,
)
from tests.live import ID_ARGUMENT_TYPES

# The type of record each ID argument or input field names; `Parent.name` wins over `name`.
# A new ID argument missing here fails the sweep until it is added.
EXPECTED_TYPES: dict[str, str | None] = {
    "Query.node.id": None,
    "Query.nodes.ids": None,
    "Query.lead.id": "Lead",
    "Query.opportunity.id": "Opportunity",
    "AccountChoice.existingId": "Account",
    "ContactChoice.existingId": "Contact",
    "OpportunityChoice.existingId": "Opportunity",
    **ID_ARGUMENT_TYPES,
}
REFUSALS = {"NOT_FOUND", "BAD_USER_INPUT"}
FILLERS: dict[str, Any] = {
    "String": "Sweep",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "100.00",
    "Date": "2030-01-01",
    "DateTime": "2030-01-01T00:00:00Z",
}


def encoded(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def made_up_ids(type_name: str) -> list[str]:
    """IDs that name no record: unknown, out of range (up to thousands of digits, past what
    Python's int() converts), not digits, not an ID at all."""
    return [
        encoded(type_name, "999999"),
        encoded(type_name, "99999999999"),
        encoded(type_name, "1" * 30),
        encoded(type_name, "9" * 5000),
        encoded(type_name, "-1"),
        encoded(type_name, "\u00b2"),
        "not-an-id",
        "",
    ]


@dataclass(frozen=True)
class Site:
    """Where an ID goes: a root field, then argument and input field names (0 for a list item)."""

    root: str  # "Query" or "Mutation"
    field: str
    path: tuple[str | int, ...]
    expected: str | None  # the record type it names; None for any (node, nodes)

    @property
    def name(self) -> str:
        return next(step for step in reversed(self.path) if isinstance(step, str))

    def __str__(self) -> str:
        return f"{self.root}.{self.field}({'.'.join(map(str, self.path))})"


def expected_type(parent: str, name: str) -> str | None:
    for key in (f"{parent}.{name}", name):
        if key in EXPECTED_TYPES:
            return EXPECTED_TYPES[key]
    raise AssertionError(f"{parent}.{name} takes an ID: add the type it names to EXPECTED_TYPES")


def id_sites(schema: GraphQLSchema) -> list[Site]:
    sites: list[Site] = []

    def walk(
        root: str, field: str, type_: GraphQLInputType, parent: str, name: str, path: tuple, seen: frozenset
    ) -> None:
        named = get_named_type(type_)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        step: tuple = (0,) if isinstance(inner, GraphQLList) else ()
        if named.name == "ID":
            sites.append(Site(root, field, (*path, *step), expected_type(parent, name)))
        elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            for child_name, child in named.fields.items():
                walk(root, field, child.type, named.name, child_name, (*path, *step, child_name), seen | {named.name})

    for root_type in (schema.query_type, schema.mutation_type):
        assert root_type is not None
        for field_name, field in root_type.fields.items():
            for arg_name, arg in field.args.items():
                walk(
                    root_type.name,
                    field_name,
                    arg.type,
                    f"{root_type.name}.{field_name}",
                    arg_name,
                    (arg_name,),
                    frozenset(),
                )
    return sites


@dataclass
class Network:
    own: dict[str, str]  # a record of each type the viewer sees
    foreign: dict[str, str]  # a record of each type that only an outsider sees


async def seed_network() -> tuple[Any, Network]:
    company, outside = await make_company(), await make_company()
    viewer = await make_user(company=company, is_admin=True, can_edit_converted_leads=True)
    colleague = await make_user(company=company)
    outsider = await make_user(company=outside, is_admin=True)
    records: dict[str, dict[str, Any]] = {"own": {}, "foreign": {}}
    for side, owner, member in (("own", viewer, colleague), ("foreign", outsider, None)):
        account = await make_account(owner.company)
        contact = await make_contact(owner.company, account=account)
        lead = await make_lead(owner)
        opportunity = await make_opportunity(owner, account=account, contact=contact)
        if member:
            await add_member(lead, member, MemberRole.COLLABORATOR)
            await add_member(opportunity, member, MemberRole.COLLABORATOR)
        records[side] = {
            "Lead": lead,
            "Opportunity": opportunity,
            "Account": account,
            "Contact": contact,
            "Activity": await make_activity(lead, owner),
            "AccessPolicy": await make_policy(owner.company, MemberRole.VIEWER),
            "OpportunityTemplate": await OpportunityTemplate.create(company=owner.company, name="Sweep template"),
            "Company": owner.company,
            "User": member or owner,
            "SalesPlan": await make_sales_plan(owner.company),
            "Solution": await make_solution(owner.company),
            "PartnerProgram": await make_partner_program(owner.company),
        }
    records["own"]["OpportunityStage"] = await OpportunityStage.all().order_by("sort_order").first()
    await make_lead(viewer)  # a second own lead, so that lists are not empty for other reasons
    # Companies, stages and the catalog are the network's directory: everyone sees them.
    for public in ("Company", "OpportunityStage", "SalesPlan", "Solution", "PartnerProgram"):
        records["foreign"].pop(public, None)
    return viewer, Network(
        own={name: gid(record) for name, record in records["own"].items()},
        foreign={name: gid(record) for name, record in records["foreign"].items()},
    )


def zero_padded(global_id: str) -> str:
    """The same record's ID spelt with a leading zero (`Lead:09` for `Lead:9`)."""
    type_name, _, node_id = base64.b64decode(global_id).decode().partition(":")
    return encoded(type_name, "0" + node_id)


def planted_ids(site: Site, network: Network) -> list[tuple[str, str]]:
    """(what, ID) pairs to try at a site."""
    if site.expected is None:
        return (
            [(f"foreign {name}", value) for name, value in network.foreign.items()]
            + [("made-up", value) for value in made_up_ids("Lead")]
            + [("zero-padded own", zero_padded(network.own["Lead"]))]
        )
    cases = [
        ("wrong type", network.own["Lead" if site.expected == "Company" else "Company"]),
        ("zero-padded own", zero_padded(network.own[site.expected])),
    ]
    if site.expected in network.foreign:
        cases.append(("foreign", network.foreign[site.expected]))
    return cases + [("made-up", value) for value in made_up_ids(site.expected)]


def valid_id(parent: str, name: str, network: Network) -> str:
    return network.own[expected_type(parent, name) or "Lead"]


def value(type_: GraphQLInputType, parent: str, name: str, path: tuple | None, planted: str, network: Network) -> Any:
    """A value for an argument or input field: the planted ID at the end of the path, a valid
    record or a filler elsewhere; only required fields off the path are filled."""
    if isinstance(type_, GraphQLNonNull):
        return value(type_.of_type, parent, name, path, planted, network)
    if isinstance(type_, GraphQLList):
        return [value(type_.of_type, parent, name, path[1:] if path else None, planted, network)]
    if type_.name == "ID":
        return planted if path == () else valid_id(parent, name, network)
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        on_path = path[0] if path else None
        fields = type_.fields
        result = {}
        for field_name, field in fields.items():
            if field_name == on_path:
                result[field_name] = value(
                    field.type, type_.name, field_name, path[1:] if path else (), planted, network
                )
            elif isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined:
                result[field_name] = value(field.type, type_.name, field_name, None, planted, network)
        if "leadId" in fields and "opportunityId" in fields and not {"leadId", "opportunityId"} & result.keys():
            result["leadId"] = network.own["Lead"]  # inputs that act on a lead or an opportunity
        return result
    return FILLERS[type_.name]


def payload_selection(type_: Any) -> str:
    """A mutation payload's userErrors, also inside a list of results."""
    named = get_named_type(type_)
    parts = ["__typename userErrors { code field message }"] if "userErrors" in named.fields else []
    for name, field in named.fields.items():
        item = get_named_type(field.type)
        if isinstance(item, GraphQLObjectType) and "userErrors" in item.fields:
            parts.append(f"{name} {{ userErrors {{ code field message }} }}")
    if not parts:
        raise AssertionError(f"{named.name} has no userErrors")
    return "{ " + " ".join(parts) + " }"


def answer_selection(type_: Any, depth: int = 2) -> str:
    """Enough of a query's answer to tell whether it reveals anything: scalars, nested objects'
    scalars, a connection's count and IDs."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return "{ __typename ... on Node { id } }"
    if "edges" in named.fields and "totalCount" in named.fields:
        return "{ totalCount edges { node { id } } }"
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined for arg in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif depth > 1 and isinstance(inner, GraphQLObjectType):
            parts.append(f"{name} {answer_selection(field.type, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


def operation(schema: GraphQLSchema, site: Site, planted: str, network: Network) -> tuple[str, dict[str, Any]]:
    """The document and variables that send `planted` at the site."""
    root_type = schema.query_type if site.root == "Query" else schema.mutation_type
    assert root_type is not None
    field = root_type.fields[site.field]
    parent = f"{site.root}.{site.field}"
    variables: dict[str, Any] = {}
    for arg_name, arg in field.args.items():
        if arg_name == site.path[0]:
            variables[arg_name] = value(arg.type, parent, arg_name, site.path[1:], planted, network)
        elif isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            variables[arg_name] = value(arg.type, parent, arg_name, None, planted, network)
    declarations = ", ".join(f"${name}: {field.args[name].type}" for name in variables)
    arguments = ", ".join(f"{name}: ${name}" for name in variables)
    keyword = "query" if site.root == "Query" else "mutation"
    selection = answer_selection(field.type) if site.root == "Query" else payload_selection(field.type)
    document = f"{keyword} Sweep({declarations}) {{ {site.field}({arguments}) {selection} }}"
    return document.replace("Sweep()", "Sweep"), variables


def refused(site: Site, body: dict[str, Any], missing: dict[str, Any]) -> bool:
    """Whether the answer is what a record that does not exist gets (`missing`, the answer for
    an unknown ID of the right type), so that it reveals nothing of the planted one."""
    errors = body.get("errors") or []
    if errors:
        return all((error.get("extensions") or {}).get("code") in REFUSALS for error in errors)
    answer = body["data"][site.field]
    if site.root == "Mutation":
        payloads = answer.get("results", [answer])
        return any(
            error["code"] == "NOT_FOUND" and site.name in (error["field"] or [])
            for payload in payloads
            for error in payload["userErrors"]
        )
    if answer is None or (isinstance(answer, list) and all(item is None for item in answer)):
        return True
    if isinstance(answer, dict) and answer.get("totalCount") == 0:
        return True
    return not missing.get("errors") and answer == missing["data"][site.field]


async def database_rows() -> dict[str, list[str]]:
    """Every row of every table, to tell that nothing changed."""
    connection = Lead._meta.db
    if connection.capabilities.dialect == "sqlite":
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        listing = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    rows: dict[str, list[str]] = {}
    for table in await connection.execute_query_dict(listing):
        name = table["name"]
        found = await connection.execute_query_dict(f'SELECT * FROM "{name}"')
        rows[name] = sorted(json.dumps(row, sort_keys=True, default=str) for row in found)
    return rows


async def test_every_id_argument_refuses_foreign_wrong_type_zero_padded_and_made_up_ids(
    anonymous_client: httpx.AsyncClient,
) -> None:
    # given a viewer (an admin of their company), a colleague, and an outsider's company with
    # a record of every kind
    viewer, network = await seed_network()
    failures: list[str] = []

    async with client_as(anonymous_client, viewer) as viewer_client:
        introspection = await graphql(viewer_client, get_introspection_query())
        schema = build_client_schema(introspection["data"])
        sites = id_sites(schema)
        for site in sites:
            if site.root == "Query":
                # a valid ID at the same site reads fine, so a refusal below is the ID's doing
                document, variables = operation(schema, site, network.own[site.expected or "Lead"], network)
                control = await graphql(viewer_client, document, variables)
                if control.get("errors") or control["data"][site.field] is None:
                    failures.append(f"{site} with a valid ID: {control}")
            missing = {}
            if site.root == "Query":
                document, variables = operation(schema, site, encoded(site.expected or "Lead", "999999"), network)
                missing = await graphql(viewer_client, document, variables)
            before = await database_rows()

            # when the site gets a foreign, a wrong-type, a zero-padded and made-up IDs
            for what, planted in planted_ids(site, network):
                document, variables = operation(schema, site, planted, network)
                response = await viewer_client.post("/graphql", json={"query": document, "variables": variables})

                # then the answer is null, empty or NOT_FOUND
                if response.status_code != 200 or not refused(site, response.json(), missing):
                    failures.append(
                        f"{site} with {what} ID {planted!r}: HTTP {response.status_code} {response.text[:400]}"
                    )

            # and nothing changed
            if await database_rows() != before:
                failures.append(f"{site}: the database changed")

    assert len(sites) >= 60
    assert failures == [], "\n".join(failures)
