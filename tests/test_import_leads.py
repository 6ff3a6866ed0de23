"""Importing leads from CSV: `leadbridge import-leads` and the `importLeads` mutation (a multipart
upload) check every row as createLead does, report bad rows by line, write the rest in batches,
skip rows imported before (externalId) and refuse a bad file outright, writing nothing."""

import asyncio
import csv
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import textwrap
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from leadbridge.database import connected
from leadbridge.settings import Settings
from models import Lead, LeadAcceptance, LeadMember, LeadStatus, MemberRole, lead_import
from tests.factories import client_as, graphql, make_company, make_lead, make_user
from tests.live import cli_env, run_cli

T = TypeVar("T")

IMPORT_LEADS = """
mutation ($input: ImportLeadsInput!) {
  importLeads(input: $input) {
    dryRun createdCount skippedCount badRowCount
    badRows { line reason }
    userErrors { code message field }
  }
}
"""
LEADS = """
query { leads(first: 100) { totalCount edges { node { topic owner { email } viewerRole } } } }
"""
HEADER = (
    "External ID,Topic,First Name,Last Name,Email,Customer Name,Score,Estimated Amount,Currency,"
    "Estimated Close Date,Source,Partner,Acceptance Deadline\n"
)
ROWS = (
    "crm-1,Fleet renewal,Ada,Lovelace, ADA@Example.com ,Analytical Ltd,80,12500.50,eur,2027-03-31,Web,Contoso,2030-01-01T12:00:00Z\n"
    "crm-2,,,,,,,,,,,,\n"
    "crm-3,Bad one,,,not-an-email,,101,-5,,,,Nobody,\n"
    "crm-1,Duplicate,,,,,,,,,,,\n"
    ",Walk-in,,,,,,,,,,,\n"
    '"crm-4","Multi\nline topic",,,,,,,,,,,\n'
    "\n"
    "crm-5,Too few\n"
)
BAD_ROWS = [
    (3, "topic: A lead needs a topic, a last name or a customer name"),
    (
        4,
        "email: 'not-an-email' is not a valid email address; score must be between 0 and 100; "
        "estimatedAmount must not be negative; partner: no company named 'Nobody'",
    ),
    (5, "externalId 'crm-1' is already used on line 2"),
    (10, "has 2 values but the header has 13 columns"),
]


def in_database(database_url: str, action: Callable[[], Awaitable[T]]) -> T:
    """Run `action` against the test database from a synchronous test."""

    async def go() -> T:
        async with connected(Settings(database_url=database_url)):
            return await action()

    return asyncio.run(go())


async def make_importer() -> Any:
    vendor = await make_company(name="Northwind")
    await make_company(name="Contoso")
    return await make_user(company=vendor, email="importer@northwind.example")


async def lead_count() -> int:
    return await Lead.all().count()


