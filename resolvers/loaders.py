"""Per-request DataLoaders: every nested record loads in one batch through a visibility scope."""

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise.queryset import QuerySet

from models import Company, User
from permissions import scopes

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def by_id_loader(scope: Callable[[], QuerySet[T]]) -> DataLoader[int, T | None]:
    """Loads records by primary key in one query; an id outside the scope loads as None."""

    async def load(ids: Sequence[int]) -> list[T | None]:
        found = {record.pk: record for record in await scope().filter(id__in=list(ids))}
        return [found.get(record_id) for record_id in ids]

    return DataLoader(load_fn=load)


class Loaders:
    """The DataLoaders of one request, created lazily and bound to its viewer."""

    def __init__(self, viewer: User) -> None:
        self.viewer = viewer
        self.company = by_id_loader(lambda: scopes.visible_companies(viewer))
        self.user = by_id_loader(lambda: scopes.visible_users(viewer))
        self.company.prime(viewer.company_id, viewer.company)
        self.user.prime(viewer.id, viewer)
