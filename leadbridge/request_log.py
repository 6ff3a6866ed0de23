"""One structured JSON log line per HTTP request, and its id in the `X-Request-ID` header.

The line holds who and what, never the query, its variables, a token or an e-mail address:
request id, method, path, worker pid, status, outcome, duration, user id, operation type and
name, error codes (each once, in the order they first appear) and the cost charged. Every
string is cut to MAX_LOGGED_STRING characters and the codes to MAX_LOGGED_CODES, so that no
request writes a long line.
"""

import json
import logging
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("leadbridge.request")

HEADER = "X-Request-ID"
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
PLAIN_PATH = re.compile(r"[A-Za-z0-9/._-]{1,200}")
MAX_LOGGED_STRING = 200
MAX_LOGGED_CODES = 10
TRUNCATED = "..."


def bounded(text: str | None) -> str | None:
    """The text, cut to MAX_LOGGED_STRING characters (the last three then say so)."""
    if text is None or len(text) <= MAX_LOGGED_STRING:
        return text
    return text[: MAX_LOGGED_STRING - len(TRUNCATED)] + TRUNCATED


@dataclass
class RequestRecord:
    """What the request log says about one request; the GraphQL endpoint fills in its part."""

    request_id: str
    method: str
    path: str
    pid: int = field(default_factory=os.getpid)
    status: int | None = None
    outcome: str | None = None
    duration_ms: float | None = None
    user_id: int | None = None
    operation_type: str | None = None
    operation_name: str | None = None
    error_codes: list[str] = field(default_factory=list)
    cost: int | None = None

    def line(self) -> str:
        fields = {name: bounded(value) if isinstance(value, str) else value for name, value in vars(self).items()}
        fields["error_codes"] = [bounded(code) for code in dict.fromkeys(self.error_codes)][:MAX_LOGGED_CODES]
        return json.dumps({"event": "request", **fields}, separators=(",", ":"))


def record_of(request: Request) -> RequestRecord | None:
    record = request.scope.get("state", {}).get("request_record")
    return record if isinstance(record, RequestRecord) else None


def request_id_of(request: Request) -> str | None:
    record = record_of(request)
    return record.request_id if record else None


class RequestLog:
    """ASGI middleware: assigns the request id (a client's own when it is a plain token of 8 to
    128 characters), adds it to the response, and logs the request when it ends. A path with
    anything but letters, digits and `/._-` in it (an e-mail address, say) is not shown."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"] if PLAIN_PATH.fullmatch(scope["path"]) else "(not shown)"
        record = RequestRecord(request_id=self.request_id(scope), method=scope["method"], path=path)
        scope.setdefault("state", {})["request_record"] = record
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                MutableHeaders(scope=message)[HEADER] = record.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            record.status = 500
            raise
        finally:
            record.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            status = record.status or 500
            record.outcome = record.outcome or describe(status, record.error_codes)
            logger.info(record.line())

    @staticmethod
    def request_id(scope: Scope) -> str:
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if CLIENT_REQUEST_ID.fullmatch(candidate):
                    return candidate
        return uuid.uuid4().hex


def describe(status: int, error_codes: list[str]) -> str:
    """The outcome of a request in one word."""
    if status == 401:
        return "unauthenticated"
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "refused"
    return "errors" if error_codes else "ok"


class _RequestLogHandler(logging.StreamHandler):
    """The handler `configure` adds, so that configuring twice adds it once."""


def configure() -> None:
    """Write the request log to stderr, one JSON object a line (for `leadbridge serve` and
    `leadbridge demo`). The schema logs no GraphQL error but unexpected ones (schema.errors)."""
    if any(isinstance(handler, _RequestLogHandler) for handler in logger.handlers):
        return
    handler = _RequestLogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
