"""A live `leadbridge serve` in a subprocess, for browser, audit and multi-process tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADBRIDGE_")}
    env.update({"LEADBRIDGE_DATABASE_URL": database_url, "LEADBRIDGE_SECRET_KEY": "live-test-secret-key-0123456789abcdef"})
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadbridge", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    log_path: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def output(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def live_server(env: dict[str, str], *args: str, command: str = "serve", ready_timeout: float = 30) -> Iterator[LiveServer]:
    """Start `leadbridge serve` (or `demo`) on a free port and wait until /healthz answers 200."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="leadbridge-live-", suffix=".log", delete=False)
    log_path = Path(log_file.name)
    process = subprocess.Popen(
        [sys.executable, "-m", "leadbridge", command, "--host", "127.0.0.1", "--port", str(port), *args],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    log_file.close()
    url = f"http://127.0.0.1:{port}"
    server = LiveServer(url=url, env=env, process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early: {server.output()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready in time")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)
