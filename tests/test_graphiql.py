"""GraphiQL: served from this server alone, and usable in a real headless browser."""

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from asgi_lifespan import LifespanManager

from leadbridge import graphiql
from leadbridge.app import create_app
from leadbridge.database import apply_migrations
from leadbridge.settings import Settings
from tests.live import LiveServer, cli_env, live_server, run_cli

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_EMAIL = "admin@northwind.example"
VIEWER_EMAIL = "{ viewer { email } }"
LEAD_EVENTS = "subscription { leadEvents { kind lead { topic status } } }"
OPEN_LEADS = """
query {
  leads(first: 1, filter: {status: [OPEN_NOT_CONTACTED], acceptance: [NOT_REQUIRED]}) { edges { node { id topic } } }
}
"""
STATUS_TOGGLES = ["WORKING_CONTACTED", "OPEN_NOT_CONTACTED", "WORKING_CONTACTED"]
SET_STATUS = """
mutation ($input: SetLeadStatusInput!) {
  setLeadStatus(input: $input) { lead { status } userErrors { code message field } }
}
"""
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ASSET_URL = re.compile(r"""(?:src|href)="([^"]+)\"""")
CONFIG = re.compile(r'<script id="graphiql-config" type="application/json">(.*?)</script>', re.S)
PARSED = "editor => editor.CodeMirror.operations?.length === 1 && editor.CodeMirror.operationName === null"
CONTENT_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",)}


@asynccontextmanager
async def asgi_client(tmp_path: Path, demo_token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=f"sqlite://{tmp_path}/graphiql.db", secret_key="k" * 40)
    await apply_migrations(settings)
    app = create_app(settings, demo_token=demo_token)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
