"""/docs and /redoc load nothing from elsewhere, and their CSP lets only their own assets run."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

PAGES = ["/docs", "/redoc", "/docs/oauth2-redirect"]
ASSETS = {
    "/docs/assets/swagger-ui-bundle.js": "javascript",
    "/docs/assets/swagger-ui.css": "text/css",
    "/docs/assets/redoc.standalone.js": "javascript",
    "/docs/assets/favicon.png": "image/png",
}
# Where an HTML page can name something for the browser to fetch or run.
REFERENCES = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url:\s*'([^']+)'""")


def policy(header: str) -> dict[str, list[str]]:
    directives = (directive.split() for directive in header.split(";") if directive.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("page", PAGES)
async def test_a_docs_page_names_no_other_origin(client, page):
    response = await client.get(page)

    assert response.status_code == 200
    assert "//" not in " ".join(sum(REFERENCES.findall(response.text), ()))
    assert "cdn" not in response.text.lower()
    assert "https://" not in response.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_every_asset_a_docs_page_names_is_served_here(client, page):
    html = (await client.get(page)).text
    named = [ref for pair in REFERENCES.findall(html) for ref in pair if ref]

    assert named
    for reference in named:
        assert (await client.get(reference)).status_code == 200, reference


@pytest.mark.parametrize(("path", "media_type"), ASSETS.items())
async def test_the_docs_assets_are_served_with_their_media_type(client, path, media_type):
    response = await client.get(path)

    assert response.status_code == 200
    assert media_type in response.headers["content-type"]
    assert len(response.content) > 1000


async def test_swagger_ui_is_version_5_which_reads_openapi_3_1(client):
    bundle = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")

    assert re.search(r'"5\.\d+\.\d+"', bundle)


@pytest.mark.parametrize("page", PAGES)
async def test_a_docs_page_allows_only_this_origin(client, page):
    response = await client.get(page)

    rules = policy(response.headers["content-security-policy"])
    assert rules["default-src"] == ["'none'"]
    assert rules["frame-ancestors"] == ["'none'"]
    assert rules["connect-src"] == ["'self'"]
    for directive, sources in rules.items():
        assert not any("://" in source or source == "*" for source in sources), directive
    assert "'unsafe-inline'" not in rules["script-src"]
    assert "'unsafe-eval'" not in rules["script-src"]


@pytest.mark.parametrize("page", PAGES)
async def test_each_inline_script_is_allowed_by_its_hash_and_nothing_else_is(client, page):
    response = await client.get(page)
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in scripts
    }

    sources = policy(response.headers["content-security-policy"])["script-src"]

    assert set(sources) == {"'self'"} | hashes


async def test_swagger_ui_asks_no_online_validator(client):
    html = (await client.get("/docs")).text

    assert '"validatorUrl": null' in html


async def test_the_api_keeps_its_own_policy(client):
    response = await client.get("/livez")

    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


async def test_behind_a_path_prefix_the_pages_name_their_assets_under_it(app):
    transport = httpx.ASGITransport(app=app, root_path="/habitual")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/habitual/docs")
        asset = await http.get("/habitual/docs/assets/swagger-ui.css")

    assert 'src="/habitual/docs/assets/swagger-ui-bundle.js"' in response.text
    assert "url: '/habitual/openapi.json'" in response.text
    assert asset.status_code == 200


async def test_turned_off_docs_serve_no_assets(app_factory):
    async with app_factory(docs_enabled=False) as no_docs:
        response = await no_docs.get("/docs/assets/swagger-ui-bundle.js")

    assert response.status_code == 404
