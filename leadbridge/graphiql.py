"""GraphiQL served from this server's own copy of its npm packages: no CDN, no network."""

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/graphiql/assets"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"


def assets() -> StaticFiles:
    return StaticFiles(directory=NODE_MODULES, check_dir=False)


def page(request: Request, *, demo_token: str | None) -> HTMLResponse:
    headers = {"Authorization": f"Bearer {demo_token}"} if demo_token else {}
    return HTMLResponse(f"<!doctype html><title>Leadbridge GraphiQL</title><script>const headers = {json.dumps(headers)};</script>")