def write(tmp_path: Path, content: str | bytes, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_import_writes_valid_rows_reports_bad_rows_by_line_and_skips_them_on_a_rerun(database_url, tmp_path):
    importer = in_database(database_url, make_importer)
    csv_file = write(tmp_path, HEADER + ROWS)
    env = cli_env(database_url)

    first = run_cli("import-leads", str(csv_file), "--as", "Importer@Northwind.example", env=env)
    again = run_cli("import-leads", str(csv_file), "--as", "importer@northwind.example", env=env)

    expected_stderr = "".join(f"line {line}: {reason}\n" for line, reason in BAD_ROWS)
    assert (first.returncode, first.stdout, first.stderr) == (
        1,
        "created 3 leads, skipped 0 already imported, 4 bad rows\n",
        expected_stderr,
    )
    assert (again.returncode, again.stdout, again.stderr) == (
        1,
        "created 1 leads, skipped 2 already imported, 4 bad rows\n",
        expected_stderr,
    )

    async def check() -> None:
        leads = await Lead.all().order_by("id")
        assert [(lead.external_id, lead.topic) for lead in leads] == [
            ("crm-1", "Fleet renewal"),
            (None, "Walk-in"),
            ("crm-4", "Multi\nline topic"),
            (None, "Walk-in"),
        ]
        first_lead = leads[0]
        await first_lead.fetch_related("partner")
        assert first_lead.partner is not None
        assert (
            first_lead.first_name,
            first_lead.last_name,
            first_lead.email,
            first_lead.customer_name,
            first_lead.score,
            first_lead.estimated_amount,
            first_lead.currency,
            first_lead.estimated_close_date,
            first_lead.source,
            first_lead.partner.name,
            first_lead.stored_acceptance,
            first_lead.acceptance_deadline,
            first_lead.status,
            first_lead.owner_id,
            first_lead.sourced_by_id,
        ) == (
            "Ada",
            "Lovelace",
            "ada@example.com",
            "Analytical Ltd",
            80,
            Decimal("12500.50"),
            "EUR",
            date(2027, 3, 31),
            "Web",
            "Contoso",
            LeadAcceptance.PENDING,
            datetime(2030, 1, 1, 12, 0, tzinfo=UTC),
            LeadStatus.OPEN_NOT_CONTACTED,
            importer.id,
            importer.company_id,
        )
        members = await LeadMember.all().order_by("lead_id").values_list("lead_id", "user_id", "role")
        assert members == [(lead.id, importer.id, MemberRole.OWNER) for lead in leads]

    in_database(database_url, check)


def test_dry_run_reports_and_writes_nothing(database_url, tmp_path):
    in_database(database_url, make_importer)
    csv_file = write(tmp_path, HEADER + ROWS)

    result = run_cli(
        "import-leads", str(csv_file), "--as", "importer@northwind.example", "--dry-run", env=cli_env(database_url)
    )

    assert (result.returncode, result.stdout) == (
        1,
        "dry run, nothing written: would create 3 leads, would skip 0 already imported, 4 bad rows\n",
    )
    assert result.stderr == "".join(f"line {line}: {reason}\n" for line, reason in BAD_ROWS)
    assert in_database(database_url, lead_count) == 0


def test_a_clean_file_exits_zero(database_url, tmp_path):
    in_database(database_url, make_importer)
    csv_file = write(tmp_path, "\ufefftopic,last_name,CUSTOMER-NAME\nRenewal,Smith,Acme\n\n,Jones,\n")

    result = run_cli("import-leads", str(csv_file), "--as", "importer@northwind.example", env=cli_env(database_url))

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "created 2 leads, skipped 0 already imported, 0 bad rows\n",
        "",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "firstName,email\nAda,ada@example.com\n",
            "missing required column: the header needs topic, lastName or customerName",
        ),
        (
            "topic,colour\nRenewal,blue\n",
            "unknown column 'colour' on line 1; the columns are externalId, topic, firstName, lastName, email, phone, "
            "jobTitle, customerName, website, description, source, score, estimatedAmount, currency, "
            "estimatedCloseDate, partner, acceptanceDeadline",
        ),
        ("topic,Topic\nA,B\n", "column 'topic' appears more than once on line 1"),
        (
            b"topic,lastName\nCafe,Smith\nCaf\xe9,Smith\n",
            "line 3 is not UTF-8 text (byte 0xe9): save the file as UTF-8",
        ),
        ('topic\n"Renewal\n', "line 2 is not valid CSV: unexpected end of data"),
        ("", "the file is empty: its first line must name the columns"),
    ],
    ids=["missing-column", "unknown-column", "repeated-column", "latin-1", "unterminated-quote", "empty"],
)
def test_a_bad_file_is_one_line_and_nothing_is_written(database_url, tmp_path, content, message):
    in_database(database_url, make_importer)
    csv_file = write(tmp_path, content)

    result = run_cli("import-leads", str(csv_file), "--as", "importer@northwind.example", env=cli_env(database_url))

    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"leadbridge: error: {csv_file}: {message}\n")
    assert in_database(database_url, lead_count) == 0


def test_a_file_over_200_mb_is_refused_before_reading(database_url, tmp_path):
    in_database(database_url, make_importer)
    csv_file = tmp_path / "huge.csv"
    with csv_file.open("wb") as handle:
        handle.write(b"topic\nRenewal\n")
        handle.truncate(200 * 1024 * 1024 + 1)

    result = run_cli("import-leads", str(csv_file), "--as", "importer@northwind.example", env=cli_env(database_url))

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"leadbridge: error: {csv_file}: the file is larger than 200 MB (209715201 bytes): split it\n",
    )
    assert in_database(database_url, lead_count) == 0


def test_a_cell_holding_nul_is_a_bad_row_with_its_line_and_the_others_are_imported(database_url, tmp_path):
    # given a file whose third line holds U+0000 in a cell
    in_database(database_url, make_importer)
    csv_file = write(tmp_path, "topic,description\nFirst,fine\nSecond,bad\x00cell\nThird,fine\n")

    # when it is imported
    result = run_cli("import-leads", str(csv_file), "--as", "importer@northwind.example", env=cli_env(database_url))

    # then that row is reported by its line and nothing of it is written
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "created 2 leads, skipped 0 already imported, 1 bad rows\n",
        "line 3: description may not contain the character U+0000\n",
    )
    assert sorted(in_database(database_url, lambda: Lead.all().values_list("topic", flat=True))) == ["First", "Third"]