def browser() -> Iterator["Browser"]:
    """Debian's headless Chromium driven by Playwright; skips when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs the 'playwright' package")
    if not CHROMIUM.is_file():
        pytest.skip(f"the browser test needs Debian's chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def demo_token(server: LiveServer, email: str) -> str:
    match = re.search(rf"^\s+{re.escape(email)} \(.*\): (\S+)$", server.output(), re.M)
    assert match, server.output()
    return match.group(1)


def page_config(html: str) -> dict[str, object]:
    match = CONFIG.search(html)
    assert match, html
    return json.loads(match.group(1))


async def test_a_browser_gets_graphiql_that_loads_only_from_this_server(tmp_path):
    async with asgi_client(tmp_path) as client:
        response = await client.get("/graphql", headers=HTML)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "connect-src 'self';" in response.headers["content-security-policy"]
    assert re.findall(r"https?:|//", response.text) == []
    assert sorted(ASSET_URL.findall(response.text)) == sorted(
        [*(f"{graphiql.ASSETS_PATH}/{name}" for name in graphiql.ASSET_FILES), "data:,"]
    )


async def test_every_asset_the_page_references_is_served(tmp_path):
    async with asgi_client(tmp_path) as client:
        page = await client.get("/graphql", headers=HTML)
        urls = [url for url in ASSET_URL.findall(page.text) if url.startswith(f"{graphiql.ASSETS_PATH}/")]
        responses = {url: await client.get(url) for url in urls}

    assert responses
    for url, response in responses.items():
        assert response.status_code == 200, url
        assert response.content, url
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type in CONTENT_TYPES[Path(url).suffix], url


@pytest.mark.parametrize(
    "path",
    [
        "package.json",
        "graphiql/package.json",
        "graphiql/graphiql.min.js",
        "react/umd/react.development.js",
        "../graphiql.py",
        "%2e%2e/templates/graphiql.html",
        "graphiql.min.js.map",
        "",
    ],
)
async def test_files_outside_the_allow_list_are_not_found(tmp_path, path):
    async with asgi_client(tmp_path) as client:
        response = await client.get(f"{graphiql.ASSETS_PATH}/{path}")

    assert response.status_code == 404


async def test_the_page_starts_with_empty_headers_without_a_demo_token(tmp_path):
    async with asgi_client(tmp_path) as client:
        response = await client.get("/graphql", headers=HTML)

    assert page_config(response.text) == {"url": "/graphql", "headers": None}


async def test_the_demo_token_is_escaped_into_the_page(tmp_path):
    token = "</script><script>alert(1)</script>&"

    async with asgi_client(tmp_path, demo_token=token) as client:
        response = await client.get("/graphql", headers=HTML)

    assert "<script>alert(1)" not in response.text
    headers = page_config(response.text)["headers"]
    assert json.loads(headers) == {"Authorization": f"Bearer {token}"}


async def test_without_node_modules_the_page_says_to_run_setup(tmp_path, monkeypatch):
    missing = {name: tmp_path / "node_modules" / name for name in graphiql.ASSET_FILES}
    monkeypatch.setattr(graphiql, "ASSET_FILES", missing)

    async with asgi_client(tmp_path) as client:
        response = await client.get("/graphql", headers=HTML)

    assert response.status_code == 503
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<code>scripts/setup</code>" in response.text


def test_production_serves_no_graphiql(tmp_path):
    env = cli_env(f"sqlite://{tmp_path}/production.db", LEADBRIDGE_ENV="production")
    assert run_cli("migrate", env=env).returncode == 0

    with live_server(env) as server:
        page = httpx.get(server.graphql_url, headers=HTML)
        asset = httpx.get(f"{server.url}{graphiql.ASSETS_PATH}/graphiql.min.js")

    assert page.headers["content-type"].split(";")[0] in ("application/json", "application/graphql-response+json")
    assert "errors" in page.json()
    assert "<html" not in page.text
    assert asset.status_code == 404


@pytest.mark.slow
def test_graphiql_runs_a_query_in_headless_chromium_offline(browser, tmp_path):
    from playwright.sync_api import expect

    requests: list[str] = []
    failures: list[str] = []
    console_errors: list[str] = []
    screenshot = tmp_path / "graphiql.png"

    with live_server(cli_env(f"sqlite://{tmp_path}/demo.db"), command="demo") as server:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("request", lambda request: requests.append(request.url))
        page.on("response", lambda response: response.ok or failures.append(f"{response.status} {response.url}"))
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        page.goto(server.graphql_url)
        query_editor = page.locator(".graphiql-query-editor .CodeMirror")
        header_editor = page.locator("section[aria-label=Headers] .graphiql-editor:not(.hidden) .CodeMirror")
        expect(query_editor).to_be_visible()
        expect(header_editor).to_be_visible()
        headers = header_editor.evaluate("editor => editor.CodeMirror.getValue()")
        query_editor.evaluate("(editor, query) => editor.CodeMirror.setValue(query)", VIEWER_EMAIL)
        page.wait_for_function(PARSED, arg=query_editor.element_handle())
        page.get_by_role("button", name=re.compile("Execute query")).click()
        expect(page.locator(".graphiql-response")).to_contain_text(DEMO_EMAIL)
        page.screenshot(path=str(screenshot))
        token = demo_token(server, DEMO_EMAIL)

    assert json.loads(headers) == {"Authorization": f"Bearer {token}"}
    assert requests
    assert [url for url in requests if not url.startswith(f"{server.url}/")] == []
    assert failures == []
    assert console_errors == []
    assert screenshot.stat().st_size > 0


def as_demo_admin(server: LiveServer, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
    token = demo_token(server, DEMO_EMAIL)
    response = httpx.post(
        server.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.slow
def test_graphiql_streams_a_subscription_over_the_websocket_in_headless_chromium(browser, tmp_path):
    from playwright.sync_api import expect

    sockets: list[str] = []
    init_payloads: list[object] = []
    console_errors: list[str] = []

    def watch(socket) -> None:
        sockets.append(socket.url)
        socket.on("framesent", lambda payload: init_payloads.extend(connection_init(payload)))

    with live_server(cli_env(f"sqlite://{tmp_path}/demo.db"), command="demo") as server:
        (lead,) = [edge["node"] for edge in as_demo_admin(server, OPEN_LEADS)["leads"]["edges"]]
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("websocket", watch)
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        page.goto(server.graphql_url)
        query_editor = page.locator(".graphiql-query-editor .CodeMirror")
        expect(query_editor).to_be_visible()
        query_editor.evaluate("(editor, query) => editor.CodeMirror.setValue(query)", LEAD_EVENTS)
        page.wait_for_function(PARSED, arg=query_editor.element_handle())
        page.get_by_role("button", name=re.compile("Execute query")).click()
        response = page.locator(".graphiql-response")
        for status in STATUS_TOGGLES:  # the first change may come before the server registered the subscription
            changed = as_demo_admin(server, SET_STATUS, {"input": {"leadId": lead["id"], "status": status}})
            assert changed == {"setLeadStatus": {"lead": {"status": status}, "userErrors": []}}
            with suppress(AssertionError):
                expect(response).to_contain_text("STATUS_CHANGED", timeout=3_000)
                break
        response_text = response.inner_text()
        page.screenshot(path=str(tmp_path / "graphiql-subscription.png"))
        token = demo_token(server, DEMO_EMAIL)

    assert "STATUS_CHANGED" in response_text
    assert sockets == [server.graphql_url.replace("http://", "ws://", 1)]
    assert init_payloads == [{"Authorization": f"Bearer {token}"}]
    assert lead["topic"] in response_text
    assert status in response_text
    assert console_errors == []


def connection_init(frame: object) -> list[object]:
    """The payload of a graphql-transport-ws connection_init frame; nothing for other frames."""
    message = json.loads(frame) if isinstance(frame, str) else {}
    return [message.get("payload")] if message.get("type") == "connection_init" else []
