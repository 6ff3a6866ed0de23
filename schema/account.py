"""Accounts and contacts: the types, the `accounts` and `contacts` queries, createAccount and
createContact. Imported by schema/opportunity.py, which holds the area's root classes."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from resolvers import accounts, loaders, opportunities
from resolvers.context import Info
from resolvers.loaders import Loaded, load_now
from schema.connection import After, Before, Connection, Edge, First, Last
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput

if TYPE_CHECKING:
    from schema.opportunity import Opportunity

OpportunityRef = Annotated["Opportunity", strawberry.lazy("schema.opportunity")]


@strawberry.type(
    description="A customer organisation that opportunities are sold to. Visible to the users of the company that "
    "created it and to everyone who can see a lead or an opportunity that refers to it."
)
class Account(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The organisation's name; at most 255 characters.")
    website: str | None = strawberry.field(description="The organisation's website; null when unknown.")
    industry: str | None = strawberry.field(description="The organisation's industry, as free text; null when unknown.")

    @strawberry.field(description="The account's contacts the viewer can see, by last name then first name.")
    async def contacts(
        self,
        account: strawberry.Parent[models.Account],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection["Contact"]:
        page = await accounts.contacts_of_account(info.context, account, first, after, last, before)
        return Connection.from_page(page)

    @strawberry.field(description="The account's opportunities the viewer can see, oldest first.")
    async def opportunities(
        self,
        account: strawberry.Parent[models.Account],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[OpportunityRef]:
        key = opportunities.nested_page_key(
            info.context, "Account.opportunities", account.id, first, after, last, before
        )
        return Connection.from_page(await info.context.loaders.get(accounts.account_opportunities_loader).load(key))

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Account))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await opportunities.nodes_of(info.context, loaders.account_loader, node_ids)


@strawberry.type(
    description="A person at a customer, optionally part of an account. Visible to the users of the company that "
    "created it and to everyone who can see a lead or an opportunity that refers to it."
)
class Contact(relay.Node):
    id: relay.NodeID[int]
    first_name: str | None = strawberry.field(description="The person's first name; null when unknown.")
    last_name: str = strawberry.field(description="The person's last name.")
    email: str | None = strawberry.field(description="The person's email address, in lowercase; null when unknown.")
    phone: str | None = strawberry.field(description="The person's phone number; null when unknown.")
    job_title: str | None = strawberry.field(description="The person's job title; null when unknown.")

    @strawberry.field(
        graphql_type=Account | None,
        description="The account the person belongs to; null when none, or when the viewer cannot see it.",
    )
    def account(self, contact: strawberry.Parent[models.Contact], info: Info) -> Loaded[models.Account | None]:
        if contact.account_id is None:
            return None
        return load_now(info.context.loaders.get(loaders.account_loader), contact.account_id)

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, (cls, models.Contact))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await opportunities.nodes_of(info.context, loaders.contact_loader, node_ids)


@strawberry.input(description="A new account of the viewer's company.")
class CreateAccountInput:
    name: str = strawberry.field(description="The organisation's name; required, at most 255 characters.")
    website: str | None = strawberry.field(
        default=None, description="The organisation's website; at most 255 characters."
    )
    industry: str | None = strawberry.field(
        default=None, description="The organisation's industry; at most 120 characters."
    )


@strawberry.type(description="The result of createAccount.")
class CreateAccountPayload:
    account: models.Account | None = strawberry.field(
        graphql_type=Account | None, default=None, description="The new account; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[Account] | None,
        description=(
            "The new account's edge in `accounts` (by name), for Relay's @appendEdge; its cursor pages that list. "
            "Null when the account was not created."
        ),
    )
    async def account_edge(self, info: Info) -> Edge[models.Account] | None:
        if self.account is None:
            return None
        return Edge(cursor=await accounts.account_edge_cursor(info.context, self.account), node=self.account)


@strawberry.input(description="A new contact of the viewer's company.")
class CreateContactInput:
    last_name: str = strawberry.field(description="The person's last name; required, at most 120 characters.")
    first_name: str | None = strawberry.field(
        default=None, description="The person's first name; at most 120 characters."
    )
    email: str | None = strawberry.field(
        default=None,
        description="The person's email address; stored in lowercase. Not an email address: INVALID_INPUT.",
    )
    phone: str | None = strawberry.field(default=None, description="The person's phone number; at most 50 characters.")
    job_title: str | None = strawberry.field(
        default=None, description="The person's job title; at most 120 characters."
    )
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="The account the person belongs to, one the viewer can see (else NOT_FOUND)."
    )


@strawberry.type(description="The result of createContact.")
class CreateContactPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None, default=None, description="The new contact; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)

    @strawberry.field(
        graphql_type=Edge[Contact] | None,
        description=(
            "The new contact's edge in `contacts` (by last name), for Relay's @appendEdge; its cursor pages that "
            "list. Null when the contact was not created."
        ),
    )
    async def contact_edge(self, info: Info) -> Edge[models.Contact] | None:
        if self.contact is None:
            return None
        return Edge(cursor=await accounts.contact_edge_cursor(info.context, self.contact), node=self.contact)


@strawberry.type
class AccountQuery:
    @strawberry.field(description="Accounts the viewer can see, by name; `search` matches name or website.")
    async def accounts(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        search: Annotated[
            str | None,
            strawberry.argument(description="Keep accounts whose name or website contains this text, ignoring case."),
        ] = None,
    ) -> Connection[Account]:
        page = await accounts.list_accounts(
            info.context, first=first, after=after, last=last, before=before, search=search
        )
        return Connection.from_page(page)

    @strawberry.field(
        description="Contacts the viewer can see, by last name; `search` matches first name, last name or email."
    )
    async def contacts(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Keep contacts whose first name, last name or email contains this text, ignoring case."
            ),
        ] = None,
        account_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Keep the contacts of this account; an ID that is not a visible account's matches nothing."
            ),
        ] = None,
    ) -> Connection[Contact]:
        page = await accounts.list_contacts(
            info.context, first=first, after=after, last=last, before=before, search=search, account_id=account_id
        )
        return Connection.from_page(page)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Create an account of the viewer's company, with the viewer as its creator. userErrors: "
        "INVALID_INPUT, CONFLICT."
    )
    async def create_account(self, info: Info, input: MutationInput[CreateAccountInput]) -> CreateAccountPayload:
        account, errors = await accounts.create_account(
            info.context, {"name": input.name, "website": input.website, "industry": input.industry}
        )
        return CreateAccountPayload(account=account, user_errors=user_errors(errors))

    @strawberry.mutation(
        description="Create a contact of the viewer's company, optionally in an account the viewer can see. "
        "userErrors: INVALID_INPUT, NOT_FOUND (accountId), CONFLICT."
    )
    async def create_contact(self, info: Info, input: MutationInput[CreateContactInput]) -> CreateContactPayload:
        values = {
            "first_name": input.first_name,
            "last_name": input.last_name,
            "email": input.email,
            "phone": input.phone,
            "job_title": input.job_title,
        }
        contact, errors = await accounts.create_contact(info.context, values, input.account_id)
        return CreateContactPayload(contact=contact, user_errors=user_errors(errors))
