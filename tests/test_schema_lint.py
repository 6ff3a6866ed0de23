"""graphql-schema-linter, with the rules of .graphql-schema-linterrc, on the SDL that
`leadbridge export-schema` prints. The SDL does not depend on the database, so these run once."""

import subprocess
from pathlib import Path

from tests.live import cli_env, run_cli

PROJECT = Path(__file__).resolve().parent.parent
LINTER = PROJECT / "node_modules" / ".bin" / "graphql-schema-linter"

UNDESCRIBED_NOT_RELAY_MISNAMED = '''
"""Entry points."""
type Query {
  """Some widgets."""
  widgets: WidgetConnection!

  """How many widgets there are."""
  widget_count: Int!
}

type Widget {
  name: String!
}

"""A page of widgets."""
type WidgetConnection {
  """The widgets."""
  items: [Widget!]!
}
'''


def lint(sdl: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert LINTER.exists(), "node_modules/.bin/graphql-schema-linter is missing: run scripts/setup"
    path = tmp_path / "schema.graphql"
    path.write_text(sdl)
    return subprocess.run(
        [str(LINTER), "--config-directory", str(PROJECT), "--format", "compact", str(path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_the_exported_schema_passes_graphql_schema_linter(tmp_path):
    exported = run_cli("export-schema", env=cli_env("sqlite:///nonexistent/never.db"))
    assert exported.returncode == 0, exported.stderr

    linted = lint(exported.stdout, tmp_path)

    assert (linted.returncode, (linted.stdout + linted.stderr).strip()) == (0, "")


def test_the_linter_rules_refuse_undescribed_parts_non_relay_connections_and_misnamed_fields(tmp_path):
    linted = lint(UNDESCRIBED_NOT_RELAY_MISNAMED, tmp_path)

    rules = {line.rsplit("(", 1)[-1].rstrip(")") for line in linted.stdout.splitlines() if line.strip()}
    assert linted.returncode == 1
    assert rules == {
        "types-have-descriptions",
        "fields-have-descriptions",
        "relay-connection-types-spec",
        "relay-connection-arguments-spec",
        "relay-page-info-spec",
        "fields-are-camel-cased",
    }
