"""The typed per-request context.

It lives here rather than in `leadbridge/` because `schema/` annotates resolvers with it
and may not import the composition root; `leadbridge.app` builds one per request.
"""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import HTTPConnection

from models import User
from resolvers.lead_events import LeadEventBus
from resolvers.loaders import Loaders


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

    async def sign_out(self, reason: str) -> None:
        """The viewer was deactivated or their tokens revoked while a connection stays open: a
        websocket closes (leadbridge.websocket); over HTTP each request signs in anew."""


Info = strawberry.Info[Context, None]
