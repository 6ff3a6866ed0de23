"""Telling a database outage (gone, unreachable, restarting, not migrated) from any other error:
the client is told to come back later (SERVICE_UNAVAILABLE) rather than that the server broke."""

import sqlite3

import asyncpg
from tortoise.exceptions import DBConnectionError

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable: try again shortly"
POSTGRES_OUTAGES = (
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or was lost
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutting down, starting, terminated
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full
    asyncpg.exceptions.InvalidCatalogNameError,  # the database does not exist (dropped, renamed)
    asyncpg.exceptions.UndefinedTableError,  # the database is not migrated
)
SQLITE_OUTAGES = (  # sqlite3 says what went wrong in its message only
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "no such table",
    "file is not a database",
    "database disk image is malformed",
)


def is_outage(error: BaseException | None) -> bool:
    """Whether the error, or one it was raised from or while handling, says the database is gone."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (DBConnectionError, *POSTGRES_OUTAGES)):
            return True
        if isinstance(error, asyncpg.InterfaceError) and "closed" in str(error):
            return True
        if isinstance(error, sqlite3.DatabaseError) and str(error).lower().startswith(SQLITE_OUTAGES):
            return True
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError | PermissionError):
            return True
        error = error.__cause__ or error.__context__ or _wrapped(error)
    return False


def _wrapped(error: BaseException) -> BaseException | None:
    """Tortoise raises its errors with the driver's as their argument."""
    return error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
