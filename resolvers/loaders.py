"""Per-request DataLoaders: every nested record loads in one batch through a visibility scope.

Each area defines its loader factories next to its resolvers (a function of the viewer that
returns a DataLoader) and gets the request's instance with `info.context.loaders.get(factory)`.
"""

import asyncio
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from operator import attrgetter
from typing import Any, TypeAlias, TypeVar, Union, cast

from strawberry import dataloader
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models import Account, Company, Contact, Lead, MemberRole, Opportunity, OpportunityStage, OpportunityTemplate, User
from models.rows import Row, Scope, model_of, select_rows
from permissions import roles, scopes

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
M = TypeVar("M", bound=Model)


class DataLoader(dataloader.DataLoader[K, T]):
    """Strawberry's DataLoader, whose futures outlive an awaiter that is cancelled.

    A loader hands every field that asks for a key the same future. When an error nulls part of
    a response, graphql-core cancels the resolvers still pending under it, and cancelling a task
    cancels the future it awaits: without the shield, every other field awaiting the same record
    (the same company, the same user) would be cancelled with it, and the request with them. When
    a batch fails, the errors of its futures are read once it has set them, so that asyncio does
    not log as never retrieved the error of a future that no one awaits any more (its awaiters
    were cancelled, or went away with a failed planned run): one pass over the batch's futures
    once it is done, rather than a callback on each of the hundreds of keys a page loads."""

    shielded = True
    """False on the planned path, which cancels no awaiter while the run goes on and drops the
    request's loaders when it fails: there the loader's own future is handed out."""

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[T]]]) -> None:
        # A weak reference: a loader that held itself through its load function would be a cycle,
        # and the request's loaders, with every record they hold, would wait for the collector.
        loader = weakref.ref(self)

        async def load(keys: list[K]) -> Sequence[T]:
            try:
                return await load_fn(keys)
            finally:
                # Strawberry sets the batch's results or errors as soon as this returns or raises,
                # whatever went wrong (the load function, or the number of its values): one check
                # of the batch's futures after that, not a callback per future.
                if (this := loader()) is not None:
                    this.loop.call_soon(this._read_errors, keys)

        super().__init__(load_fn=load)

    def _read_errors(self, keys: list[K]) -> None:
        for key in keys:
            future = self.cache_map.get(key)
            if isinstance(future, asyncio.Future) and future.done():
                read_error(future)

    def load(self, key: K) -> Awaitable[T]:
        future = super().load(key)
        return asyncio.shield(future) if self.shielded else future

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[T]]:
        """The values of the keys, in order, as `asyncio.gather` of their `load` gives them, without
        gather's callback per key: a batch resolves its futures together, so once the first is
        awaited the others of its batch are done already."""
        return _in_order([self.load(key) for key in keys])


async def _in_order(awaitables: list[Awaitable[T]]) -> list[T]:
    results: list[T] = []
    try:
        for awaitable in awaitables:
            results.append(await awaitable)
    except BaseException:
        # As gather does once it has failed: the errors of the others are read, not logged.
        for awaitable in awaitables[len(results) + 1 :]:
            if isinstance(awaitable, asyncio.Future):
                if awaitable.done():
                    read_error(awaitable)
                else:
                    awaitable.add_done_callback(read_error)
        raise
    return results


def read_error(future: asyncio.Future[Any]) -> None:
    """A done callback that reads a future's error, so that asyncio does not log it as never
    retrieved when no one awaits the future any more."""
    if not future.cancelled():
        future.exception()


LoaderFactory = Callable[[User], DataLoader[Any, Any]]
Loaded: TypeAlias = Union[T, Awaitable[T]]  # noqa: UP007 a union with a bare TypeVar must be spelt so
"""What `load_now` gives: the value, or an awaitable of it."""


