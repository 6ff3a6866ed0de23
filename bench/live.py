"""A server process the bench starts on a free loopback port, waits for, measures and stops."""

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


class StartFailed(Exception):
    """The process exited or did not answer in time; the message says which, with its output."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveProcess:
    """`command` started in `cwd` with its output in a temporary log; `wait()` until `answers()`."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], cwd: Path, answers: Callable[[], bool]
    ) -> None:
        self.name = name
        self.answers = answers
        self.log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115 open while the process runs
        self.process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def wait(self, timeout: float = 60) -> None:
        """Return once the process answers; stop it and raise StartFailed if it exits or times out."""
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None:
                output = Path(self.log.name).read_text(errors="replace").strip()
                self.stop()
                raise StartFailed(f"{self.name} exited with status {self.process.returncode}: {output[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise StartFailed(f"{self.name} did not answer within {timeout:.0f} s")
            time.sleep(0.2)

    def reset_peak_memory(self) -> None:
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def peak_memory_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
