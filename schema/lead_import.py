"""importLeads: the CSV import of `leadbridge import-leads`, as a multipart upload."""

import strawberry
from strawberry.file_uploads import Upload

from resolvers import lead_import
from resolvers.context import Info
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput


@strawberry.input(
    description="A CSV file of leads. Its first line names the columns, in any case and with spaces, underscores or "
    "hyphens ignored: externalId, topic, firstName, lastName, email, phone, jobTitle, customerName, website, "
    "description, source, score, estimatedAmount (a plain number such as 12500.50), currency, estimatedCloseDate "
    "(YYYY-MM-DD), partner (the partner company's name) and acceptanceDeadline (ISO 8601, UTC without an offset). "
    "Every column is optional but the header needs topic, lastName or customerName; an unknown or repeated column "
    "refuses the file. Empty cells are left out; a row whose externalId the viewer's company imported before is "
    "skipped."
)
class ImportLeadsInput:
    file: Upload = strawberry.field(
        description="The CSV file, UTF-8, at most 200 MB, sent by the GraphQL multipart request spec."
    )
    dry_run: bool = strawberry.field(default=False, description="Check every row and report, writing nothing.")


@strawberry.type(description="A row that was not imported, and why; nothing of it was written.")
class BadImportRow:
    line: int = strawberry.field(description="The line of the file where the row starts; the header is line 1.")
    reason: str = strawberry.field(
        description='Every problem found in the row, such as "score must be between 0 and 100".'
    )


@strawberry.type(
    description="What an import did; userErrors when the file itself was refused (then nothing was written)."
)
class ImportLeadsPayload:
    dry_run: bool = strawberry.field(default=False, description="Whether this was a dry run that wrote nothing.")
    created_count: int = strawberry.field(
        default=0, description="New leads, owned by the viewer (in a dry run: that would be)."
    )
    skipped_count: int = strawberry.field(
        default=0, description="Rows whose externalId the viewer's company imported before: left as they are."
    )
    bad_row_count: int = strawberry.field(
        default=0, description="Rows refused, each reported with its line; the others were imported."
    )
    bad_rows: list[BadImportRow] = strawberry.field(
        default_factory=list, description=f"The first {lead_import.MAX_REPORTED_BAD_ROWS} bad rows, in file order."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type
class LeadImportMutation:
    @strawberry.mutation(
        description="Import leads from a CSV upload as the viewer, who owns every new lead, exactly as createLead "
        "would create each; a bad row is reported and skipped, the others are written. userErrors (the file as a whole "
        "refused, nothing written): INVALID_INPUT, CONFLICT."
    )
    async def import_leads(self, info: Info, input: MutationInput[ImportLeadsInput]) -> ImportLeadsPayload:
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
