"""Settings read from an environment: defaults, parsing, and the one-line refusals an operator sees."""

from pathlib import Path

import pytest

from leadbridge.settings import Settings, SettingsError, database_dialect, secret_key_path


def test_an_empty_environment_gives_the_documented_defaults():
    settings = Settings.from_env({})

    assert settings == Settings()
    assert (settings.database_url, settings.env, settings.max_depth, settings.max_aliases) == (
        "sqlite://leadbridge.db",
        "development",
        10,
        15,
    )
    assert (settings.max_tokens, settings.max_nodes, settings.max_body_bytes) == (2000, 50_000, 1024 * 1024)
    assert (settings.effective_rate_limit_capacity, settings.rate_limit_restore_rate) == (1000, 50.0)
    assert settings.planned_reads is True
    assert settings.graphiql_enabled is True
    assert settings.dialect == "sqlite"


def test_every_variable_is_read():
    settings = Settings.from_env(
        {
            "LEADBRIDGE_DATABASE_URL": "postgres://leadbridge@db.internal:5432/leadbridge",
            "LEADBRIDGE_SECRET_KEY": "s3cret",
            "LEADBRIDGE_ENV": "production",
            "LEADBRIDGE_MAX_DEPTH": "4",
            "LEADBRIDGE_MAX_ALIASES": "2",
            "LEADBRIDGE_MAX_TOKENS": " 300 ",
            "LEADBRIDGE_MAX_NODES": "900",
            "LEADBRIDGE_MAX_BODY_BYTES": "4096",
            "LEADBRIDGE_RATE_LIMIT_CAPACITY": "0",
            "LEADBRIDGE_RATE_LIMIT_RESTORE_RATE": "2.5",
            "LEADBRIDGE_REDIS_URL": "redis://127.0.0.1:6379/0",
            "LEADBRIDGE_REDIS_KEY_PREFIX": "lb:",
            "LEADBRIDGE_PLANNED_READS": "off",
        }
    )

    assert settings == Settings(
        database_url="postgres://leadbridge@db.internal:5432/leadbridge",
        secret_key="s3cret",
        env="production",
        max_depth=4,
        max_aliases=2,
        max_tokens=300,
        max_nodes=900,
        max_body_bytes=4096,
        rate_limit_capacity=0,
        rate_limit_restore_rate=2.5,
        redis_url="redis://127.0.0.1:6379/0",
        redis_key_prefix="lb:",
        planned_reads=False,
    )
    assert settings.rate_limit_enabled is False
    assert settings.graphiql_enabled is False
    assert settings.dialect == "postgres"


def test_empty_values_mean_the_default():
    environment = {name: "" for name in ("LEADBRIDGE_DATABASE_URL", "LEADBRIDGE_SECRET_KEY", "LEADBRIDGE_MAX_DEPTH")}

    assert Settings.from_env(environment) == Settings()