def test_a_stream_without_end_stops_with_one_line_and_flat_memory(database_url):
    # given an importer
    in_database(database_url, make_importer)
    env = cli_env(database_url)
    importing = [sys.executable, "-m", "leadbridge", "import-leads"]

    # when they import /dev/zero, and a pipe of valid lines without end
    zeros, zeros_peak = measuring_peak_rss([*importing, "/dev/zero", "--as", "importer@northwind.example"], env)
    pipe = f"(echo topic; yes Renewal) | {' '.join(importing)} /dev/stdin --as importer@northwind.example"
    piped, piped_peak = measuring_peak_rss(["bash", "-c", pipe], env)

    # then each stops with one line, exit status 1, memory bounded, and nothing written
    assert zeros == "1||leadbridge: error: /dev/zero: line 1 is longer than 4194304 characters: is this a CSV file?"
    assert piped == "1||leadbridge: error: /dev/stdin: the file is larger than 200 MB: split it"
    assert zeros_peak < 150_000 and piped_peak < 150_000  # KiB: far below what the stream sent
    assert in_database(database_url, lead_count) == 0


async def test_import_leads_mutation_reports_a_cell_holding_nul_as_a_bad_row(anonymous_client):
    # given an importer
    importer = await make_importer()

    # when they upload a file whose third line holds U+0000 in a cell
    async with client_as(anonymous_client, importer) as importer_client:
        response = await importer_client.post(
            "/graphql", **upload("topic,description\nFirst,fine\nSecond,bad\x00cell\n")
        )

    # then that row is a bad row with its line, and only the other is written
    assert response.json() == {
        "data": {
            "importLeads": payload(
                createdCount=1,
                badRowCount=1,
                badRows=[{"line": 3, "reason": "description may not contain the character U+0000"}],
            )
        }
    }
    assert await Lead.all().values_list("topic", flat=True) == ["First"]


def test_an_unknown_importer_is_one_line(database_url, tmp_path):
    csv_file = write(tmp_path, "topic\nRenewal\n")

    result = run_cli("import-leads", str(csv_file), "--as", "nobody@example.com", env=cli_env(database_url))

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "leadbridge: error: no user with email nobody@example.com\n",
    )


def test_a_deactivated_importer_is_one_line(database_url, tmp_path):
    async def deactivated() -> None:
        importer = await make_importer()
        importer.is_active = False
        await importer.save()

    in_database(database_url, deactivated)
    csv_file = write(tmp_path, "topic\nRenewal\n")

    result = run_cli("import-leads", str(csv_file), "--as", "importer@northwind.example", env=cli_env(database_url))

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "leadbridge: error: user importer@northwind.example is deactivated\n",
    )
    assert in_database(database_url, lead_count) == 0


PEAK_RSS = textwrap.dedent(
    """
    import resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    print(done.returncode, done.stdout.strip(), done.stderr.strip(), sep="|")
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """
)


def import_measuring_peak_rss(csv_file: Path, env: dict[str, str]) -> tuple[str, int]:
    """The import's outcome line and its peak resident set size in KiB, from a process of its own."""
    command = [sys.executable, "-m", "leadbridge", "import-leads", str(csv_file), "--as", "importer@northwind.example"]
    return measuring_peak_rss(command, env)


def measuring_peak_rss(command: list[str], env: dict[str, str]) -> tuple[str, int]:
    """The command's exit status, stdout and stderr on one line, and the peak resident set size
    in KiB of its processes."""
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    outcome, peak = measured.stdout.strip().splitlines()
    return outcome, int(peak)


def generate(path: Path, rows: int, prefix: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "externalId",
                "topic",
                "lastName",
                "email",
                "customerName",
                "score",
                "estimatedAmount",
                "currency",
                "description",
            ]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"{prefix}-{n}",
                    f"Deal {n}",
                    f"Buyer{n}",
                    f"buyer{n}@customer.example",
                    f"Customer {n}",
                    n % 101,
                    f"{n}.25",
                    "EUR",
                    "x" * 60,
                ]
            )
    return path


