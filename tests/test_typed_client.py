"""The typed client example: ariadne-codegen generates a Python client from schema.graphql and
examples/typed_client, and that client runs create -> qualify -> preview -> convert against a
live server, with Decimal, Date and DateTime values as Python types."""

import asyncio
import importlib
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.live import cli_env, live_server, run_cli

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "typed_client"
CODEGEN = PROJECT / ".venv-codegen" / "bin" / "ariadne-codegen"
PACKAGE = "leadbridge_client"


def generate_client(workspace: Path) -> Path:
    """Run ariadne-codegen on a copy of the example laid out as in the repository (the config
    reads ../../schema.graphql); the folder that holds the generated package."""
    assert CODEGEN.is_file(), f"{CODEGEN} is missing: scripts/setup installs ariadne-codegen there"
    example = workspace / "examples" / "typed_client"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns(PACKAGE, "__pycache__"))
    shutil.copy(PROJECT / "schema.graphql", workspace / "schema.graphql")
    generated = subprocess.run(
        [str(CODEGEN), "--config", "ariadne-codegen.toml", "client"],
        cwd=example,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return example


def import_client(folder: Path) -> ModuleType:
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


async def create_qualify_preview_convert(client: Any, package: ModuleType) -> dict[str, Any]:
    created = await client.create_lead(
        package.CreateLeadInput(
            topic="Fleet renewal",
            firstName="Robin",
            lastName="Meyer",
            email="robin@fleet.example",
            customerName="Fleet GmbH",
            estimatedAmount=Decimal("1250.50"),
            currency="EUR",
            estimatedCloseDate=date(2027, 3, 31),
        )
    )
    lead_id = created.create_lead.lead.id
    qualified = await client.set_lead_status(
        package.SetLeadStatusInput(leadId=lead_id, status=package.LeadStatus.WORKING_CONTACTED)
    )
    preview = await client.conversion_preview(lead_id=lead_id)
    converted = await client.convert_lead(package.ConvertLeadInput(leadId=lead_id))
    return {"created": created, "qualified": qualified, "preview": preview, "converted": converted}


@pytest.mark.slow
def test_the_generated_typed_client_creates_qualifies_previews_and_converts_a_lead(database_url, tmp_path):
    env = cli_env(database_url)
    created_user = run_cli(
        "users", "create", "--email", "client@example.com", "--name", "Client", "--company", "Client Co", env=env
    )
    assert created_user.returncode == 0, created_user.stderr
    issued = run_cli("token", "--email", "client@example.com", env=env)
    assert issued.returncode == 0, issued.stderr
    package = import_client(generate_client(tmp_path))

    with live_server(env) as server:
        client = package.LeadbridgeClient(
            url=server.graphql_url, headers={"Authorization": f"Bearer {issued.stdout.strip()}"}
        )
        flow = asyncio.run(create_qualify_preview_convert(client, package))

    lead = flow["created"].create_lead.lead
    assert flow["created"].create_lead.user_errors == []
    assert (lead.topic, lead.status) == ("Fleet renewal", package.LeadStatus.OPEN_NOT_CONTACTED)
    assert (lead.estimated_amount, lead.currency, lead.estimated_close_date) == (
        Decimal("1250.50"),
        "EUR",
        date(2027, 3, 31),
    )
    assert isinstance(lead.created_at, datetime) and lead.created_at.utcoffset() is not None

    assert flow["qualified"].set_lead_status.user_errors == []
    assert flow["qualified"].set_lead_status.lead.status == package.LeadStatus.WORKING_CONTACTED

    preview = flow["preview"].conversion_preview
    assert preview.blockers == []
    assert preview.account.name == "Fleet GmbH"
    assert (preview.contact.first_name, preview.contact.last_name, preview.contact.email) == (
        "Robin",
        "Meyer",
        "robin@fleet.example",
    )
    assert (preview.opportunity.name, preview.opportunity.amount, preview.opportunity.close_date) == (
        "Fleet renewal",
        Decimal("1250.50"),
        date(2027, 3, 31),
    )

    converted = flow["converted"].convert_lead
    assert converted.user_errors == []
    assert (converted.lead.status, converted.lead.is_converted) == (package.LeadStatus.CLOSED_CONVERTED, True)
    assert converted.lead.converted_at.tzinfo is not None
    assert converted.lead.converted_at <= datetime.now(UTC)
    assert converted.account.name == "Fleet GmbH"
    assert converted.contact.email == "robin@fleet.example"
    assert (converted.opportunity.name, converted.opportunity.amount, converted.opportunity.currency) == (
        "Fleet renewal",
        Decimal("1250.50"),
        "EUR",
    )
    assert converted.opportunity.close_date == date(2027, 3, 31)
