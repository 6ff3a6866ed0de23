import base64
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

import models.migrations
from tests.live import cli_env, live_server, run_cli

VIEWER = "{ viewer { email name isAdmin canEditConvertedLeads company { name } } }"


def assert_one_line_error(result, status: int = 1) -> str:
    assert result.returncode == status, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def sqlite_rows(database_url: str, sql: str) -> list[tuple]:
    with sqlite3.connect(database_url.removeprefix("sqlite://")) as connection:
        return connection.execute(sql).fetchall()


def query_viewer(server_url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{server_url}/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_users_create_prints_the_global_id_and_token_signs_in(database_url):
    env = cli_env(database_url)

    created = run_cli(
        "users",
        "create",
        "--email",
        " Ada@Northwind.Example ",
        "--name",
        "Ada",
        "--company",
        "Northwind",
        "--admin",
        "--edit-converted-leads",
        env=env,
    )
    issued = run_cli("token", "--email", "ada@northwind.example", env=env)

    assert created.returncode == 0, created.stderr
    global_id = created.stdout.strip()
    assert created.stdout == global_id + "\n"
    assert re.fullmatch(r"User:\d+", base64.b64decode(global_id).decode())
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert issued.stdout == token + "\n"
    with live_server(env) as server:
        response = query_viewer(server.url, token)
    assert response.json() == {
        "data": {
            "viewer": {
                "email": "ada@northwind.example",
                "name": "Ada",
                "isAdmin": True,
                "canEditConvertedLeads": True,
                "company": {"name": "Northwind"},
            }
        }
    }


def test_second_user_with_the_same_email_is_refused_and_nothing_is_written(database_url, backend):
    env = cli_env(database_url)
    run_cli("users", "create", "--email", "sam@contoso.example", "--name", "Sam", "--company", "Contoso", env=env)

    again = run_cli(
        "users", "create", "--email", "SAM@contoso.example", "--name", "Sam 2", "--company", "Other Co", env=env
    )

    line = assert_one_line_error(again)
    assert line == "leadbridge: error: a user with email sam@contoso.example already exists"
    if backend == "sqlite":
        assert sqlite_rows(database_url, "SELECT email FROM user") == [("sam@contoso.example",)]
        assert sqlite_rows(database_url, "SELECT name FROM company") == [("Contoso",)]


def test_malformed_email_is_refused(database_url):
    result = run_cli(
        "users", "create", "--email", "not-an-email", "--name", "X", "--company", "C", env=cli_env(database_url)
    )

    assert assert_one_line_error(result) == "leadbridge: error: 'not-an-email' is not a valid email address"


def test_token_for_an_unknown_email_is_one_line(database_url):
    result = run_cli("token", "--email", "nobody@example.com", env=cli_env(database_url))

    assert assert_one_line_error(result) == "leadbridge: error: no user with email nobody@example.com"


def test_token_ttl_must_be_positive(database_url):
    result = run_cli("token", "--email", "a@b.example", "--ttl-hours", "0", env=cli_env(database_url))

    assert "--ttl-hours" in assert_one_line_error(result, status=2)


def test_unknown_option_is_a_usage_error():
    result = run_cli("serve", "--colour", "blue", env=cli_env("sqlite:///nonexistent/never.db"))

    assert assert_one_line_error(result, status=2) == (
        "leadbridge: error: No such option '--colour' (see 'leadbridge --help')"
    )


def test_unknown_command_is_a_usage_error():
    result = run_cli("frobnicate", env=cli_env("sqlite:///nonexistent/never.db"))

    assert assert_one_line_error(result, status=2).startswith("leadbridge: error: No such command 'frobnicate'")


def test_bad_database_url_is_one_line(tmp_path):
    result = run_cli("migrate", env=cli_env("mysql://root@localhost/leadbridge"))

    assert assert_one_line_error(result) == (
        "leadbridge: error: bad database URL 'mysql://root@localhost/leadbridge': "
        "use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )


def test_unreachable_postgres_is_one_line():
    result = run_cli("migrate", env=cli_env("postgres://leadbridge@127.0.0.1:1/leadbridge"))

    line = assert_one_line_error(result)
    assert line.startswith("leadbridge: error: database unavailable: ")
    assert "127.0.0.1" in line


def test_migrate_applies_pending_migrations_once(tmp_path):
    env = cli_env(f"sqlite://{tmp_path}/fresh.db")

    first = run_cli("migrate", env=env)
    second = run_cli("migrate", env=env)

    assert first.returncode == 0, first.stderr
    assert "applied models.0001_initial" in first.stdout
    assert second.returncode == 0, second.stderr
    assert second.stdout == "no migrations to apply\n"


def test_serve_refuses_several_workers_on_sqlite(tmp_path):
    env = cli_env(f"sqlite://{tmp_path}/one.db")

    result = run_cli("serve", "--port", "1", "--workers", "2", env=env)

    assert (
        assert_one_line_error(result)
        == "leadbridge: error: SQLite is served by one worker: use PostgreSQL for --workers above 1"
    )


def test_serve_refuses_to_start_while_migrations_are_pending(tmp_path):
    env = cli_env(f"sqlite://{tmp_path}/fresh.db")

    result = run_cli("serve", "--port", "1", env=env)

    line = assert_one_line_error(result)
    migrations = sorted(path.stem for path in Path(models.migrations.__file__).parent.glob("0*.py"))
    pending = ", ".join(f"models.{name}" for name in migrations)
    assert (
        line == f"leadbridge: error: {len(migrations)} migration(s) pending ({pending}): run 'leadbridge migrate' first"
    )


def test_production_refuses_to_start_without_a_secret_key(database_url):
    env = cli_env(database_url, LEADBRIDGE_ENV="production")
    del env["LEADBRIDGE_SECRET_KEY"]

    result = run_cli("serve", "--port", "1", env=env)

    assert assert_one_line_error(result) == (
        "leadbridge: error: LEADBRIDGE_SECRET_KEY must be set when LEADBRIDGE_ENV=production"
    )


def test_unknown_environment_is_refused(database_url):
    result = run_cli("migrate", env=cli_env(database_url, LEADBRIDGE_ENV="staging"))

    assert assert_one_line_error(result) == (
        "leadbridge: error: LEADBRIDGE_ENV must be one of development, production, not 'staging'"
    )


def test_an_unknown_planned_reads_switch_is_refused(database_url):
    result = run_cli("migrate", env=cli_env(database_url, LEADBRIDGE_PLANNED_READS="sometimes"))

    assert assert_one_line_error(result) == (
        "leadbridge: error: LEADBRIDGE_PLANNED_READS must be on or off, not 'sometimes'"
    )


def test_development_key_is_generated_once_beside_the_database_and_survives_a_restart(tmp_path):
    database_url = f"sqlite://{tmp_path}/dev.db"
    env = cli_env(database_url)
    del env["LEADBRIDGE_SECRET_KEY"]
    run_cli("migrate", env=env)
    run_cli("users", "create", "--email", "dev@example.com", "--name", "Dev", "--company", "Dev Co", env=env)

    token = run_cli("token", "--email", "dev@example.com", env=env).stdout.strip()
    key_file = Path(f"{tmp_path}/dev.db.secret")
    key = key_file.read_text()

    assert key_file.stat().st_mode & 0o077 == 0
    with live_server(env) as server:
        first = query_viewer(server.url, token)
    with live_server(env) as server:
        after_restart = query_viewer(server.url, token)
    assert first.json()["data"]["viewer"]["email"] == "dev@example.com"
    assert after_restart.json()["data"]["viewer"]["email"] == "dev@example.com"
    assert key_file.read_text() == key


def test_export_schema_prints_the_sdl():
    result = run_cli("export-schema", env=cli_env("sqlite:///nonexistent/never.db"))

    assert result.returncode == 0, result.stderr
    assert 'interface Node {\n  """The Globally Unique ID of this object"""\n  id: ID!\n}' in result.stdout
    assert 'nodes(\n    """Global IDs of records of any types."""\n    ids: [ID!]!\n  ): [Node]!' in result.stdout
    assert "viewer: User!" in result.stdout


def test_demo_seeds_once_prints_tokens_and_reuses_its_data(tmp_path):
    database_url = f"sqlite://{tmp_path}/demo.db"
    env = cli_env(database_url)

    with live_server(env, command="demo") as server:
        first_output = server.output()
    with live_server(env, command="demo") as server:
        second_output = server.output()
        tokens = dict(re.findall(r"^  (\S+@\S+) \([^)]*\): (\S+)$", first_output, re.MULTILINE))
        reused = query_viewer(server.url, tokens["user@contoso.example"])

    assert f"GraphiQL: {server.url}/graphql" in second_output
    assert sorted(tokens) == [
        "admin@contoso.example",
        "admin@fabrikam.example",
        "admin@northwind.example",
        "user@contoso.example",
        "user@fabrikam.example",
        "user@northwind.example",
    ]
    assert re.findall(r"^  (\S+@\S+) ", second_output, re.MULTILINE) == list(tokens)
    assert reused.json() == {
        "data": {
            "viewer": {
                "email": "user@contoso.example",
                "name": "Sam Contoso",
                "isAdmin": False,
                "canEditConvertedLeads": False,
                "company": {"name": "Contoso Partners"},
            }
        }
    }
    assert sqlite_rows(database_url, "SELECT count(*) FROM company") == [(3,)]
    assert sqlite_rows(database_url, "SELECT count(*) FROM user") == [(6,)]


def unauthenticated(message: str) -> dict:
    return {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}


def create_ada(env: dict[str, str]) -> str:
    created = run_cli("users", "create", "--email", "ada@acme.example", "--name", "Ada", "--company", "Acme", env=env)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def issue(env: dict[str, str], email: str = "ada@acme.example") -> str:
    issued = run_cli("token", "--email", email, env=env)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


def test_users_list_prints_one_line_per_user_by_email(database_url):
    env = cli_env(database_url)
    zed = run_cli(
        "users", "create", "--email", "zed@zeta.example", "--name", "Zed", "--company", "Zeta\tCorp", "--admin", env=env
    )
    ada = create_ada(env)
    run_cli("users", "deactivate", "--email", "zed@zeta.example", env=env)

    listed = run_cli("users", "list", env=env)

    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    assert listed.stdout == (
        f"{ada}\tada@acme.example\tAcme\tno\tyes\n{zed.stdout.strip()}\tzed@zeta.example\tZeta Corp\tyes\tno\n"
    )


def test_a_deactivated_user_is_refused_until_reactivated_and_then_needs_a_new_token(database_url):
    env = cli_env(database_url)
    create_ada(env)
    token = issue(env)

    with live_server(env) as server:
        before = query_viewer(server.url, token)
        deactivated = run_cli("users", "deactivate", "--email", " ADA@acme.example ", env=env)
        refused = query_viewer(server.url, token)
        no_token = run_cli("token", "--email", "ada@acme.example", env=env)
        listed = run_cli("users", "list", env=env)
        reactivated = run_cli("users", "reactivate", "--email", "ada@acme.example", env=env)
        stale = query_viewer(server.url, token)
        fresh = query_viewer(server.url, issue(env))

    assert before.status_code == 200
    assert deactivated.returncode == 0, deactivated.stderr
    assert deactivated.stdout == "deactivated ada@acme.example\n"
    assert (refused.status_code, refused.json()) == (401, unauthenticated("User is deactivated"))
    assert assert_one_line_error(no_token) == "leadbridge: error: user ada@acme.example is deactivated"
    assert listed.stdout.endswith("\tada@acme.example\tAcme\tno\tno\n")
    assert reactivated.stdout == "reactivated ada@acme.example: issue a new token with 'leadbridge token'\n"
    assert (stale.status_code, stale.json()) == (401, unauthenticated("Token has been revoked"))
    assert fresh.json()["data"]["viewer"]["email"] == "ada@acme.example"


def test_revoke_tokens_refuses_every_earlier_token_at_once_and_new_ones_work(database_url):
    env = cli_env(database_url)
    create_ada(env)
    earlier = [issue(env), issue(env)]

    with live_server(env) as server:
        answered = [query_viewer(server.url, token).status_code for token in earlier]
        revoked = run_cli("users", "revoke-tokens", "--email", "ada@acme.example", env=env)
        refused = [query_viewer(server.url, token) for token in earlier]
        fresh = query_viewer(server.url, issue(env))

    assert answered == [200, 200]
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout == "revoked every token of ada@acme.example\n"
    assert [(response.status_code, response.json()) for response in refused] == [
        (401, unauthenticated("Token has been revoked"))
    ] * 2
    assert fresh.json()["data"]["viewer"]["email"] == "ada@acme.example"


@pytest.mark.parametrize(
    "command",
    [("users", "deactivate"), ("users", "reactivate"), ("users", "revoke-tokens"), ("token",)],
    ids=["deactivate", "reactivate", "revoke-tokens", "token"],
)
def test_an_unknown_email_is_one_line_and_changes_nothing(database_url, command):
    env = cli_env(database_url)
    create_ada(env)
    listed = run_cli("users", "list", env=env).stdout

    unknown = run_cli(*command, "--email", "Nobody@Example.com", env=env)
    malformed = run_cli(*command, "--email", "not-an-email", env=env)

    assert assert_one_line_error(unknown) == "leadbridge: error: no user with email nobody@example.com"
    assert assert_one_line_error(malformed) == "leadbridge: error: 'not-an-email' is not a valid email address"
    assert run_cli("users", "list", env=env).stdout == listed