@pytest.mark.parametrize(
    ("raw", "planned"),
    [("on", True), ("ON", True), ("1", True), ("true", True), (" off ", False), ("0", False), ("False", False)],
)
def test_the_planned_reads_switch_reads_on_and_off(raw, planned):
    assert Settings.from_env({"LEADBRIDGE_PLANNED_READS": raw}).planned_reads is planned


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"LEADBRIDGE_ENV": "staging"}, "LEADBRIDGE_ENV must be one of development, production, not 'staging'"),
        ({"LEADBRIDGE_MAX_DEPTH": "ten"}, "LEADBRIDGE_MAX_DEPTH must be an integer, not 'ten'"),
        ({"LEADBRIDGE_MAX_DEPTH": "0"}, "LEADBRIDGE_MAX_DEPTH must be at least 1, not 0"),
        ({"LEADBRIDGE_MAX_BODY_BYTES": "1.5"}, "LEADBRIDGE_MAX_BODY_BYTES must be an integer, not '1.5'"),
        (
            {"LEADBRIDGE_RATE_LIMIT_CAPACITY": "-1"},
            "LEADBRIDGE_RATE_LIMIT_CAPACITY must be 0 (off) or more, not -1",
        ),
        (
            {"LEADBRIDGE_RATE_LIMIT_RESTORE_RATE": "fast"},
            "LEADBRIDGE_RATE_LIMIT_RESTORE_RATE must be a number, not 'fast'",
        ),
        (
            {"LEADBRIDGE_RATE_LIMIT_RESTORE_RATE": "0"},
            "LEADBRIDGE_RATE_LIMIT_RESTORE_RATE must be more than 0, not 0.0",
        ),
        ({"LEADBRIDGE_REDIS_URL": "http://cache"}, "bad Redis URL 'http://cache': expected redis://HOST:PORT/DB"),
        ({"LEADBRIDGE_PLANNED_READS": "maybe"}, "LEADBRIDGE_PLANNED_READS must be on or off, not 'maybe'"),
        (
            {"LEADBRIDGE_DATABASE_URL": "mysql://db/leads"},
            "bad database URL 'mysql://db/leads': use sqlite://PATH or postgres://USER@HOST:PORT/DB",
        ),
    ],
)
def test_a_bad_value_is_refused_in_one_line_naming_the_variable(environment, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environment)

    assert str(raised.value) == message


def test_flags_override_the_environment_and_none_leaves_a_setting_alone():
    settings = Settings.from_env({"LEADBRIDGE_MAX_DEPTH": "4"})

    overridden = settings.with_overrides(max_depth=None, database_url="sqlite://other.db")

    assert (overridden.max_depth, overridden.database_url) == (4, "sqlite://other.db")
    with pytest.raises(SettingsError):
        settings.with_overrides(max_nodes=0)


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("sqlite://leadbridge.db", "sqlite"),
        ("sqlite://:memory:", "sqlite"),
        ("postgres://postgres@127.0.0.1:5432/test", "postgres"),
        ("postgresql://u:p@db/leads", "postgres"),
        ("asyncpg://u@db/leads", "postgres"),
    ],
)
def test_database_urls_name_their_dialect(url, dialect):
    assert database_dialect(url) == dialect


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "bad database URL 'sqlite://': expected sqlite://PATH"),
        ("sqlite:leadbridge.db", "bad database URL 'sqlite:leadbridge.db': expected sqlite://PATH"),
        ("postgres://db.internal", "bad database URL 'postgres://db.internal': expected postgres://USER@HOST:PORT/DB"),
        ("postgres:///leads", "bad database URL 'postgres:///leads': expected postgres://USER@HOST:PORT/DB"),
        ("leadbridge.db", "bad database URL 'leadbridge.db': use sqlite://PATH or postgres://USER@HOST:PORT/DB"),
    ],
)
def test_unusable_database_urls_are_refused(url, message):
    with pytest.raises(SettingsError) as raised:
        database_dialect(url)

    assert str(raised.value) == message


def test_production_refuses_to_sign_without_a_key():
    with pytest.raises(SettingsError) as raised:
        Settings(env="production").resolved_secret_key()

    assert str(raised.value) == "LEADBRIDGE_SECRET_KEY must be set when LEADBRIDGE_ENV=production"
    assert Settings(env="production", secret_key="given").resolved_secret_key() == "given"


def test_a_development_key_is_kept_beside_the_sqlite_file_and_reused(tmp_path):
    database = tmp_path / "data" / "leads.db"
    settings = Settings(database_url=f"sqlite://{database}")

    key = settings.resolved_secret_key()

    kept = Path(f"{database}.secret")
    assert kept.read_text(encoding="utf-8") == key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert len(key) >= 64
    assert settings.resolved_secret_key() == key


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite://leadbridge.db", Path("leadbridge.db.secret")),
        ("sqlite://:memory:", Path(".leadbridge-secret")),
        ("postgres://u@db/leads", Path(".leadbridge-secret")),
    ],
)
def test_where_a_development_key_is_kept(url, path):
    assert secret_key_path(url) == path
