"""Accounts, contacts and the company directory: scoped loaders, the `accounts`, `contacts` and
`companies` reads, createAccount and createContact."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Lower
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import Account, Company, Contact, DomainError, Opportunity, User
from models import opportunity_workflow as workflow
from permissions import scopes
from resolvers.access import load_for
from resolvers.context import Context
from resolvers.errors import attempt
from resolvers.loaders import DataLoader
from resolvers.opportunities import NestedPageKey, nested_page_loader, pks_or_nothing
from resolvers.pagination import LoadedPage, Ordering, Page, Position, cursor_of, cut, paginate
from resolvers.search import search_term


def contact_sort_key(contact: Contact) -> tuple[str, str, int]:
    return (contact.last_name.lower(), (contact.first_name or "").lower(), contact.pk)


def _contact_position(contact: Contact) -> Position:
    return (contact.last_name.lower(), (contact.first_name or "").lower()), contact.pk


async def contacts_of_account(
    context: Context, account: Account, first: int | None, after: str | None, last: int | None, before: str | None
) -> Page[Contact]:
    """A page of the account's visible contacts, cut from all of them (loaded for many accounts at once)."""
    args = context.page_args(f"Account.contacts:{account.pk}", first, after, last, before)
    contacts = await context.loaders.get(account_contacts_loader).load(account.pk)
    return cut(contacts, args, _contact_position)


def account_contacts_loader(viewer: User) -> DataLoader[int, list[Contact]]:
    """Each account's visible contacts, by last name then first name."""

    async def load(account_ids: Sequence[int]) -> list[list[Contact]]:
        groups: dict[int, list[Contact]] = defaultdict(list)
        for contact in await scopes.visible_contacts(viewer).filter(account_id__in=list(account_ids)):
            if contact.account_id is not None:
                groups[contact.account_id].append(contact)
        return [sorted(groups.get(account_id, []), key=contact_sort_key) for account_id in account_ids]

    return DataLoader(load_fn=load)


def account_opportunities_loader(viewer: User) -> DataLoader[NestedPageKey, LoadedPage[Opportunity]]:
    """Each account's visible opportunities, oldest first."""

    async def children_of(account_ids: list[int]) -> list[tuple[int, Opportunity]]:
        found = await scopes.visible_opportunities(viewer).filter(account_id__in=account_ids)
        return [(opportunity.account_id, opportunity) for opportunity in found if opportunity.account_id is not None]

    return nested_page_loader(children_of)


BY_NAME = Ordering("sort_name")


def _accounts(context: Context) -> QuerySet[Account]:
    return scopes.visible_accounts(context.viewer).annotate(sort_name=Lower("name"))


def _contacts(context: Context) -> QuerySet[Contact]:
    return scopes.visible_contacts(context.viewer).annotate(sort_name=Lower("last_name"))


async def list_accounts(
    context: Context, *, first: int | None, after: str | None, last: int | None, before: str | None, search: str | None
) -> Page[Account]:
    """Visible accounts by name (case-insensitive); `search` matches the name or the website."""
    args = context.page_args("accounts", first, after, last, before)
    queryset = _accounts(context)
    if (text := search_term(search, "search")) is not None:
        queryset = queryset.filter(Q(name__icontains=text) | Q(website__icontains=text))
    return await paginate(queryset, args, BY_NAME)


async def list_contacts(
    context: Context,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    search: str | None,
    account_id: str | None,
) -> Page[Contact]:
    """Visible contacts by last name; `search` matches first name, last name or email;
    `accountId` narrows to one account (an ID that is not a visible account's matches nothing)."""
    args = context.page_args("contacts", first, after, last, before)
    queryset = _contacts(context)
    if (text := search_term(search, "search")) is not None:
        queryset = queryset.filter(
            Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(email__icontains=text)
        )
    if account_id is not None:
        queryset = queryset.filter(account_id__in=pks_or_nothing([account_id], "Account"))
    return await paginate(queryset, args, BY_NAME)


async def list_companies(
    context: Context, *, first: int | None, after: str | None, last: int | None, before: str | None, search: str | None
) -> Page[Company]:
    """The network's companies by name; `search` matches the name or the domain."""
    args = context.page_args("companies", first, after, last, before)
    queryset = scopes.visible_companies(context.viewer)
    if (text := search_term(search, "search")) is not None:
        queryset = queryset.filter(Q(name__icontains=text) | Q(domain__icontains=text))
    queryset = queryset.annotate(sort_name=Lower("name"))
    return await paginate(queryset, args, BY_NAME)


async def account_edge_cursor(context: Context, account: Account) -> str:
    """The cursor of an account in `accounts`."""
    return await cursor_of(context.cursors, "accounts", _accounts(context), BY_NAME, account.pk)


async def contact_edge_cursor(context: Context, contact: Contact) -> str:
    """The cursor of a contact in `contacts`."""
    return await cursor_of(context.cursors, "contacts", _contacts(context), BY_NAME, contact.pk)


async def create_account(context: Context, values: dict[str, Any]) -> tuple[Account | None, list[DomainError]]:
    async def action() -> Account:
        return await workflow.create_account(context.viewer, **values)

    return await attempt(action)


async def create_contact(
    context: Context, values: dict[str, Any], account_id: str | None
) -> tuple[Contact | None, list[DomainError]]:
    """createContact: the contact's account, when given, must be visible to the viewer."""

    async def action() -> Contact:
        async with in_transaction():
            account = await load_for(context, Account, account_id, ["accountId"]) if account_id is not None else None
            return await workflow.create_contact(context.viewer, **values, account=account)

    return await attempt(action)
