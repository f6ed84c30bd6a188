from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from habitual.app import create_app
from tests.factories import API, PROBLEM_JSON

ONE_MIB = 1_048_576
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def oversized_json() -> bytes:
    return b'{"username": "' + b"a" * ONE_MIB + b'"}'


async def test_api_responses_carry_the_security_headers(client, accounts):
    alice = await accounts.create()
    response = await client.get(f"{API}/users/me", headers=alice.auth)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_error_responses_carry_the_security_headers_too(client):
    response = await client.get(f"{API}/users/me")
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers


async def test_a_json_body_over_1_mib_is_a_413_problem(client):
    response = await client.post(
        f"{API}/auth/register",
        content=oversized_json(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Payload too large"
    assert response.json()["status"] == 413


async def test_a_streamed_json_body_over_1_mib_is_a_413_problem(client):
    async def chunks() -> AsyncIterator[bytes]:
        body = oversized_json()
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = await client.post(
        f"{API}/auth/register",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Payload too large"


async def test_a_json_body_just_under_the_limit_is_read(client):
    padding = b" " * (ONE_MIB - 100)
    response = await client.post(
        f"{API}/auth/register",
        content=b'{"username": "ab"}' + padding,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


async def test_an_unknown_route_is_a_404_problem(client):
    response = await client.get(f"{API}/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 404


async def test_malformed_json_is_a_422_problem(client):
    response = await client.post(
        f"{API}/auth/register",
        content=b'{"username": "alice",',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"]


def preflight_headers() -> dict[str, str]:
    return {
        "Origin": "http://example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type",
    }


async def test_cross_origin_requests_are_not_allowed_by_default(client):
    response = await client.options(f"{API}/auth/login", headers=preflight_headers())
    assert "access-control-allow-origin" not in response.headers


async def test_a_configured_origin_passes_the_preflight(app_factory):
    async with app_factory(cors_origins=["http://example.com"]) as cors:
        response = await cors.options(f"{API}/auth/login", headers=preflight_headers())
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://example.com"


async def test_an_unconfigured_origin_fails_the_preflight(app_factory):
    async with app_factory(cors_origins=["http://example.com"]) as cors:
        response = await cors.options(
            f"{API}/auth/login", headers=preflight_headers() | {"Origin": "http://evil.test"}
        )
    assert "access-control-allow-origin" not in response.headers


async def test_the_docs_are_served_by_default(client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status_code == 200, path


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_the_docs_can_be_turned_off(app_factory, path):
    async with app_factory(docs_enabled=False) as no_docs:
        response = await no_docs.get(path)
    assert response.status_code == 404


async def test_every_api_operation_is_documented_with_its_errors(client):
    schema = (await client.get("/openapi.json")).json()
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        if path.startswith(API)
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert operations
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert any(status.startswith("4") for status in operation["responses"]), where


async def test_an_unexpected_error_is_a_500_problem_without_a_traceback(settings):
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals at /srv/habitual")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/boom")
    finally:
        await app.state.runtime.database.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal error",
        "status": 500,
        "detail": "An unexpected error occurred.",
    }
    assert "Traceback" not in response.text
    assert "secret internals" not in response.text
