"""/docs and /redoc served from this process: no CDN, and a CSP that lets nothing else run.

FastAPI's own pages load Swagger UI and ReDoc from a CDN: blank offline, and a third-party
script on the API's origin, where Swagger UI keeps bearer tokens in localStorage. Here the
assets come from the installed `fastapi-offline` package (Swagger UI 5 and ReDoc 2 bundles),
mounted as static files, as FastAPI's "self-hosting JavaScript and CSS for docs" describes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL, REDOC_URL, OAUTH2_REDIRECT_URL = "/docs", "/redoc", "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
ASSETS_DIRECTORY = str(files("fastapi_offline") / "static")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _script_hashes(html: str) -> str:
    """CSP sources for the page's inline scripts (Swagger UI's start-up), by their SHA-256."""
    digests = (
        base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in INLINE_SCRIPT.findall(html)
    )
    return " ".join(f"'sha256-{digest}'" for digest in digests)


def _with_policy(page: HTMLResponse, *, styles: str = "'self'") -> HTMLResponse:
    """Only this origin's assets, the page's own inline scripts, and calls back to the API."""
    html = bytes(page.body).decode()
    policy = (
        "default-src 'none'; "
        f"script-src 'self' {_script_hashes(html)}; "
        f"style-src {styles}; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "worker-src blob:; "
        "base-uri 'none'; "
        "form-action 'none'; "
        "frame-ancestors 'none'"
    )
    page.headers["content-security-policy"] = policy
    return page


def install_docs(app: FastAPI, *, openapi_url: str, swagger_ui_parameters: dict[str, Any]) -> None:
    """Swagger UI at /docs, ReDoc at /redoc, their assets under /docs/assets."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIRECTORY), name="docs-assets")
    # No badge from the online validator: the page talks to this origin only.
    parameters = swagger_ui_parameters | {"validatorUrl": None}

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=parameters,
        )
        return _with_policy(page)

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        # ReDoc styles its components with <style> elements it writes at run time.
        return _with_policy(page, styles="'self' 'unsafe-inline'")
