"""The typed per-request context.

It lives here rather than in `leadbridge/` because `schema/` annotates resolvers with it
and may not import the composition root; `leadbridge.app` builds one per request.
"""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request

from models import User
from resolvers.loaders import Loaders


@dataclass
class Context:
    viewer: User
    request: Request
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer)


Info = strawberry.Info[Context, None]
