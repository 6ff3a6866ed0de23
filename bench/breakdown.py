"""Where a scenario's time goes, by package: `python -m bench.breakdown SCENARIO --leads N
[--backend sqlite|postgres] [--requests 20] [--planned on|off]`.

The app runs in-process (ASGI, no network) on the benchmark's database, as in `bench.profile`. After
`WARMUP` requests it prints the time per request of `--requests` sequential requests without a
profiler, then cProfile's own time per function over as many more, grouped by the package its file
belongs to, and how many function calls it profiled (a count that, unlike the time, does not drift
with the host's speed). To measure another checkout's code on the same data, run it from a
directory outside both checkouts with `PYTHONPATH=<that checkout>`: `python -m` puts the current
directory first on the path."""

import asyncio
import cProfile
import pstats
import time
from collections import defaultdict

from bench.inprocess import WARMUP, arguments, post, scenario_of, serving

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
    parser = arguments("python -m bench.breakdown", requests=20)
    parser.add_argument("--planned", choices=("on", "off"), default="on")
    options = parser.parse_args()
    url, scenario = scenario_of(options)

    from leadbridge.app import settle_memory

    async def run() -> None:
        async with serving(url, scenario, planned_reads=options.planned == "on") as client:
            settle_memory()
            for i in range(WARMUP):
                await post(client, scenario, i)
            started = time.perf_counter()
            for i in range(options.requests):
                await post(client, scenario, WARMUP + i)
            per_request = (time.perf_counter() - started) / options.requests * 1000
            profile = cProfile.Profile()
            profile.enable()
            for i in range(options.requests):
                await post(client, scenario, WARMUP + options.requests + i)
            profile.disable()
        stats = pstats.Stats(profile)
        by_package: dict[str, float] = defaultdict(float)
        for (path, _, function), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]  # Stats.stats is not in typeshed
            by_package[package_of(path, function)] += own
        total = sum(by_package.values())
        print(
            f"{options.backend} {options.scenario}: {per_request:.1f} ms per request in-process without the profiler; "
            f"own time by package over {options.requests} profiled requests ({total:.2f} s, "
            f"{stats.total_calls:,} function calls):"  # type: ignore[attr-defined]  # nor is Stats.total_calls
        )
        for package, own in sorted(by_package.items(), key=lambda item: -item[1]):
            print(f"  {package:24s} {100 * own / total:5.1f} %")

    asyncio.run(run())


if __name__ == "__main__":
    main()
