"""`python -m bench`: seed (once), start a live `leadbridge serve`, drive it from a separate load
process on loopback at a fixed concurrency, and print, per backend and scenario, p50 / p95
latency, throughput, SQL statements per request and peak server memory, beside the scenario's
floor (hand-written SQL through the same driver, serialized to the same JSON, in one process)
and, for the portal on PostgreSQL, beside the peer: PostGraphile on the same database (bench/peer.py)."""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from bench.live import LiveProcess, StartFailed, free_port
from bench.peer import PostGraphile, objects_in, portal_lead_ids
from bench.peer import portal_body as peer_portal_body
from bench.scenarios import Fixtures, Scenario, Sql, prepare, scenarios

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
PYTHON = sys.executable


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000, help="leads in each benchmark database (default 100,000)")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("LEADBRIDGE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/leadbridge_bench"),
        help="server and database name prefix; the database gets the lead count appended",
    )
    parser.add_argument(
        "--data-dir", default=str(ROOT / "bench" / ".data"), help="where SQLite databases and results go"
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per read scenario")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--conversions", type=int, default=200, help="convertLead requests (and as many floor conversions)"
    )
    parser.add_argument("--floor-seconds", type=float, default=4.0)
    parser.add_argument(
        "--deep-page", type=int, default=1000, help="the page of leads(first: 20) the deep scenario reads"
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names to run")
    parser.add_argument("--json", dest="json_path", default="", help="also write the results here")
    return parser.parse_args(argv)


def database_url(backend: str, args: argparse.Namespace) -> str:
    if backend == "sqlite":
        path = Path(args.data_dir) / f"bench-{args.leads}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite://{path}"
    parts = urlsplit(args.postgres_url)
    name = f"{parts.path.strip('/') or 'leadbridge_bench'}_{args.leads}"
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


async def ensure_postgres_database(url: str) -> None:
    import asyncpg

    parts = urlsplit(url)
    name = parts.path.strip("/")
    admin = await asyncpg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADBRIDGE_")}
    env.update(
        LEADBRIDGE_DATABASE_URL=url,
        LEADBRIDGE_SECRET_KEY=SECRET_KEY,
        LEADBRIDGE_RATE_LIMIT_CAPACITY="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def leadbridge(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "-m", "leadbridge", *args], env=env, check=True, cwd=ROOT, stdout=sys.stderr)


async def lead_count(url: str) -> int:
    sql = Sql(url)
    await sql.open()
    try:
        return int((await sql.rows('SELECT COUNT(*) AS "n" FROM "lead"'))[0]["n"])
    finally:
        await sql.close()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_database(backend: str, url: str, args: argparse.Namespace) -> None:
    if backend == "postgres":
        try:
            asyncio.run(ensure_postgres_database(url))
        except (TimeoutError, OSError) as error:
            raise SystemExit(
                f"bench: PostgreSQL at {url} does not answer ({error}); give --postgres-url or --backends sqlite"
            ) from None
    env = env_for(url)
    leadbridge("migrate", env=env)
    seeded = asyncio.run(lead_count(url))
    if seeded < args.leads:
        log(f"[{backend}] seeding {args.leads - seeded:,} leads")
        started = time.perf_counter()
        leadbridge("seed", "--leads", str(args.leads - seeded), env=env)
        log(f"[{backend}] seeded in {time.perf_counter() - started:.0f} s")


def fixtures_for(url: str, args: argparse.Namespace) -> Fixtures:
    from leadbridge.database import connected
    from leadbridge.settings import Settings

    async def main() -> Fixtures:
        async with connected(Settings(database_url=url)):
            return await prepare(SECRET_KEY, args.conversions * 2, args.deep_page)

    return asyncio.run(main())


class Server(LiveProcess):
    """A live server process on a free loopback port; `hello` runs the Strawberry hello-world."""

    def __init__(self, env: dict[str, str], hello: bool = False) -> None:
        self.port = free_port()
        self.hello = hello
        if hello:
            command = [PYTHON, "-m", "uvicorn", "bench.hello:app", "--log-level", "warning", "--no-access-log"]
        else:
            command = [PYTHON, "-m", "bench.server", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__("hello-world" if hello else "server", command, env, ROOT, self._answers)
        try:
            self.wait()
        except StartFailed as error:
            raise SystemExit(str(error)) from None

    def _answers(self) -> bool:
        try:
            if self.hello:
                httpx.post(f"http://127.0.0.1:{self.port}/graphql", json={"query": "{viewer{email}}"}, timeout=1)
                return True
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def statements(self) -> int:
        if self.hello:
            return 0
        return httpx.get(f"http://127.0.0.1:{self.port}/__bench__/statements", timeout=5).json()["statements"]


def load(
    port: int, headers: dict[str, str], bodies: list[dict[str, Any]], cycle: bool, args: argparse.Namespace
) -> dict[str, Any]:
    """Run the load process (`bench.load`) against `port` at the bench's concurrency."""
    job = {
        "port": port,
        "path": "/graphql",
        "headers": {"Content-Type": "application/json", "Accept": "application/json", **headers},
        "bodies": bodies,
        "concurrency": args.concurrency,
        "warmup": args.warmup,
        "duration": args.duration,
        "cycle": cycle,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(job, file)
    try:
        output = subprocess.run(
            [PYTHON, "-m", "bench.load", file.name], capture_output=True, text=True, cwd=ROOT, check=True
        )
        return json.loads(output.stdout)
    finally:
        os.unlink(file.name)


def drive(server: Server, scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    server.reset_peak_memory()
    before = server.statements()
    started = time.perf_counter()
    result = load(
        server.port, {"Authorization": f"Bearer {scenario.viewer.token}"}, scenario.bodies, scenario.cycle, args
    )
    sent = result["sent"]
    result["statements_per_request"] = (server.statements() - before) / sent if sent else float("nan")
    result["peak_memory_mb"] = server.peak_memory_mb()
    result["wall_s"] = time.perf_counter() - started
    result["objects"] = objects_in(result.get("sample"))
    return result


def start_peer(url: str) -> tuple[PostGraphile | None, str | None]:
    """Start PostGraphile on the backend's database (it answers once `wait()` returns), or say why not."""
    try:
        return PostGraphile(url, ROOT, {k: v for k, v in os.environ.items() if not k.startswith("LEADBRIDGE_")}), None
    except StartFailed as error:
        return None, str(error)


def measure_peer(
    peer: PostGraphile, lead_ids: list[int], api_sample: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    """PostGraphile's portal: the same 50 leads at the same concurrency through the same load process."""
    log(f"[postgres] portal: load on the peer, {peer.name}")
    peer.reset_peak_memory()
    started = time.perf_counter()
    result = load(peer.port, {}, [peer_portal_body(lead_ids)], True, args)
    result["peak_memory_mb"] = peer.peak_memory_mb()
    result["wall_s"] = time.perf_counter() - started
    sample = result.pop("sample")
    if result["errors"]:
        log(f"[postgres] the peer answered {result['errors']} requests with errors, the first: {result['first_error']}")
    result["name"] = peer.name
    result["objects"] = objects_in(sample)
    result["same_leads"] = bool(lead_ids) and portal_lead_ids(sample) == portal_lead_ids(api_sample) == lead_ids
    return result


def measure_floor(url: str, scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    """The floor at the same concurrency as the load: one connection per task, in one process.

    On SQLite, whose database takes one writer at a time, the tasks of a scenario that writes
    queue for it in the order they come, as the writers of one server process do: left to
    SQLite's busy handler, the connection that has just committed takes the lock again while the
    others sleep in growing steps (1, 2, 5, 10 ... ms), so that most transactions wait for nothing
    and one in twenty waits 80 ms or more, and the p50 is lower than one connection's alone.
    The latency of a queued task counts its wait in the queue."""

    floor = scenario.floor
    assert floor is not None, f"{scenario.name} has no floor"
    queued = scenario.writes and not url.startswith(("postgres://", "postgresql://"))

    async def main() -> dict[str, Any]:
        latencies: list[float] = []
        samples: list[str] = []
        next_index = [0]
        total = args.conversions if not scenario.cycle else None
        deadline = time.perf_counter() + args.floor_seconds
        writer = asyncio.Lock()

        async def task() -> None:
            sql = Sql(url)
            await sql.open()
            try:
                while True:
                    i = next_index[0]
                    if (total is None and time.perf_counter() >= deadline) or (total is not None and i >= total):
                        return
                    next_index[0] = i + 1
                    begin = time.perf_counter()
                    if queued:
                        async with writer:
                            body = await floor(sql, i)
                    else:
                        body = await floor(sql, i)
                    latencies.append(time.perf_counter() - begin)
                    if not samples:
                        samples.append(body)
            finally:
                await sql.close()

        started = time.perf_counter()
        await asyncio.gather(*(task() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        ordered = sorted(latencies)
        return {
            "requests": len(latencies),
            "p50_ms": ordered[len(ordered) // 2] * 1000,
            "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
            "throughput": len(latencies) / elapsed,
            "queued": queued,
            "sample": samples[0] if samples else None,
        }

    return asyncio.run(main())


def same_data(api_body: str | None, floor_body: str | None, scenario: str) -> str:
    if not api_body or not floor_body:
        return "-"
    if scenario == "convert":
        return "shape" if json.loads(api_body)["data"].keys() == json.loads(floor_body)["data"].keys() else "NO"
    return "yes" if json.loads(api_body).get("data") == json.loads(floor_body).get("data") else "NO"


def run_backend(backend: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    url = database_url(backend, args)
    prepare_database(backend, url, args)
    fixtures = fixtures_for(url, args)
    chosen = [s for s in scenarios(fixtures, args.conversions * 2) if not args.only or s.name in args.only.split(",")]
    rows = []
    env = env_for(url)
    peer, peer_skipped = (
        start_peer(url) if backend == "postgres" and "portal" in [s.name for s in chosen] else (None, None)
    )
    server: Server | None = None
    hello: Server | None = None
    try:
        server = Server(env)
        if peer:
            try:
                peer.wait()
            except StartFailed as error:
                peer, peer_skipped = None, str(error)
        if peer_skipped:
            log(f"[{backend}] the peer will not be measured: {peer_skipped}")
        for scenario in chosen:
            target = server
            if scenario.hello_world:
                hello = hello or Server(env, hello=True)
                target = hello
            log(f"[{backend}] {scenario.name}: load")
            api = drive(target, scenario, args)
            peer_result = None
            if scenario.name == "portal" and peer:
                peer_result = measure_peer(peer, fixtures.portal_lead_ids, api.get("sample"), args)
                peer.stop()
                peer = None
            floor = measure_floor(url, scenario, args) if scenario.floor else None
            rows.append(
                {
                    "backend": backend,
                    "scenario": scenario.name,
                    "api": {k: v for k, v in api.items() if k != "sample"},
                    "floor": {k: v for k, v in floor.items() if k != "sample"} if floor else None,
                    "same_json": same_data(api.get("sample"), floor["sample"] if floor else None, scenario.name),
                    "peer": peer_result,
                }
                | ({"peer_skipped": peer_skipped} if scenario.name == "portal" and peer_skipped else {})
            )
    finally:
        for process in (server, hello, peer):
            if process:
                process.stop()
    return rows


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    header = (
        f"{'backend':9} {'scenario':19} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'SQL/req':>7} {'peak MB':>7}"
        f" {'floor p50':>9} {'floor p95':>9} {'p50 ratio':>9} {'same':>5} {'errors':>6} {'peer p50':>8} {'peer req/s':>10}"
    )
    lines = [header, "-" * len(header)]
    by_key = {(row["backend"], row["scenario"]): row for row in rows}
    for row in rows:
        api, floor = row["api"], row["floor"]
        if row["scenario"] == "viewer-hello-world":
            continue
        floor_p50 = floor["p50_ms"] if floor else float("nan")
        floor_p95 = floor["p95_ms"] if floor else float("nan")
        peer = row.get("peer")
        beside = f" {peer['p50_ms']:8.2f} {peer['throughput']:10.1f}" if peer else f" {'-':>8} {'-':>10}"
        lines.append(
            f"{row['backend']:9} {row['scenario']:19} {api['p50_ms']:8.2f} {api['p95_ms']:8.2f} {api['throughput']:7.1f}"
            f" {api['statements_per_request']:7.1f} {api['peak_memory_mb']:7.0f} {floor_p50:9.2f} {floor_p95:9.2f}"
            f" {api['p50_ms'] / floor_p50 if floor else float('nan'):9.2f} {row['same_json']:>5} {api['errors']:6d}{beside}"
        )
    lines.append("")
    lines.append("targets:")
    for backend in dict.fromkeys(row["backend"] for row in rows):

        def p50(name: str, backend: str = backend) -> float:
            row = by_key.get((backend, name))
            return row["api"]["p50_ms"] if row else float("nan")

        portal = by_key.get((backend, "portal"))
        if portal:
            ratio = portal["api"]["p50_ms"] / portal["floor"]["p50_ms"]
            lines.append(f"  [{backend}] portal p50 / floor p50 = {ratio:.2f} (target <= 2)")
            if portal["peer"]:
                ours, theirs = portal["api"]["throughput"], portal["peer"]["throughput"]
                lines.append(
                    f"  [{backend}] portal throughput / peer throughput = {ours / theirs if theirs else float('nan'):.2f} (target >= 1)"
                )
        for name in (
            "page-1",
            *(s for b, s in by_key if b == backend and s.startswith("page-") and s != "page-1"),
            "search",
        ):
            scenario_row = by_key.get((backend, name))
            if scenario_row and scenario_row["floor"]:
                lines.append(
                    f"  [{backend}] {name} p50 / floor p50 = {scenario_row['api']['p50_ms'] / scenario_row['floor']['p50_ms']:.2f} (target <= 3)"
                )
        convert = by_key.get((backend, "convert"))
        if convert and convert["floor"]:
            lines.append(
                f"  [{backend}] convert p50 / floor p50 = {convert['api']['p50_ms'] / convert['floor']['p50_ms']:.2f}"
                f" (target <= 5), {convert['api']['statements_per_request']:.0f} statements (target <= 25)"
                + ("; the floor's writers queued for SQLite's one writer" if convert["floor"].get("queued") else "")
            )
        deep = [name for name in (s for _, s in by_key) if name.startswith("page-") and name != "page-1"]
        if deep:
            lines.append(
                f"  [{backend}] {deep[0]} p50 / page-1 p50 = {p50(deep[0]) / p50('page-1'):.2f} (target <= 1.5)"
            )
        if (backend, "search") in by_key:
            lines.append(
                f"  [{backend}] search p50 = {p50('search'):.1f} ms at {args.leads:,} leads (target < 50 ms on SQLite)"
            )
        if (backend, "viewer-hello-world") in by_key:
            hello = by_key[(backend, "viewer-hello-world")]["api"]
            lines.append(
                f"  [{backend}] viewer p50 / hello-world p50 = {p50('viewer') / hello['p50_ms']:.2f} "
                f"({p50('viewer'):.2f} / {hello['p50_ms']:.2f} ms; throughput {by_key[(backend, 'viewer')]['api']['throughput']:.0f}"
                f" / {hello['throughput']:.0f} req/s; target <= 1.1)"
            )
    lines += peer_lines(rows)
    return "\n".join(lines)


def peer_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The peer beside our portal: latency, throughput, how many objects each returned, for which leads."""
    lines = []
    for row in rows:
        peer, api = row.get("peer"), row["api"]
        if peer:
            lines.append(
                f"  [{row['backend']}] {row['scenario']}: ours / {peer['name']}: p50 {api['p50_ms']:.2f} / {peer['p50_ms']:.2f} ms,"
                f" {api['throughput']:.1f} / {peer['throughput']:.1f} req/s, {api['objects'] or 0:,} / {peer['objects'] or 0:,} objects"
                f" per response; same leads: {'yes' if peer['same_leads'] else 'NO'}; peer errors: {peer['errors']}"
            )
        elif row.get("peer_skipped"):
            lines.append(f"  [{row['backend']}] {row['scenario']}: peer not measured: {row['peer_skipped']}")
    if lines:
        lines[:0] = [
            "",
            "peer (PostGraphile over the same PostgreSQL data, no visibility rules, the same leads by id):",
        ]
    return lines


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    rows = []
    for backend in args.backends.split(","):
        rows += run_backend(backend.strip(), args)
    print(
        f"python -m bench --leads {args.leads} --concurrency {args.concurrency} --duration {args.duration}"
        f" ({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" {time.perf_counter() - started:.0f} s)"
    )
    print(report(rows, args))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
