"""The committed SDL, `schema.graphql`, is what `leadbridge export-schema` prints, so that every
schema change shows in review."""

from pathlib import Path

from schema import schema
from tests.live import cli_env, run_cli

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"
REGENERATE = ".venv/bin/leadbridge export-schema > schema.graphql"
NO_DATABASE = "sqlite:///nonexistent/never.db"


def test_export_schema_prints_exactly_the_sdl_with_one_trailing_newline():
    result = run_cli("export-schema", env=cli_env(NO_DATABASE))

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == schema.as_str() + "\n"
    assert result.stdout.endswith("}\n") and not result.stdout.endswith("\n\n")


def test_the_committed_schema_file_is_the_exported_sdl():
    result = run_cli("export-schema", env=cli_env(NO_DATABASE))
    assert result.returncode == 0, result.stderr

    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.is_file() else ""

    assert committed == result.stdout, (
        f"schema.graphql is not the schema this code serves: regenerate it with `{REGENERATE}` and commit it"
    )
