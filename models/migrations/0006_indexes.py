from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0005_standard_template")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Activity",
            index=Index(fields=["lead_id", "created_at"]),
        ),
        ops.AddIndex(
            model_name="Activity",
            index=Index(fields=["owner_id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["partner_id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["owner_id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["acceptance_deadline"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["is_converted", "created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["is_converted", "updated_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["is_converted", "score", "id"]),
        ),
        ops.AddIndex(
            model_name="Lead",
            index=Index(fields=["is_converted", "customer_name", "id"]),
        ),
        ops.AddIndex(
            model_name="LeadMember",
            index=Index(fields=["user_id", "lead_id"]),
        ),
        ops.AddIndex(
            model_name="LeadOpportunity",
            index=Index(fields=["opportunity_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["sourced_by_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["partner_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["stage_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["account_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["contact_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["owner_id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["updated_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["close_date", "id"]),
        ),
        ops.AddIndex(
            model_name="Opportunity",
            index=Index(fields=["amount", "id"]),
        ),
        ops.AddIndex(
            model_name="OpportunityMember",
            index=Index(fields=["user_id", "opportunity_id"]),
        ),
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["company_id", "is_admin"]),
        ),
    ]