@pytest.mark.slow
def test_a_hundred_thousand_rows_import_with_flat_memory(database_url, tmp_path):
    in_database(database_url, make_importer)
    env = cli_env(database_url)
    small = generate(tmp_path / "small.csv", 1_000, "small")
    large = generate(tmp_path / "large.csv", 100_000, "large")

    small_outcome, small_peak = import_measuring_peak_rss(small, env)
    large_outcome, large_peak = import_measuring_peak_rss(large, env)

    assert small_outcome == "0|created 1000 leads, skipped 0 already imported, 0 bad rows|"
    assert large_outcome == "0|created 100000 leads, skipped 0 already imported, 0 bad rows|"
    assert large_peak < 200 * 1024, f"peak RSS {large_peak} KiB"
    assert large_peak - small_peak < 64 * 1024, f"100,000 rows: {large_peak} KiB, 1,000 rows: {small_peak} KiB"

    async def check() -> tuple[int, int]:
        return await Lead.filter(external_id__startswith="large-").count(), await LeadMember.all().count()

    assert in_database(database_url, check) == (100_000, 101_000)


def test_two_concurrent_imports_of_one_file_create_each_lead_once(database_url, tmp_path):
    in_database(database_url, make_importer)
    csv_file = generate(tmp_path / "leads.csv", 3_000, "twice")
    command = [sys.executable, "-m", "leadbridge", "import-leads", str(csv_file), "--as", "importer@northwind.example"]

    processes = [
        subprocess.Popen(
            command,
            env=cli_env(database_url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = [(process.wait(timeout=300), process.stdout.read(), process.stderr.read()) for process in processes]

    assert [(status, stderr) for status, _, stderr in outcomes] == [(0, ""), (0, "")]
    counts = [[int(word) for word in stdout.replace(",", " ").split() if word.isdigit()] for _, stdout, _ in outcomes]
    assert [sum(created for created, _, _ in counts), sum(skipped for _, skipped, _ in counts)] == [3_000, 3_000]

    async def check() -> tuple[int, int]:
        return await Lead.all().count(), await LeadMember.all().count()

    assert in_database(database_url, check) == (3_000, 3_000)


def upload(content: str | bytes, dry_run: bool = False) -> dict[str, Any]:
    """The keyword arguments of an httpx POST by the GraphQL multipart request spec."""
    operations = {"query": IMPORT_LEADS, "variables": {"input": {"file": None, "dryRun": dry_run}}}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        "files": {"0": ("leads.csv", content.encode() if isinstance(content, str) else content, "text/csv")},
    }


def payload(**fields: Any) -> dict[str, Any]:
    return {
        "dryRun": False,
        "createdCount": 0,
        "skippedCount": 0,
        "badRowCount": 0,
        "badRows": [],
        "userErrors": [],
        **fields,
    }


async def test_import_leads_mutation_answers_the_same_report(anonymous_client):
    importer = await make_importer()

    async with client_as(anonymous_client, importer) as importer_client:
        response = await importer_client.post("/graphql", **upload(HEADER + ROWS))
        again = await importer_client.post("/graphql", **upload(HEADER + ROWS))
        listed = await graphql(importer_client, LEADS)

    bad_rows = [{"line": line, "reason": reason} for line, reason in BAD_ROWS]
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"importLeads": payload(createdCount=3, badRowCount=4, badRows=bad_rows)}}
    assert again.json() == {
        "data": {"importLeads": payload(createdCount=1, skippedCount=2, badRowCount=4, badRows=bad_rows)}
    }
    assert listed["data"]["leads"]["totalCount"] == 4
    assert {
        (edge["node"]["topic"], edge["node"]["owner"]["email"], edge["node"]["viewerRole"])
        for edge in listed["data"]["leads"]["edges"]
    } == {
        ("Fleet renewal", "importer@northwind.example", "OWNER"),
        ("Walk-in", "importer@northwind.example", "OWNER"),
        ("Multi\nline topic", "importer@northwind.example", "OWNER"),
    }


async def test_import_leads_mutation_dry_run_writes_nothing(anonymous_client):
    importer = await make_importer()

    async with client_as(anonymous_client, importer) as importer_client:
        response = await importer_client.post("/graphql", **upload(HEADER + ROWS, dry_run=True))

    assert response.json()["data"]["importLeads"] == payload(
        dryRun=True,
        createdCount=3,
        badRowCount=4,
        badRows=[{"line": line, "reason": reason} for line, reason in BAD_ROWS],
    )
    assert await Lead.all().count() == 0


async def test_import_skips_only_rows_its_own_company_imported(anonymous_client):
    importer = await make_importer()
    other = await make_user()
    await make_lead(other, external_id="crm-1")
    await make_lead(importer, external_id="crm-2")

    async with client_as(anonymous_client, importer) as importer_client:
        response = await importer_client.post("/graphql", **upload("externalId,topic\ncrm-1,One\ncrm-2,Two\n"))

    assert response.json()["data"]["importLeads"] == payload(createdCount=1, skippedCount=1)
    assert await Lead.filter(external_id="crm-1").count() == 2


