"""The graphql-http audit suite against a live `leadbridge serve`, on every database backend."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.live import cli_env, live_server, run_cli

PROJECT = Path(__file__).resolve().parent.parent
AUDIT_SCRIPT = PROJECT / "tests" / "audit" / "graphql_http_audit.mjs"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed: the graphql-http audit needs Node.js"),
    pytest.mark.skipif(
        not (PROJECT / "node_modules" / "graphql-http").is_dir(),
        reason="node_modules/graphql-http is missing: run `npm ci` in the project",
    ),
]


@pytest.mark.slow
def test_the_graphql_http_audit_passes_with_no_warning(database_url: str) -> None:
    env = cli_env(database_url)
    created = run_cli(
        "users", "create", "--email", "audit@example.com", "--name", "Audit", "--company", "Audit", env=env
    )
    assert created.returncode == 0, created.stderr
    issued = run_cli("token", "--email", "audit@example.com", env=env)
    assert issued.returncode == 0, issued.stderr

    with live_server(env) as server:
        audit = subprocess.run(
            [str(NODE), str(AUDIT_SCRIPT), server.graphql_url],
            env={**os.environ, "LEADBRIDGE_AUDIT_TOKEN": issued.stdout.strip()},
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    output = audit.stdout + audit.stderr
    assert audit.returncode == 0, output
    summary = re.search(r"summary: (\d+) audits, (\d+) ok, 0 notice, 0 warn, 0 error", output)
    assert summary and summary[1] == summary[2], output
