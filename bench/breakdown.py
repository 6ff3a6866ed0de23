"""Where a scenario's time goes, by package: `python -m bench.breakdown SCENARIO --leads N
[--backend sqlite|postgres] [--requests 20] [--planned on|off]`.

The app runs in-process (ASGI, no network) on the benchmark's database, as in `bench.profile`. After
5 warm-up requests it prints the time per request of `--requests` sequential requests without a
profiler, then cProfile's own time per function over as many more, grouped by the package its file
belongs to. Run it with `PYTHONPATH=<another checkout>` to measure that checkout's code on the same
data."""

import argparse
import asyncio
import cProfile
import pstats
import time
from collections import defaultdict

import httpx
from asgi_lifespan import LifespanManager

from bench.__main__ import SECRET_KEY, database_url, fixtures_for, parse_args
from bench.scenarios import scenarios

PACKAGES = (
    "graphql",
    "strawberry",
    "tortoise",
    "pypika_tortoise",
    "asyncpg",
    "aiosqlite",
    "iso8601",
    "starlette",
    "httpx",
    "json",
    "asyncio",
)


def package_of(path: str, function: str) -> str:
    if "epoll" in function:
        return "waiting for I/O (epoll)"
    for package in PACKAGES:
        if f"/{package}/" in path:
            return package
    if "site-packages" not in path and not path.startswith(("~", "<")) and "/lib/python" not in path:
        return "our code"
    if path.startswith(("~", "<")):
        return "builtins"
    return "other stdlib"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.breakdown")
    parser.add_argument("scenario")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument("--planned", choices=("on", "off"), default="on")
    options = parser.parse_args()
    args = parse_args(
        ["--leads", str(options.leads), "--conversions", str(options.requests), "--deep-page", str(options.deep_page)]
    )
    url = database_url(options.backend, args)
    fixtures = fixtures_for(url, args)
    scenario = next(s for s in scenarios(fixtures, options.requests * 2) if s.name == options.scenario)

    from leadbridge.app import create_app, settle_memory
    from leadbridge.settings import Settings

    async def run() -> None:
        settings = Settings(
            database_url=url, secret_key=SECRET_KEY, rate_limit_capacity=0, planned_reads=options.planned == "on"
        )
        app = create_app(settings)
        async with LifespanManager(app):
            settle_memory()
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {scenario.viewer.token}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
                for _ in range(5):
                    await client.post("/graphql", json=scenario.bodies[0])
                started = time.perf_counter()
                for i in range(options.requests):
                    await client.post("/graphql", json=scenario.bodies[i % len(scenario.bodies)])
                per_request = (time.perf_counter() - started) / options.requests * 1000
                profile = cProfile.Profile()
                profile.enable()
                for i in range(options.requests):
                    await client.post("/graphql", json=scenario.bodies[i % len(scenario.bodies)])
                profile.disable()
        by_package: dict[str, float] = defaultdict(float)
        for (path, _, function), (_, _, own, _, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]  # Stats.stats is not in typeshed
            by_package[package_of(path, function)] += own
        total = sum(by_package.values())
        print(
            f"{options.backend} {options.scenario}: {per_request:.1f} ms per request in-process without the profiler; "
            f"own time by package over {options.requests} profiled requests ({total:.2f} s):"
        )
        for package, own in sorted(by_package.items(), key=lambda item: -item[1]):
            print(f"  {package:24s} {100 * own / total:5.1f} %")

    asyncio.run(run())


if __name__ == "__main__":
    main()
