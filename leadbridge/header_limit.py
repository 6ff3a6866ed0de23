"""Requests whose headers add up to more than MAX_HEADER_BYTES are refused before anything else
runs: HTTP 431, and a websocket handshake is closed without being accepted."""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_HEADER_BYTES = 64 * 1024
REFUSAL = json.dumps(
    {"errors": [{"message": f"The request headers are larger than {MAX_HEADER_BYTES // 1024} KiB in total"}]}
).encode()


def header_bytes(scope: Scope) -> int:
    """Names and values, as the client sent them; the separators are not counted."""
    return sum(len(name) + len(value) for name, value in scope.get("headers", ()))


class HeaderSizeLimit:
    """ASGI middleware, outermost, so that an oversized request costs no log line or lookup."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or header_bytes(scope) <= MAX_HEADER_BYTES:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1009, "reason": "Request headers too large"})
        else:
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(REFUSAL)).encode())]
            await send({"type": "http.response.start", "status": 431, "headers": headers})
            await send({"type": "http.response.body", "body": REFUSAL})
