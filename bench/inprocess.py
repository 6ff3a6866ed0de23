"""One scenario served in-process, for the measuring commands (`bench.breakdown`, `bench.profile`,
`bench.orm_costs`): the app on the benchmark's database, without a network, and a client signed
in as the scenario's viewer."""

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from bench.__main__ import SECRET_KEY, database_url, fixtures_for, parse_args
from bench.scenarios import Scenario, scenarios


def arguments(prog: str, requests: int) -> argparse.ArgumentParser:
    """The options every measuring command takes: the scenario, the data set, the backend and how
    many requests to measure."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("scenario")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--deep-page", type=int, default=1000)
    return parser


WARMUP = 5
"""Requests each measuring command sends before it measures."""


def scenario_of(options: argparse.Namespace) -> tuple[str, Scenario]:
    """The database URL and the scenario the options name, with bodies for `WARMUP` and twice
    `--requests` requests: each conversion its own lead, when the requests are numbered in turn."""
    bodies = WARMUP + 2 * options.requests
    args = parse_args(
        [
            "--leads",
            str(options.leads),
            "--conversions",
            str(bodies * 2),
            "--deep-page",
            str(options.deep_page),
        ]
    )
    url = database_url(options.backend, args)
    fixtures = fixtures_for(url, args)
    # `scenarios` gives half of the conversions to our server and half to the floor.
    return url, next(s for s in scenarios(fixtures, bodies * 2) if s.name == options.scenario)


@asynccontextmanager
async def serving(url: str, scenario: Scenario, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app on `url`, as the scenario's viewer, rate limiting off."""
    from leadbridge.app import create_app
    from leadbridge.settings import Settings

    app = create_app(Settings(database_url=url, secret_key=SECRET_KEY, rate_limit_capacity=0, **settings))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {scenario.viewer.token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            yield client


async def post(client: httpx.AsyncClient, scenario: Scenario, index: int) -> httpx.Response:
    """The scenario's request number `index` (its bodies in turn)."""
    return await client.post("/graphql", json=scenario.bodies[index % len(scenario.bodies)])
