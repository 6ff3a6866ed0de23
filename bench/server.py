"""`leadbridge serve`, counting the SQL statements it sends: `python -m bench.server serve --port P`.

The count is read from `GET /__bench__/statements`, answered before the app sees the request;
everything else is `leadbridge serve` unchanged.
"""

import json
import sys
from typing import Any

STATEMENTS = [0]
STATS_PATH = "/__bench__/statements"


def count_statements() -> None:
    """Count every statement the Tortoise clients send (queries, inserts, updates, scripts)."""
    from tortoise.backends.asyncpg.client import AsyncpgDBClient
    from tortoise.backends.asyncpg.client import TransactionWrapper as AsyncpgTransaction
    from tortoise.backends.base_postgres.client import BasePostgresClient
    from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper

    names = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")
    for client_class in (
        AsyncpgDBClient,
        AsyncpgTransaction,
        BasePostgresClient,
        SqliteClient,
        SqliteTransactionWrapper,
    ):
        for name in names:
            original = client_class.__dict__.get(name)
            if original is None:
                continue

            async def counted(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
                STATEMENTS[0] += 1
                return await _original(self, *args, **kwargs)

            setattr(client_class, name, counted)


def with_stats(app: Any) -> Any:
    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == STATS_PATH:
            body = json.dumps({"statements": STATEMENTS[0]}).encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def create_app_from_env() -> Any:
    from leadbridge.app import create_app_from_env as create

    return with_stats(create())


def main() -> None:
    import uvicorn

    import bench.server
    from leadbridge import cli

    bench.server.count_statements()  # the module uvicorn loads the app from, not __main__

    real_run = uvicorn.run

    def run(app: Any, **options: Any) -> None:
        if app == "leadbridge.app:create_app_from_env":
            app = "bench.server:create_app_from_env"
        real_run(app, **options)

    cli.uvicorn.run = run
    cli.main(sys.argv[1:])


if __name__ == "__main__":
    main()
