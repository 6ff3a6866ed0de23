"""Importing leads from a CSV file: the header names lead fields, every row is checked as
createLead checks its input, valid rows are written in batches (one transaction each), bad rows
are reported by line and leave nothing behind, and an `externalId` makes a row idempotent.

The file is read twice as a stream, never held in memory: a first pass checks that it is UTF-8
CSV with a known header and counts its rows before anything is written; the second imports.
A stream that cannot be read twice (a pipe) is first copied to a temporary file. Every pass
counts the bytes it reads and every line is read up to a bound, so that a stream without end
(`/dev/zero`) is refused with memory flat.
"""

import asyncio
import codecs
import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.company import Company
from models.enums import MemberRole
from models.errors import DomainError, ErrorCode
from models.lead import Lead
from models.lead_workflow import clean_fields, new_lead
from models.membership import LeadMember
from models.user import User
from models.validation import clean_text

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_CHARACTERS = 4 * 1024 * 1024
READ_CHUNK_BYTES = 1 << 16
NUL = "\x00"
BATCH_SIZE = 1000
MAX_EXTERNAL_ID_LENGTH = 100
COLUMNS = {  # the column as documented -> what it sets
    "externalId": "external_id",
    "topic": "topic",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "jobTitle": "job_title",
    "customerName": "customer_name",
    "website": "website",
    "description": "description",
    "source": "source",
    "score": "score",
    "estimatedAmount": "estimated_amount",
    "currency": "currency",
    "estimatedCloseDate": "estimated_close_date",
    "partner": "partner",
    "acceptanceDeadline": "acceptance_deadline",
}
ONE_OF_REQUIRED = ("topic", "lastName", "customerName")
FILE_FIELD = ["file"]
OWNER_MEMBERSHIPS = (  # the importer, user {0}, as direct OWNER of the leads just written
    'INSERT INTO "lead_member" ("lead_id", "user_id", "role", "created_at") '
    'SELECT "id", CAST({0} AS INTEGER), CAST({1} AS VARCHAR(16)), "created_at" FROM "lead" '
    'WHERE "id" > {2} AND "owner_id" = {3} AND "sourced_by_id" = {4} '
    'AND "id" NOT IN (SELECT "lead_id" FROM "lead_member" WHERE "user_id" = {5} AND "lead_id" > {6})'
)


def _refused(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message, FILE_FIELD)