def load_now(loader: DataLoader[K, T], key: K) -> Loaded[T]:
    """The value itself when this request has loaded it already, else the loader's future.

    A resolver that returns a plain value costs graphql-core no task and no await: a portal page
    resolves the same few companies, stages and users hundreds of times."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return loader.load(key)


def company_of(context: Any) -> DataLoader[int, Company | Row | None]:
    return cast(DataLoader[int, Company | Row | None], context.loaders.company)


def record_users_of(context: Any) -> DataLoader[int, Row | None]:
    return cast(DataLoader[int, Row | None], context.loaders.get(record_user_loader))


def references(
    loader_of: Callable[[Any], DataLoader[Any, Any]], key: str
) -> Callable[[Any, Sequence[Any]], list[Any] | Awaitable[list[Any]]]:
    """A reference field for many records at once: for each record, what
    `load_now(loader_of(context), record.<key>)` gives (None for a null key), each distinct key
    asked of the loader once. The list itself when every key is loaded already, else an awaitable
    of it."""
    key_of = attrgetter(key)

    def resolve_many(context: Any, records: Sequence[Any]) -> list[Any] | Awaitable[list[Any]]:
        loader = loader_of(context)
        keys = [key_of(record) for record in records]
        found: dict[Any, Any] = {None: None}
        waiting: list[tuple[Any, Awaitable[Any]]] = []
        for each in keys:
            if each not in found:
                value = load_now(loader, each)
                if isinstance(value, asyncio.Future):
                    found[each] = None
                    waiting.append((each, value))
                else:
                    found[each] = value
        if not waiting:
            return [found[each] for each in keys]
        return _completed(keys, found, waiting)

    return resolve_many


async def _completed(keys: list[Any], found: dict[Any, Any], waiting: list[tuple[Any, Awaitable[Any]]]) -> list[Any]:
    for each, awaitable in waiting:
        found[each] = await awaitable
    return [found[each] for each in keys]


def by_id_loader(scope: Callable[[User], QuerySet[M]], viewer: User) -> DataLoader[int, M | None]:
    """Loads records of the viewer's scope by primary key in one query, as models; an id outside
    the scope loads as None."""

    async def load(ids: Sequence[int]) -> list[M | None]:
        visible = scopes.as_sql(scope, viewer)
        model = cast(type[M], visible.model)
        found = await _rows_by_id(visible, ids)
        return [model_of(model, found[record_id]) if record_id in found else None for record_id in ids]

    return DataLoader(load_fn=load)


def grouped_loader(query: Callable[[list[K]], QuerySet[M]], key: Callable[[M], K]) -> DataLoader[K, list[M]]:
    """Loads, for many keys at once, the list of records that belong to each key."""

    async def load(keys: Sequence[K]) -> list[list[M]]:
        groups: dict[K, list[M]] = defaultdict(list)
        for record in await query(list(keys)):
            groups[key(record)].append(record)
        return [groups.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def company_loader(viewer: User) -> DataLoader[int, Company | Row | None]:
    """Companies as rows (`models.rows`), but the viewer's own, which signing in read as a model."""
    return cast(DataLoader[int, Company | Row | None], by_id_rows_loader(scopes.visible_companies, viewer))


def lead_loader(viewer: User) -> DataLoader[int, Lead | None]:
    return by_id_loader(scopes.visible_leads, viewer)


def opportunity_loader(viewer: User) -> DataLoader[int, Opportunity | None]:
    return by_id_loader(scopes.visible_opportunities, viewer)


def account_loader(viewer: User) -> DataLoader[int, Account | None]:
    return by_id_loader(scopes.visible_accounts, viewer)


def contact_loader(viewer: User) -> DataLoader[int, Contact | None]:
    return by_id_loader(scopes.visible_contacts, viewer)


def stage_loader(viewer: User) -> DataLoader[int, OpportunityStage | Row | None]:
    """Stages as rows (`models.rows`)."""
    return cast(DataLoader[int, OpportunityStage | Row | None], by_id_rows_loader(scopes.visible_stages, viewer))