async def test_import_leads_mutation_refuses_a_bad_file_and_writes_nothing(anonymous_client, monkeypatch):
    importer = await make_importer()

    async with client_as(anonymous_client, importer) as importer_client:
        unknown_column = await importer_client.post("/graphql", **upload("topic,colour\nA,blue\n"))
        latin_1 = await importer_client.post("/graphql", **upload(b"topic\nCaf\xe9\n"))
        monkeypatch.setattr(lead_import, "MAX_FILE_BYTES", 1024 * 1024)
        too_large = await importer_client.post("/graphql", **upload("topic\n" + "Renewal\n" * 140_000))

    def refused(message: str) -> dict:
        return {
            "data": {
                "importLeads": payload(userErrors=[{"code": "INVALID_INPUT", "message": message, "field": ["file"]}])
            }
        }

    assert unknown_column.json() == refused(
        "unknown column 'colour' on line 1; the columns are externalId, topic, firstName, lastName, email, phone, "
        "jobTitle, customerName, website, description, source, score, estimatedAmount, currency, "
        "estimatedCloseDate, partner, acceptanceDeadline"
    )
    assert latin_1.json() == refused("line 2 is not UTF-8 text (byte 0xe9): save the file as UTF-8")
    assert too_large.json() == refused("the file is larger than 1 MB (1120006 bytes): split it")
    assert await Lead.all().count() == 0


async def test_a_file_variable_sent_as_json_is_a_user_error(anonymous_client):
    importer = await make_importer()

    async with client_as(anonymous_client, importer) as importer_client:
        body = await graphql(importer_client, IMPORT_LEADS, {"input": {"file": "topic\nRenewal\n"}})

    assert body == {
        "data": {
            "importLeads": payload(
                userErrors=[
                    {
                        "code": "INVALID_INPUT",
                        "message": "Send the file as a multipart upload (GraphQL multipart request spec)",
                        "field": ["file"],
                    }
                ]
            )
        }
    }


async def test_malformed_multipart_requests_are_refused_before_execution(anonymous_client):
    importer = await make_importer()
    valid = upload("topic\nRenewal\n")

    async with client_as(anonymous_client, importer) as importer_client:
        no_map = await importer_client.post(
            "/graphql", data={"operations": valid["data"]["operations"]}, files=valid["files"]
        )
        missing_file = await importer_client.post(
            "/graphql", data={**valid["data"], "map": json.dumps({"1": ["variables.input.file"]})}, files=valid["files"]
        )
        bad_path = await importer_client.post(
            "/graphql",
            data={**valid["data"], "map": json.dumps({"0": ["variables.nothing.file"]})},
            files=valid["files"],
        )
        batched = await importer_client.post(
            "/graphql",
            data={**valid["data"], "operations": json.dumps([json.loads(valid["data"]["operations"])])},
            files=valid["files"],
        )
        anonymous = await anonymous_client.post("/graphql", **valid)

    assert [(response.status_code, response.json()) for response in (no_map, missing_file, bad_path, batched)] == [
        (400, {"errors": [{"message": "The multipart request needs a 'map' field holding JSON"}]}),
        (400, {"errors": [{"message": "The 'map' field names a file '1' that the request does not hold"}]}),
        (400, {"errors": [{"message": "A path in the 'map' field does not lead to a variable in 'operations'"}]}),
        (
            400,
            {
                "errors": [
                    {"message": "The 'operations' field must be a JSON object; batched operations are not supported"}
                ]
            },
        ),
    ]
    assert anonymous.status_code == 401
    assert await Lead.all().count() == 0


def test_a_terminal_sees_a_progress_bar(database_url, tmp_path):
    in_database(database_url, make_importer)
    csv_file = generate(tmp_path / "leads.csv", 2_500, "tty")
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))

    with subprocess.Popen(
        [sys.executable, "-m", "leadbridge", "import-leads", str(csv_file), "--as", "importer@northwind.example"],
        env=cli_env(database_url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
    ) as process:
        os.close(secondary)
        stdout, _ = process.communicate(timeout=120)
    terminal = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(primary)

    assert (process.returncode, stdout) == (0, b"created 2500 leads, skipped 0 already imported, 0 bad rows\n")
    assert b"importing: 100%" in terminal
    assert b"2500/2500" in terminal
