"""GraphiQL served from this server's own copy of its npm packages: no CDN, no network."""

import json
import os
from collections.abc import Mapping
from functools import cache
from html import escape
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

ASSETS_PATH = "/graphiql/assets"
PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
NODE_MODULES = PROJECT_ROOT / "node_modules"
STATIC = PACKAGE_ROOT / "static"
TEMPLATE = PACKAGE_ROOT / "templates" / "graphiql.html"

ASSET_FILES: dict[str, Path] = {
    "react.production.min.js": NODE_MODULES / "react" / "umd" / "react.production.min.js",
    "react-dom.production.min.js": NODE_MODULES / "react-dom" / "umd" / "react-dom.production.min.js",
    "graphiql.min.js": NODE_MODULES / "graphiql" / "graphiql.min.js",
    "graphiql.min.css": NODE_MODULES / "graphiql" / "graphiql.min.css",
    "leadbridge-graphiql.js": STATIC / "graphiql.js",
    "leadbridge-graphiql.css": STATIC / "graphiql.css",
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

UNAVAILABLE = Template(
    '<!doctype html>\n<html lang="en"><meta charset="utf-8"><title>GraphiQL is not installed</title>\n'
    "<h1>GraphiQL is not installed</h1>\n"
    "<p>This server serves GraphiQL from its own copy of the npm packages, and these files are missing:</p>\n"
    "<ul>$missing</ul>\n"
    "<p>Run <code>scripts/setup</code> in the Leadbridge checkout, then reload this page.</p>\n"
    "<p>The API itself works: POST queries to this URL with an <code>Authorization: Bearer</code> header.</p>\n"
)


class Assets(StaticFiles):
    """Serves the allow-listed files by name, and nothing else."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        super().__init__(check_dir=False)
        self.files = files

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        file = self.files.get(path)
        if file is None:
            return "", None
        try:
            return str(file), os.stat(file)
        except (FileNotFoundError, NotADirectoryError):
            return "", None

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def assets() -> Assets:
    return Assets(ASSET_FILES)


@cache
def template() -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))


def script_json(value: object) -> str:
    """JSON that cannot end the <script> element it sits in."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(request: Request, *, demo_token: str | None) -> HTMLResponse:
    missing = [name for name, file in ASSET_FILES.items() if not file.is_file()]
    if missing:
        items = "".join(f"<li><code>{escape(str(ASSET_FILES[name]))}</code></li>" for name in missing)
        return HTMLResponse(UNAVAILABLE.substitute(missing=items), status_code=503, headers=PAGE_HEADERS)
    assets_url = request.scope.get("root_path", "").rstrip("/") + ASSETS_PATH
    config = {
        "url": request.url.path,
        "headers": json.dumps({"Authorization": f"Bearer {demo_token}"}, indent=2) if demo_token else None,
    }
    html = template().substitute(
        assets=escape(assets_url),
        config=script_json(config),
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)
