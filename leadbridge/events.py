"""The lead event bus: in-process on SQLite (one worker), PostgreSQL LISTEN/NOTIFY across workers.

Each worker fans events out to its own subscribers through a `LocalLeadEvents`; on PostgreSQL a
worker publishes with NOTIFY and hears every worker's events, its own included, on one dedicated
LISTEN connection, so that each event reaches each subscriber exactly once.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import asyncpg
from starlette.applications import Starlette
from tortoise import connections
from tortoise.backends.base.config_generator import expand_db_url

from leadbridge.settings import Settings
from resolvers.lead_events import LeadEvent, LeadEventBus

logger = logging.getLogger("leadbridge.events")

CHANNEL = "leadbridge_lead_events"
QUEUE_SIZE = 1000
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)


class LocalSubscription:
    """One subscriber's queue. A subscriber that falls QUEUE_SIZE events behind is ended
    rather than silently skipped: its client sees the subscription complete."""

    def __init__(self, hub: "LocalLeadEvents") -> None:
        self.hub = hub
        self.queue: asyncio.Queue[LeadEvent | None] = asyncio.Queue(maxsize=QUEUE_SIZE + 1)
        self.ended = False

    def __aiter__(self) -> "LocalSubscription":
        return self

    async def __anext__(self) -> LeadEvent:
        if self.ended and self.queue.empty():
            raise StopAsyncIteration
        event = await self.queue.get()
        if event is None:
            raise StopAsyncIteration
        return event

    def offer(self, event: LeadEvent) -> None:
        if self.ended:
            return
        if self.queue.qsize() >= QUEUE_SIZE:
            logger.warning("a lead event subscriber fell %d events behind: ending its subscription", QUEUE_SIZE)
            self.end()
            return
        self.queue.put_nowait(event)

    def end(self) -> None:
        """Stop after the events already queued."""
        if not self.ended:
            self.ended = True
            self.hub.subscribers.discard(self)
            self.queue.put_nowait(None)

    def close(self) -> None:
        self.ended = True
        self.hub.subscribers.discard(self)


class LocalLeadEvents:
    """Delivers events to the subscribers of this process."""

    def __init__(self) -> None:
        self.subscribers: set[LocalSubscription] = set()

    def subscribe(self) -> LocalSubscription:
        subscription = LocalSubscription(self)
        self.subscribers.add(subscription)
        return subscription

    def deliver(self, event: LeadEvent) -> None:
        for subscription in list(self.subscribers):
            subscription.offer(event)

    async def publish(self, event: LeadEvent) -> None:
        self.deliver(event)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for subscription in list(self.subscribers):
            subscription.end()


class PostgresLeadEvents:
    """Publishes with NOTIFY through the ORM's pool; listens on a dedicated connection,
    reconnecting when it drops (events sent while it is down are lost, and logged as such)."""

    def __init__(self, database_url: str, connection_name: str) -> None:
        self.credentials = expand_db_url(database_url)["credentials"]
        self.connection_name = connection_name
        self.local = LocalLeadEvents()
        self.listener: asyncpg.Connection | None = None
        self.reconnecting: asyncio.Task[None] | None = None
        self.stopping = False

    def subscribe(self) -> LocalSubscription:
        return self.local.subscribe()

    async def publish(self, event: LeadEvent) -> None:
        try:
            await connections.get(self.connection_name).execute_query(
                "SELECT pg_notify($1, $2)", [CHANNEL, event.to_json()]
            )
        except Exception:
            logger.exception("could not publish a lead event (%s of lead %s)", event.kind.value, event.lead_id)

    async def start(self) -> None:
        await self._listen()

    async def stop(self) -> None:
        self.stopping = True
        if self.reconnecting is not None:
            self.reconnecting.cancel()
            with suppress(asyncio.CancelledError):
                await self.reconnecting
        if self.listener is not None and not self.listener.is_closed():
            with suppress(Exception):
                await self.listener.remove_listener(CHANNEL, self._notified)
            await self.listener.close()
        await self.local.stop()

    async def _listen(self) -> None:
        credentials = self.credentials
        connection = await asyncpg.connect(
            host=credentials.get("host"),
            port=credentials.get("port"),
            user=credentials.get("user"),
            password=credentials.get("password"),
            database=credentials.get("database"),
        )
        connection.add_termination_listener(self._lost)
        await connection.add_listener(CHANNEL, self._notified)
        self.listener = connection

    def _notified(self, connection: object, pid: int, channel: str, payload: str) -> None:
        try:
            event = LeadEvent.from_json(payload)
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed lead event notification: %r", payload[:200])
            return
        self.local.deliver(event)

    def _lost(self, connection: object) -> None:
        if not self.stopping and self.reconnecting is None:
            logger.warning("lost the lead events LISTEN connection: reconnecting")
            self.reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        try:
            while not self.stopping:
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
                try:
                    await self._listen()
                except (OSError, asyncpg.PostgresError) as error:
                    attempt += 1
                    logger.warning("lead events LISTEN connection: reconnect failed (%s)", error)
                    continue
                logger.warning("lead events LISTEN connection restored")
                return
        finally:
            self.reconnecting = None


def lead_event_bus(settings: Settings) -> LocalLeadEvents | PostgresLeadEvents:
    if settings.dialect == "postgres":
        return PostgresLeadEvents(settings.database_url, settings.dialect)
    return LocalLeadEvents()


@asynccontextmanager
async def running(app: Starlette, settings: Settings) -> AsyncIterator[LeadEventBus]:
    """The bus for the settings' database, on `app.state.lead_events` while the block runs."""
    bus = lead_event_bus(settings)
    await bus.start()
    app.state.lead_events = bus
    try:
        yield bus
    finally:
        await bus.stop()
