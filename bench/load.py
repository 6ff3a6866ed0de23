"""The load process: `python -m bench.load JOB.json` drives a server over loopback at a fixed
concurrency (one keep-alive HTTP/1.1 connection per worker) and prints a JSON summary.

The job: {"port", "path", "headers", "bodies", "concurrency", "warmup", "duration", "cycle"}.
With "cycle" the bodies are sent round-robin for `duration` seconds after `warmup` seconds, and
each worker goes on until it has timed at least one request (so that a request slower than the
window still gives a figure); without it each body is sent exactly once (mutations that consume
their record).
"""

import asyncio
import json
import statistics
import sys
import time
from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def request_bytes(port: int, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> tuple[int, bytes]:
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def run(job: dict[str, Any]) -> dict[str, Any]:
    port, path, headers = job["port"], job["path"], job["headers"]
    payloads = [request_bytes(port, path, headers, json.dumps(body).encode()) for body in job["bodies"]]
    cycle = job.get("cycle", True)
    concurrency = job["concurrency"]
    latencies: list[float] = []
    errors: list[str] = []
    sample: list[bytes] = []
    next_index = [0]
    sent = [0]
    started = time.perf_counter()
    measure_from = started + (job.get("warmup", 1.0) if cycle else 0.0)
    stop_at = measure_from + job.get("duration", 5.0)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        timed = 0
        try:
            while True:
                index = next_index[0]
                if not cycle and index >= len(payloads):
                    return
                begin = time.perf_counter()
                if cycle and begin >= stop_at and timed:
                    return
                next_index[0] = index + 1
                sent[0] += 1
                status, body = await exchange(reader, writer, payloads[index % len(payloads)])
                end = time.perf_counter()
                if not sample:
                    sample.append(body)
                if status != 200 or b'"errors"' in body or b'"code":' in body:
                    errors.append(f"{status} {body[:300].decode(errors='replace')}")
                if begin >= measure_from:
                    latencies.append(end - begin)
                    timed += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - measure_from
    return {
        "requests": len(latencies),
        "sent": sent[0],
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "throughput": len(latencies) / elapsed if elapsed > 0 else float("nan"),
        "sample": sample[0].decode(errors="replace") if sample else None,
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        job = json.load(file)
    print(json.dumps(asyncio.run(run(job))))


if __name__ == "__main__":
    main()
