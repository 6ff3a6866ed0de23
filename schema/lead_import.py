"""importLeads: the CSV import of `leadbridge import-leads`, as a multipart upload."""

import strawberry
from strawberry.file_uploads import Upload

from resolvers import lead_import
from resolvers.context import Info
from schema.errors import UserError, user_errors


@strawberry.input(description="A CSV file of leads, with the columns the README lists under \"Importing leads\".")
class ImportLeadsInput:
    file: Upload = strawberry.field(description="The CSV file, UTF-8, at most 200 MB, sent by the GraphQL multipart request spec.")
    dry_run: bool = strawberry.field(default=False, description="Check every row and report, writing nothing.")


@strawberry.type(description="A row that was not imported, and why; nothing of it was written.")
class BadImportRow:
    line: int = strawberry.field(description="The line of the file where the row starts; the header is line 1.")
    reason: str


@strawberry.type(description="What an import did; userErrors when the file itself was refused (then nothing was written).")
class ImportLeadsPayload:
    dry_run: bool = False
    created_count: int = strawberry.field(default=0, description="New leads, owned by the viewer (in a dry run: that would be).")
    skipped_count: int = strawberry.field(
        default=0, description="Rows whose externalId the viewer's company imported before: left as they are."
    )
    bad_row_count: int = 0
    bad_rows: list[BadImportRow] = strawberry.field(
        default_factory=list, description=f"The first {lead_import.MAX_REPORTED_BAD_ROWS} bad rows, in file order."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LeadImportMutation:
    @strawberry.mutation(description="Import leads from a CSV upload as the viewer, who owns every new lead.")
    async def import_leads(self, info: Info, input: ImportLeadsInput) -> ImportLeadsPayload:
        report, bad_rows, errors = await lead_import.import_leads(info.context, input.file, input.dry_run)
        if report is None:
            return ImportLeadsPayload(dry_run=input.dry_run, user_errors=user_errors(errors))
        return ImportLeadsPayload(
            dry_run=report.dry_run,
            created_count=report.created,
            skipped_count=report.skipped,
            bad_row_count=report.bad_rows,
            bad_rows=[BadImportRow(line=bad.line, reason=bad.reason) for bad in bad_rows],
        )
