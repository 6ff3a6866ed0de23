"""PostgreSQL's estimate of a text search: lists match `search` case-insensitively, which it reads
as `UPPER(CAST(column AS VARCHAR)) LIKE ...`. Without statistics on those expressions it guessed
that a search matches almost nothing and planned a parallel scan of the whole list for a page of
it; the statistics a migration keeps on them make it estimate from the data."""

import json

import pytest

from models import Lead
from tests.factories import make_lead, make_user

SEARCHED = ("first_name", "last_name", "customer_name", "email")


async def estimated_rows(lookup: str) -> int:
    sql = Lead.filter(**{f"{lookup}__icontains": "globex"}).sql(params_inline=True)
    (row,) = await Lead._meta.db.execute_query_dict(f"EXPLAIN (FORMAT JSON) {sql}")
    plan = row["QUERY PLAN"]
    return int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])


async def test_postgresql_estimates_a_search_from_the_data(anonymous_client):
    connection = Lead._meta.db
    if connection.capabilities.dialect == "sqlite":
        pytest.skip("SQLite's planner keeps no statistics to estimate a search with: nothing to check there")
    owner = await make_user()
    for n in range(100):
        await make_lead(
            owner,
            first_name=f"Globex {n}",
            last_name=f"of Globex {n}",
            customer_name=f"Globex Corp {n}",
            email=f"pat{n}@globex{n}.example",
        )
    await connection.execute_script('ANALYZE "lead"')

    estimates = {column: await estimated_rows(column) for column in SEARCHED}

    # Every lead matches; the guess without statistics was under 1 % of them.
    assert all(estimate >= 50 for estimate in estimates.values()), estimates
