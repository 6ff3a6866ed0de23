"""Smoke test of the benchmark command on a tiny data set: it runs end to end, every scenario
answers without errors, the API returns the same JSON as the hand-written SQL floor, and on
PostgreSQL the portal is measured on the peer (PostGraphile) too, for the same leads.
The figures themselves are not asserted (they depend on the machine): see bench/RESULTS.md."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import postgres_url, with_database

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["portal", "search", "page-1", "page-3", "convert", "viewer", "viewer-hello-world"]


@pytest.mark.slow
def test_the_benchmark_command_runs_every_scenario_on_a_tiny_data_set(backend, request, tmp_path):
    if backend == "postgres":
        request.getfixturevalue("postgres_databases")  # skips with the reason when PostgreSQL is not there
    results = tmp_path / "results.json"
    bench_url = with_database(
        postgres_url() or "postgres://postgres@127.0.0.1:5432/x",
        f"lbbench_smoke_{tmp_path.name[-20:].replace('-', '_')}",
    )

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--leads",
            "400",
            "--backends",
            backend,
            "--postgres-url",
            bench_url,
            "--data-dir",
            str(tmp_path),
            "--deep-page",
            "3",
            "--duration",
            "0.5",
            "--warmup",
            "0.2",
            "--conversions",
            "3",
            "--floor-seconds",
            "0.3",
            "--concurrency",
            "2",
            "--json",
            str(results),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        assert completed.returncode == 0, completed.stderr[-3000:]
        rows = json.loads(results.read_text())
        assert [row["scenario"] for row in rows] == SCENARIOS
        assert {row["scenario"]: row["api"]["errors"] for row in rows} == dict.fromkeys(SCENARIOS, 0)
        assert {row["scenario"]: row["same_json"] for row in rows} == {
            **dict.fromkeys(["portal", "search", "page-1", "page-3", "viewer"], "yes"),
            "convert": "shape",
            "viewer-hello-world": "-",
        }
        # On SQLite the floor's conversions queue for the one writer, as a server's writers do.
        queued = {row["scenario"]: row["floor"]["queued"] for row in rows if row["floor"]}
        assert queued == {name: backend == "sqlite" and name == "convert" for name in queued}
        statements = {row["scenario"]: row["api"]["statements_per_request"] for row in rows}
        assert statements["viewer"] == 1
        assert statements["page-1"] == statements["page-3"] == 2
        assert "p50 ms" in completed.stdout and "targets:" in completed.stdout
        peers = {row["scenario"]: row["peer"] for row in rows}
        if backend == "postgres":
            portal = peers.pop("portal")
            assert portal is not None, rows[0].get("peer_skipped")
            assert portal["name"].startswith("PostGraphile 4.14"), portal
            assert portal["p50_ms"] > 0 and portal["throughput"] > 0 and portal["requests"] > 0, portal
            assert (portal["errors"], portal["same_leads"]) == (0, True), portal
            assert portal["objects"] > 0 and rows[0]["api"]["objects"] > 0
            assert "ours / PostGraphile 4.14" in completed.stdout
        assert all(peer is None for peer in peers.values()), peers
    finally:
        if backend == "postgres":
            import asyncio

            from tests.databases import _admin

            name = bench_url.rsplit("/", 1)[1] + "_400"
            asyncio.run(_admin(postgres_url(), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
