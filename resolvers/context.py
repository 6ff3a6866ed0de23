"""The typed per-request context.

It lives here rather than in `leadbridge/` because `schema/` annotates resolvers with it
and may not import the composition root; `leadbridge.transport` builds one, RequestContext, per
request or websocket connection.
"""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import HTTPConnection

from models import User
from resolvers.lead_events import LeadEventBus
from resolvers.loaders import Loaders
from resolvers.pagination import Cursors, PageArgs


@dataclass
class Work:
    """What the reports and imports of a request went through, which its cost accounts for
    once it has run (schema.limits)."""

    rows_aggregated: int = 0
    """Records that `pipeline` and `leadFunnel` counted."""
    bytes_imported: int = 0
    """Bytes of the files `importLeads` read."""


@dataclass
class Context:
    viewer: User
    request: HTTPConnection  # the HTTP request, or the websocket of a subscription
    events: LeadEventBus
    loaders: Loaders = field(init=False)
    work: Work = field(default_factory=Work, init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer)

    @property
    def cursors(self) -> Cursors:
        """The deployment's cursor codec, set on the app when it is built."""
        return self.request.app.state.cursors

    def page_args(
        self, connection: str, first: int | None, after: str | None, last: int | None, before: str | None
    ) -> PageArgs:
        """The checked paging arguments of the list named `connection` (BAD_USER_INPUT when out of bounds)."""
        return self.cursors.page_args(connection, first=first, after=after, last=last, before=before)

    async def sign_out(self, reason: str) -> None:
        """The viewer was deactivated or their tokens revoked while a connection stays open: a
        websocket closes (leadbridge.transport); over HTTP each request signs in anew."""


Info = strawberry.Info[Context, None]
