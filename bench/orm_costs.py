"""What the ORM builds for one scenario: `python -m bench.orm_costs SCENARIO --leads N
[--backend sqlite|postgres] [--requests 20]`.

The app runs in-process on the benchmark's database, as in `bench.breakdown`. After `WARMUP` warm-up
requests, `--requests` sequential requests run with Tortoise's model construction
(`Model._init_from_db`) and pypika's statement building (`get_parameterized_sql`, and Tortoise's
`_make_query` before it) wrapped by counters, and it prints, per request, the models made by
class, the time spent building statements, and each statement the query builder built. Only for
measuring: the wrappers slow every request down, so compare counts, not the total."""

import asyncio
import time
from collections import Counter, defaultdict
from typing import Any

import pypika_tortoise.queries
import tortoise.models
import tortoise.queryset

from bench.inprocess import WARMUP, arguments, post, scenario_of, serving

seconds: dict[str, float] = defaultdict(float)
models: Counter[str] = Counter()
statements: Counter[str] = Counter()


def _count_time(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[label] += time.perf_counter() - started

    setattr(owner, name, counted)


def instrument() -> None:
    for value in vars(tortoise.queryset).values():
        if isinstance(value, type) and "_make_query" in vars(value):
            _count_time(value, "_make_query", "Tortoise _make_query")
    builder = pypika_tortoise.queries.QueryBuilder
    build = builder.get_parameterized_sql

    def built(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = build(self, *args, **kwargs)
        seconds["pypika get_parameterized_sql"] += time.perf_counter() - started
        statements[result[0][:100]] += 1
        return result

    builder.get_parameterized_sql = built  # type: ignore[method-assign]  # a counter around it
    make = tortoise.models.Model._init_from_db.__func__  # type: ignore[attr-defined]  # the classmethod's function

    def made(cls: Any, **kwargs: Any) -> Any:
        models[cls.__name__] += 1
        return make(cls, **kwargs)

    tortoise.models.Model._init_from_db = classmethod(made)  # type: ignore[assignment, method-assign]  # a counter around it


def main() -> None:
    options = arguments("python -m bench.orm_costs", requests=20).parse_args()
    url, scenario = scenario_of(options)

    async def run() -> None:
        async with serving(url, scenario) as client:
            for i in range(WARMUP):
                await post(client, scenario, i)
            instrument()
            for i in range(options.requests):
                await post(client, scenario, WARMUP + i)
        n = options.requests
        print(f"{options.backend} {options.scenario}, per request over {n} requests:")
        print(
            f"  models made: {sum(models.values()) / n:.0f} ({', '.join(f'{k} {v / n:.0f}' for k, v in models.most_common())})"
        )
        for label, total in seconds.items():
            print(f"  {label}: {total / n * 1000:.2f} ms")
        print(f"  queries the query builder built, subqueries included: {sum(statements.values()) / n:.1f}")
        for text, count in statements.most_common():
            print(f"    x{count / n:.1f} {text}")

    asyncio.run(run())


if __name__ == "__main__":
    main()