def _too_large(size: int | None = None) -> DomainError:
    measured = f" ({size} bytes)" if size is not None else ""
    return _refused(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB{measured}: split it")


class _Counted(io.RawIOBase):
    """A binary file read through a count of its bytes: past MAX_FILE_BYTES, DomainError,
    whatever size the file said it had."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.file.read(min(len(buffer), READ_CHUNK_BYTES))
        self.read_bytes += len(chunk)
        if self.read_bytes > MAX_FILE_BYTES:
            raise _too_large()
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    """The text's lines, each read up to MAX_LINE_CHARACTERS: a longer one is refused."""
    number = 0
    while line := text.readline(MAX_LINE_CHARACTERS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARACTERS:
            raise _refused(f"line {number} is longer than {MAX_LINE_CHARACTERS} characters: is this a CSV file?")
        yield line


@contextmanager
def rereadable(file: BinaryIO) -> Iterator[BinaryIO]:
    """The file itself when it can be read twice; otherwise a temporary copy of it, up to
    MAX_FILE_BYTES (DomainError beyond)."""
    if file.seekable():
        yield file
        return
    with tempfile.TemporaryFile() as copy:
        copied = 0
        while chunk := file.read(READ_CHUNK_BYTES):
            copied += len(chunk)
            if copied > MAX_FILE_BYTES:
                raise _too_large()
            copy.write(chunk)
        yield copy


def _key(name: str) -> str:
    """Header names match whatever their case, spaces, underscores and hyphens."""
    return re.sub(r"[\s_\-]", "", name).lower()


KNOWN = {_key(column): column for column in COLUMNS}


def columns_of(header: list[str]) -> list[str]:
    """The documented column each header cell names; DomainError for an unknown, repeated or
    missing column."""
    columns: list[str] = []
    for cell in header:
        if NUL in cell:
            raise _refused("line 1 holds the character U+0000: a column is named in text")
        column = KNOWN.get(_key(cell))
        if column is None:
            raise _refused(f"unknown column '{cell.strip()}' on line 1; the columns are {', '.join(COLUMNS)}")
        if column in columns:
            raise _refused(f"column '{column}' appears more than once on line 1")
        columns.append(column)
    if not any(column in columns for column in ONE_OF_REQUIRED):
        raise _refused(
            f"missing required column: the header needs {', '.join(ONE_OF_REQUIRED[:-1])} or {ONE_OF_REQUIRED[-1]}"
        )
    return columns


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    dry_run: bool
    created: int = 0
    skipped: int = 0
    bad_rows: int = 0


@contextmanager
def _text(file: BinaryIO) -> Iterator[Iterator[str]]:
    """The binary file's lines read as UTF-8 text (a byte order mark is allowed), from its
    start, counted and bounded; the file stays open afterwards."""
    file.seek(0)
    text = io.TextIOWrapper(io.BufferedReader(_Counted(file)), encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield _lines(text)
    finally:
        text.detach()


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, values) for each non-blank record of a csv.reader."""
    line = 1
    for values in reader:
        if any(value.strip() for value in values):
            yield line, values
        line = reader.line_num + 1


def _first_invalid_utf8(file: BinaryIO) -> tuple[int, int]:
    """The line and the value of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    line = 1
    while chunk := file.read(1 << 16):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            start = max(0, error.start - len(error.object) + len(chunk))
            return line + chunk.count(b"\n", 0, start), chunk[start]
        line += chunk.count(b"\n")
    return line, 0


def scan(file: BinaryIO) -> tuple[list[str], int]:
    """The header and the number of data rows; DomainError when the file is too large, is not
    UTF-8 or not CSV, or is empty."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    if size > MAX_FILE_BYTES:
        raise _too_large(size)
    header: list[str] | None = None
    rows = 0
    with _text(file) as text:
        reader = csv.reader(text, strict=True)
        try:
            for _, values in _records(reader):
                if header is None:
                    header = values
                else:
                    rows += 1
        except UnicodeDecodeError:
            bad_line, byte = _first_invalid_utf8(file)
            raise _refused(f"line {bad_line} is not UTF-8 text (byte 0x{byte:02x}): save the file as UTF-8") from None
        except csv.Error as error:
            raise _refused(f"line {reader.line_num} is not valid CSV: {error}") from None
    if header is None:
        raise _refused("the file is empty: its first line must name the columns")
    return header, rows


def _reason(error: DomainError) -> str:
    name = error.field[-1] if error.field else None
    if name is None or error.message.startswith(name):
        return error.message
    return f"{name}: {error.message}"


def _parse(column: str, value: str) -> Any:
    try:
        if column == "score":
            return int(value)
        if column == "estimatedCloseDate":
            return date.fromisoformat(value)
        if column == "acceptanceDeadline":
            return datetime.fromisoformat(value)
    except ValueError:
        expected = {
            "score": "a whole number",
            "estimatedCloseDate": "a date (YYYY-MM-DD)",
            "acceptanceDeadline": "a date and time (ISO 8601)",
        }[column]
        raise DomainError(ErrorCode.INVALID_INPUT, f"'{value}' is not {expected}", [column]) from None
    return value


class _Import:
    """One import run: the rows checked so far and the batch waiting to be written."""

    def __init__(
        self,
        viewer: User,
        columns: list[str],
        companies: QuerySet[Company],
        report: ImportReport,
        on_bad_row: Callable[[BadRow], None],
    ) -> None:
        self.viewer = viewer
        self.columns = columns
        self.companies = companies
        self.report = report
        self.on_bad_row = on_bad_row
        self.partners: dict[str, int | None] = {}
        self.first_line_of: dict[str, int] = {}
        self.batch: list[Lead] = []
        self.order = {column: index for index, column in enumerate(columns)}

    def bad(self, line: int, reason: str) -> None:
        self.report.bad_rows += 1
        self.on_bad_row(BadRow(line, reason))

    async def partner_id(self, name: str) -> int:
        if name not in self.partners:
            exact = cast(list[int], await self.companies.filter(name=name).values_list("id", flat=True))
            found = exact or cast(
                list[int], await self.companies.filter(name__iexact=name).values_list("id", flat=True)
            )
            self.partners[name] = found[0] if len(found) == 1 else None
        found_id = self.partners[name]
        if found_id is None:
            raise DomainError(ErrorCode.INVALID_INPUT, f"no company named '{name}'", ["partner"])
        return found_id

    async def check(self, line: int, values: list[str]) -> Lead | None:
        """The row's unsaved lead, or None when it is bad (reported with every problem found)."""
        if len(values) != len(self.columns):
            self.bad(line, f"has {len(values)} values but the header has {len(self.columns)} columns")
            return None
        given: dict[str, Any] = {}
        other: dict[str, Any] = {}
        problems: list[DomainError] = []
        for column, raw in zip(self.columns, values, strict=True):
            value = raw.strip()
            if not value:
                continue
            if NUL in value:
                problems.append(
                    DomainError(ErrorCode.INVALID_INPUT, f"{column} may not contain the character U+0000", [column])
                )
                continue
            try:
                if column == "partner":
                    other["partner_id"] = await self.partner_id(value)
                elif column == "externalId":
                    other["external_id"] = clean_text(value, [column], max_length=MAX_EXTERNAL_ID_LENGTH)
                elif column == "acceptanceDeadline":
                    other["acceptance_deadline"] = _parse(column, value)
                else:
                    given[COLUMNS[column]] = _parse(column, value)
            except DomainError as error:
                problems.append(error)
        if not problems:
            try:
                lead = new_lead(
                    self.viewer,
                    given,
                    partner_id=other.get("partner_id"),
                    acceptance_deadline=other.get("acceptance_deadline"),
                )
            except DomainError as error:
                problems.extend(clean_fields(given)[1] or [error])
        else:
            problems.extend(clean_fields(given)[1])
        if problems:
            problems.sort(key=lambda problem: self.order.get(problem.field[-1] if problem.field else "", 0))
            self.bad(line, "; ".join(_reason(problem) for problem in problems))
            return None
        external_id = other.get("external_id")
        if external_id is not None:
            first_line = self.first_line_of.setdefault(external_id, line)
            if first_line != line:
                self.bad(line, f"externalId '{external_id}' is already used on line {first_line}")
                return None
            lead.external_id = external_id
        return lead

    async def flush(self) -> None:
        """Write the batch in one transaction, leaving out the rows imported before; a batch
        that meets a concurrent import of the same rows is tried again."""
        batch, self.batch = self.batch, []
        for attempt in range(3):
            try:
                self.report.skipped += await self._write(batch)
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    async def _write(self, batch: list[Lead]) -> int:
        company_id = self.viewer.company_id
        external_ids = [lead.external_id for lead in batch if lead.external_id is not None]
        async with in_transaction() as connection:
            if connection.capabilities.dialect == "postgres":
                # The same statements run once a batch, and a plan cached while the table was
                # small (scan every lead of the company) would stay for the whole import.
                await connection.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
            imported = set(
                cast(
                    list[str],
                    await Lead.filter(sourced_by_id=company_id, external_id__in=external_ids).values_list(
                        "external_id", flat=True
                    ),
                )
                if external_ids
                else []
            )
            fresh = [lead for lead in batch if lead.external_id is None or lead.external_id not in imported]
            if fresh and not self.report.dry_run:
                await self._create(fresh, connection)
        self.report.created += len(fresh)
        return len(batch) - len(fresh)

    async def _create(self, leads: list[Lead], connection: BaseDBAsyncClient) -> None:
        """bulk_create leaves primary keys unset: the new leads are those above the previous
        highest id that the importer owns without being their direct member yet (createLead
        and imports add the membership in the lead's own transaction). One statement makes
        the importer their direct OWNER."""
        highest = await Lead.all().order_by("-id").limit(1).values_list("id", flat=True)
        floor = highest[0] if highest else 0
        for lead in leads:
            lead.refresh_match_keys()
        await Lead.bulk_create(leads)
        user_id, company_id = self.viewer.id, self.viewer.company_id
        members = LeadMember.filter(user_id=user_id, lead_id__gt=floor).values("lead_id")
        created = Lead.filter(id__gt=floor, owner_id=user_id, sourced_by_id=company_id).exclude(
            id__in=Subquery(members)
        )
        found = await created.count()
        if found != len(leads):
            raise RuntimeError(f"expected {len(leads)} new leads, found {found}")
        marks = [f"${n}" for n in range(1, 8)] if connection.capabilities.dialect == "postgres" else ["?"] * 7
        await connection.execute_query(
            OWNER_MEMBERSHIPS.format(*marks),
            [user_id, MemberRole.OWNER.value, floor, user_id, company_id, user_id, floor],
        )


async def import_leads(
    viewer: User,
    file: BinaryIO,
    *,
    companies: QuerySet[Company],
    dry_run: bool = False,
    on_bad_row: Callable[[BadRow], None],
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import the CSV file (binary, seekable) as the viewer, who owns every new lead. `companies`
    is the viewer's scope in which `partner` names are found. DomainError, with nothing written,
    when the file itself is refused; each bad row goes to `on_bad_row` and the others are
    imported. `on_start` receives the number of rows, `on_progress` how many more are done."""
    with ExitStack() as stack:
        readable = await asyncio.to_thread(stack.enter_context, rereadable(file))
        return await _import(viewer, readable, companies, dry_run, on_bad_row, on_start, on_progress, batch_size)


async def _import(
    viewer: User,
    file: BinaryIO,
    companies: QuerySet[Company],
    dry_run: bool,
    on_bad_row: Callable[[BadRow], None],
    on_start: Callable[[int], None] | None,
    on_progress: Callable[[int], None] | None,
    batch_size: int,
) -> ImportReport:
    header, rows = await asyncio.to_thread(scan, file)
    columns = columns_of(header)
    if on_start is not None:
        on_start(rows)
    report = ImportReport(dry_run=dry_run)
    run = _Import(viewer, columns, companies, report, on_bad_row)
    done = reported = 0

    def progress() -> None:
        nonlocal reported
        if on_progress is not None and done > reported:
            on_progress(done - reported)
            reported = done

    with _text(file) as text:
        records = _records(csv.reader(text, strict=True))
        next(records)
        for line, values in records:
            lead = await run.check(line, values)
            if lead is not None:
                run.batch.append(lead)
            done += 1
            if len(run.batch) >= batch_size:
                await run.flush()
            if done % batch_size == 0:
                progress()
        if run.batch:
            await run.flush()
    progress()
    return report
