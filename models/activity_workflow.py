"""Logging calls, emails, meetings, tasks and notes on a lead or an opportunity."""

from datetime import UTC, datetime

from models.activity import Activity
from models.enums import ActivityKind
from models.lead import Lead
from models.opportunity import Opportunity
from models.user import User
from models.validation import clean_text

SUBJECT_MAX_LENGTH = 255


def as_utc(instant: datetime | None) -> datetime | None:
    """An instant without a zone is taken as UTC."""
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=UTC)


async def log_activity(
    record: Lead | Opportunity,
    viewer: User,
    *,
    kind: ActivityKind,
    subject: str,
    due_at: datetime | None,
    done_at: datetime | None,
) -> Activity:
    """Record an activity owned by the viewer; a converted lead still takes activities."""
    cleaned = clean_text(subject, ["subject"], max_length=SUBJECT_MAX_LENGTH, required=True)
    activity = await Activity.create(
        lead_id=record.pk if isinstance(record, Lead) else None,
        kind=kind,
        subject=cleaned,
        due_at=as_utc(due_at),
        done_at=as_utc(done_at),
        owner_id=viewer.pk,
    )
    if isinstance(record, Opportunity):
        await activity.opportunities.add(record)
    return activity
