"""Profile one scenario inside the app with pyinstrument: `python -m bench.profile SCENARIO --leads N
[--backend sqlite|postgres] [--requests 50]`. The app runs in-process (ASGI, no network), on the
benchmark's database, and the profile of `--requests` sequential requests is printed as text."""

import argparse
import asyncio

import httpx
from asgi_lifespan import LifespanManager

from bench.__main__ import SECRET_KEY, database_url, fixtures_for, parse_args
from bench.scenarios import scenarios


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("scenario")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--deep-page", type=int, default=1000)
    options = parser.parse_args()
    args = parse_args(
        ["--leads", str(options.leads), "--conversions", str(options.requests), "--deep-page", str(options.deep_page)]
    )
    url = database_url(options.backend, args)
    fixtures = fixtures_for(url, args)
    scenario = next(s for s in scenarios(fixtures, options.requests * 2) if s.name == options.scenario)

    from pyinstrument import Profiler

    from leadbridge.app import create_app
    from leadbridge.settings import Settings

    async def run() -> None:
        app = create_app(Settings(database_url=url, secret_key=SECRET_KEY, rate_limit_capacity=0))
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {scenario.viewer.token}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
                await client.post("/graphql", json=scenario.bodies[0])
                profiler = Profiler(interval=0.0005, async_mode="enabled")
                profiler.start()
                for i in range(1, options.requests):
                    response = await client.post("/graphql", json=scenario.bodies[i % len(scenario.bodies)])
                    assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]
                profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))

    asyncio.run(run())


if __name__ == "__main__":
    main()
