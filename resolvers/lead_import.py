"""importLeads: a CSV upload imported by the domain (models/lead_import.py) as the viewer."""

from typing import Any

from models import DomainError, lead_import
from models.errors import ErrorCode
from models.lead_import import BadRow, ImportReport
from permissions import scopes
from resolvers.context import Context
from resolvers.errors import attempt

MAX_REPORTED_BAD_ROWS = 1000


async def import_leads(
    context: Context, upload: Any, dry_run: bool
) -> tuple[ImportReport | None, list[BadRow], list[DomainError]]:
    """The report, the first MAX_REPORTED_BAD_ROWS bad rows (the report counts them all) and the
    reasons the file itself was refused, when it was (then nothing was written)."""
    bad_rows: list[BadRow] = []

    def keep(bad: BadRow) -> None:
        if len(bad_rows) < MAX_REPORTED_BAD_ROWS:
            bad_rows.append(bad)

    async def action() -> ImportReport:
        if not hasattr(upload, "file") or not hasattr(upload, "close"):
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                "Send the file as a multipart upload (GraphQL multipart request spec)",
                ["file"],
            )
        context.work.bytes_imported += upload.size or 0
        try:
            return await lead_import.import_leads(
                context.viewer,
                upload.file,
                companies=scopes.visible_companies(context.viewer),
                dry_run=dry_run,
                on_bad_row=keep,
            )
        finally:
            await upload.close()

    report, errors = await attempt(action)
    return report, bad_rows if report is not None else [], errors