def template_loader(viewer: User) -> DataLoader[int, OpportunityTemplate | None]:
    return by_id_loader(scopes.visible_templates, viewer)


def user_loader(viewer: User) -> DataLoader[int, User | None]:
    return by_id_loader(scopes.visible_users, viewer)


def by_id_rows_loader(scope: Callable[[User], QuerySet[Any]], viewer: User) -> DataLoader[int, Row | None]:
    """`by_id_loader` for the viewer's scope, the records read as rows (`models.rows`)."""

    async def load(ids: Sequence[int]) -> list[Row | None]:
        found = await _rows_by_id(scopes.as_sql(scope, viewer), ids)
        return [found.get(record_id) for record_id in ids]

    return DataLoader(load_fn=load)


async def _rows_by_id(visible: Scope, ids: Sequence[int]) -> dict[int, Row]:
    return {row.pk: row for row in await select_rows(visible, [{"id": ids}])}


def grouped_rows_loader(model: type[Model], key: str, order_by: Sequence[str]) -> DataLoader[int, list[Row]]:
    """`grouped_loader` for the records of `model` whose `key` is each of many ids (a record's
    children), read as rows in `order_by` (`models.rows`)."""
    key_of = attrgetter(key)

    async def load(ids: Sequence[int]) -> list[list[Row]]:
        groups: dict[int, list[Row]] = defaultdict(list)
        for row in await select_rows(model, [{key: ids}], order_by=order_by):
            groups[key_of(row)].append(row)
        return [groups.get(each, []) for each in ids]

    return DataLoader(load_fn=load)


def record_user_loader(viewer: User) -> DataLoader[int, Row | None]:
    """Owners of records the viewer sees (see `scopes.users_of_visible_records`), as rows."""
    return by_id_rows_loader(scopes.users_of_visible_records, viewer)


def record_account_loader(viewer: User) -> DataLoader[int, Account | None]:
    """Accounts of records the viewer sees (see `scopes.accounts_of_visible_records`)."""
    return by_id_loader(scopes.accounts_of_visible_records, viewer)


def record_contact_loader(viewer: User) -> DataLoader[int, Contact | None]:
    """Contacts of records the viewer sees (see `scopes.contacts_of_visible_records`)."""
    return by_id_loader(scopes.contacts_of_visible_records, viewer)


class Loaders:
    """The DataLoaders of one request, created on first use and bound to its viewer."""

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer
        self.shielded = True
        self._loaders: dict[LoaderFactory, DataLoader[Any, Any]] = {}
        self._policy_role: asyncio.Task[MemberRole | None] | None = None
        self.company.prime(viewer.company_id, viewer.company)
        self.user.prime(viewer.id, viewer)

    def get(self, factory: Callable[[User], DataLoader[K, T]]) -> DataLoader[K, T]:
        loader = self._loaders.get(factory)
        if loader is None:
            loader = self._loaders[factory] = factory(self.viewer)
            loader.shielded = self.shielded
        return loader

    def unshield(self) -> None:
        """Hands out the loaders' own futures from now on (`DataLoader.shielded`)."""
        self.shielded = False
        for loader in self._loaders.values():
            loader.shielded = False

    @property
    def company(self) -> DataLoader[int, Company | Row | None]:
        return self.get(company_loader)

    @property
    def user(self) -> DataLoader[int, User | None]:
        return self.get(user_loader)

    async def policy_role(self) -> MemberRole | None:
        """The role the viewer holds through policies on records their company is part of,
        read once per request: concurrent resolvers await the same query."""
        if self._policy_role is None:
            self._policy_role = asyncio.ensure_future(self._read_policy_role())
        return await self._policy_role

    async def _read_policy_role(self) -> MemberRole | None:
        company_roles = [] if self.viewer.is_admin else await scopes.company_policy_roles(self.viewer)
        return roles.policy_role(self.viewer.is_admin, company_roles)
