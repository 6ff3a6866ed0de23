"""`leadbridge seed --leads N`: the synthetic network for benchmarks, through the CLI."""

from datetime import UTC, datetime

import pytest

from tests.live import cli_env, run_cli, with_database


async def census() -> dict:
    """What the database holds, as the seed's user would check it."""
    from models import (
        AccessPolicy,
        Activity,
        Company,
        ConversionEvent,
        Lead,
        LeadCompanySection,
        LeadMember,
        LeadOpportunity,
        Opportunity,
        OpportunityMember,
        User,
    )

    now = datetime.now(UTC)
    leads = await Lead.all()
    converted = [lead for lead in leads if lead.is_converted]
    linked = set(await LeadOpportunity.all().values_list("lead_id", flat=True))
    return {
        "leads": len(leads),
        "companies": await Company.all().count(),
        "users": await User.all().count(),
        "policies": await AccessPolicy.all().count(),
        "statuses": {lead.status.value for lead in leads},
        "acceptances": {lead.acceptance_at(now).value for lead in leads},
        "converted_without_opportunity": [lead.pk for lead in converted if lead.pk not in linked],
        "converted_without_account": [lead.pk for lead in converted if lead.converted_account_id is None],
        "opportunities": await Opportunity.all().count(),
        "lead_members": await LeadMember.all().count(),
        "opportunity_members": await OpportunityMember.all().count(),
        "sections": await LeadCompanySection.all().count(),
        "activities": await Activity.all().count(),
        "events": await ConversionEvent.all().count(),
    }


def test_seed_builds_a_network_with_leads_in_every_state(database_url):
    env = cli_env(database_url)

    result = run_cli("seed", "--leads", "300", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "seeded 300 leads: 300 in all, 4 companies, 32 users\n"
    assert "300/300" in result.stderr
    found = with_database(database_url, census)
    assert found["leads"] == 300
    assert found["companies"] == 4
    assert found["users"] == 32
    assert found["policies"] == 3
    assert found["statuses"] == {"OPEN_NOT_CONTACTED", "WORKING_CONTACTED", "CLOSED_CONVERTED", "CLOSED_NOT_CONVERTED"}
    assert found["acceptances"] == {"NOT_REQUIRED", "PENDING", "ACCEPTED", "REJECTED", "EXPIRED"}
    assert found["converted_without_opportunity"] == []
    assert found["converted_without_account"] == []
    assert found["opportunities"] > 0 and found["opportunity_members"] >= found["opportunities"]
    assert found["lead_members"] >= 300 and found["sections"] >= 300 and found["activities"] > 0
    assert found["events"] == found["opportunities"]


def test_seeding_again_adds_leads_to_the_same_network_and_the_api_keeps_creating_records(database_url):
    env = cli_env(database_url)
    assert run_cli("seed", "--leads", "120", env=env).returncode == 0

    result = run_cli("seed", "--leads", "80", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "seeded 80 leads: 200 in all, 4 companies, 32 users\n"

    async def create_after_seed() -> tuple[int, int]:
        from models import Lead, User

        owner = await User.filter(is_admin=True).first()
        assert owner is not None
        lead = await Lead.create(topic="After the seed", sourced_by_id=owner.company_id, owner=owner)
        return lead.pk, await Lead.all().count()

    lead_id, count = with_database(database_url, create_after_seed)
    assert (lead_id, count) == (201, 201)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "0",
            "leadbridge: error: Invalid value for '--leads': 0 is not in the range 1<=x<=10000000 (see 'leadbridge --help')\n",
        ),
        (
            "-5",
            "leadbridge: error: Invalid value for '--leads': -5 is not in the range 1<=x<=10000000 (see 'leadbridge --help')\n",
        ),
        (
            "many",
            "leadbridge: error: Invalid value for '--leads': 'many' is not a valid integer range (see 'leadbridge --help')\n",
        ),
    ],
)
def test_seed_refuses_a_bad_number_of_leads_in_one_line(database_url, argument, message):
    env = cli_env(database_url)

    result = run_cli("seed", "--leads", argument, env=env)

    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)
    assert with_database(database_url, census)["leads"] == 0


def test_seed_without_leads_is_a_usage_error(database_url):
    result = run_cli("seed", env=cli_env(database_url))

    assert result.returncode == 2
    assert result.stderr == "leadbridge: error: Missing option '--leads' (see 'leadbridge --help')\n"
