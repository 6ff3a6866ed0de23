"""Profile one scenario inside the app with pyinstrument: `python -m bench.profile SCENARIO --leads N
[--backend sqlite|postgres] [--requests 50]`. The app runs in-process (ASGI, no network), on the
benchmark's database, and the profile of `--requests` sequential requests is printed as text."""

import asyncio

from bench.inprocess import arguments, post, scenario_of, serving


def main() -> None:
    options = arguments("python -m bench.profile", requests=50).parse_args()
    url, scenario = scenario_of(options)

    from pyinstrument import Profiler

    async def run() -> None:
        async with serving(url, scenario) as client:
            await post(client, scenario, 0)
            profiler = Profiler(interval=0.0005, async_mode="enabled")
            profiler.start()
            for i in range(1, options.requests):
                response = await post(client, scenario, i)
                assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]
            profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))

    asyncio.run(run())


if __name__ == "__main__":
    main()
