"""undoConversion: its input, its payload and the records it keeps."""

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

import models
from models.conversion_undo import Kept
from resolvers import undo_conversion
from resolvers.context import Info
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.mutation_results import MutationInput

if TYPE_CHECKING:
    from schema.lead import Lead

LeadRef = Annotated["Lead", strawberry.lazy("schema.lead")]


@strawberry.input(description="Which lead's conversion to undo.")
class UndoConversionInput:
    lead_id: strawberry.ID = strawberry.field(description="The converted lead; the viewer must be its OWNER.")
    idempotency_key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A key of the client's choosing, at most 255 characters, that makes a retry safe: repeating the "
        "call with the same key and input returns the first result and writes nothing; the same key with another "
        "input, or a key already used with convertLead, is IDEMPOTENCY_KEY_REUSED; a longer key is INVALID_INPUT. "
        "Keys are the viewer's own.",
    )


@strawberry.type(description="A record a conversion created that the undo kept, unlinked from the lead, and why.")
class KeptRecord:
    record: models.Opportunity | models.Account | models.Contact = strawberry.field(
        graphql_type=relay.Node, description="The opportunity, account or contact kept."
    )
    reason: str = strawberry.field(
        description='Why it was kept, for people to read, such as "opportunity has 2 activities logged after the '
        'conversion" or "account has 1 other contact"; several reasons are separated by "; ".'
    )

    @classmethod
    def of(cls, kept: Kept) -> "KeptRecord":
        return cls(record=kept.record, reason=kept.reason)


@strawberry.type(description="The result of undoConversion.")
class UndoConversionPayload:
    lead: models.Lead | None = strawberry.field(
        graphql_type=LeadRef | None,
        default=None,
        description="The lead, no longer converted and editable again; null when refused.",
    )
    deleted_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="The global IDs of the records the undo deleted (opportunities, then the contact, then the "
        "account), among those the viewer could see; empty when refused.",
    )
    kept: list[KeptRecord] = strawberry.field(
        default_factory=list,
        description="The records the lead's conversions created that were kept, unlinked from the lead, each with "
        "its reason, among those the viewer could see; empty when refused. Opportunities that were linked rather "
        "than created are only unlinked, and not listed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


def undo_request(input: UndoConversionInput) -> undo_conversion.UndoRequest:
    key = input.idempotency_key if input.idempotency_key not in (None, strawberry.UNSET) else None
    raw: dict[str, str] = {"leadId": input.lead_id}
    if key is not None:
        raw["idempotencyKey"] = key
    return undo_conversion.UndoRequest(
        lead_id=input.lead_id, idempotency_key=key, fingerprint=undo_conversion.undo_fingerprint(raw)
    )


@strawberry.type
class ConversionUndoMutation:
    @strawberry.mutation(
        description="Undo a lead's conversion (OWNER of the lead), all or nothing: every conversion link of the lead "
        "is removed; each opportunity, contact and account its conversions created is deleted when nothing else "
        "depends on it and nobody changed it since, else kept and listed with its reason; the lead returns to the "
        "status it had before it was converted, unconverted and editable, and can be converted again. Records a "
        "CONVERSION_UNDONE event on the lead and on each kept opportunity. userErrors: NOT_FOUND, FORBIDDEN, "
        "NOT_CONVERTED, INVALID_INPUT, IDEMPOTENCY_KEY_REUSED, ALREADY_MERGED (a merged lead), CONFLICT."
    )
    async def undo_conversion(self, info: Info, input: MutationInput[UndoConversionInput]) -> UndoConversionPayload:
        result, errors = await undo_conversion.undo(info.context, undo_request(input))
        if result is None:
            return UndoConversionPayload(user_errors=user_errors(errors))
        return UndoConversionPayload(
            lead=result.lead,
            deleted_ids=[strawberry.ID(pk) for pk in result.deleted_ids],
            kept=[KeptRecord.of(item) for item in result.kept],
        )
