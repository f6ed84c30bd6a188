"""A body that is not JSON: broken JSON is a 422, another media type a 415; neither changes
anything, and both are problem+json like every other error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import API, PROBLEM_JSON, Account, create_habit

BROKEN_JSON = [
    b'{"name": "Read",',
    b"{'name': 'Read'}",
    b'{"name": "Read"} trailing',
    b"\xff\xfe\x00",  # not UTF-8 (nor the UTF-16 its first bytes announce)
    b'{"name": "R\xe9ad"}',  # Latin-1
]
NOT_JSON_MEDIA = [
    ({"content-type": "text/plain"}, b'{"name": "Read", "status": "done"}'),
    ({"content-type": "application/x-www-form-urlencoded"}, b"name=Read&status=done"),
    ({"content-type": "multipart/form-data; boundary=x"}, b"--x--\r\n"),
    ({"content-type": "application/xml"}, b"<habit><name>Read</name></habit>"),
    ({}, b'{"name": "Read", "status": "done"}'),  # no Content-Type at all
]


async def habit_names(client: httpx.AsyncClient, owner: Account) -> list[str]:
    response = await client.get(f"{API}/habits", headers=owner.auth)
    assert response.status_code == 200, response.text
    return [habit["name"] for habit in response.json()["items"]]


async def checkins(client: httpx.AsyncClient, owner: Account, habit: dict[str, Any]) -> list[Any]:
    response = await client.get(f"{API}/habits/{habit['id']}/checkins", headers=owner.auth)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()
    return items


def assert_not_json(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "errors"}
    assert (problem["title"], problem["status"]) == ("Validation failed", 422)
    assert problem["detail"].startswith("The request body is not valid JSON")
    assert [error["loc"] for error in problem["errors"]] == [["body"]]


def assert_unsupported(response: httpx.Response) -> None:
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem == {
        "type": "about:blank",
        "title": "Unsupported media type",
        "status": 415,
        "detail": problem["detail"],
    }
    assert "application/json" in problem["detail"]


@pytest.mark.parametrize("body", BROKEN_JSON)
async def test_a_habit_in_broken_json_is_a_422_that_says_so(client, accounts, body):
    alice = await accounts.create()

    response = await client.post(
        f"{API}/habits",
        content=body,
        headers=alice.auth | {"content-type": "application/json"},
    )

    assert_not_json(response)
    assert await habit_names(client, alice) == []


@pytest.mark.parametrize("body", BROKEN_JSON)
async def test_a_check_in_in_broken_json_is_a_422_that_says_so(client, accounts, body):
    alice = await accounts.create()
    habit = await create_habit(client, alice)

    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/today",
        content=body,
        headers=alice.auth | {"content-type": "application/json"},
    )

    assert_not_json(response)
    assert await checkins(client, alice, habit) == []


async def test_the_422_for_broken_json_says_where_it_broke(client, accounts):
    alice = await accounts.create()

    response = await client.post(
        f"{API}/habits",
        content=b'{"name": "Read",',
        headers=alice.auth | {"content-type": "application/json"},
    )

    assert response.json()["detail"] == (
        "The request body is not valid JSON: "
        "Expecting property name enclosed in double quotes at character 16."
    )


@pytest.mark.parametrize(("headers", "body"), NOT_JSON_MEDIA)
async def test_a_habit_sent_as_another_media_type_is_a_415(client, accounts, headers, body):
    alice = await accounts.create()

    response = await client.post(f"{API}/habits", content=body, headers=alice.auth | headers)

    assert_unsupported(response)
    assert await habit_names(client, alice) == []


@pytest.mark.parametrize(("headers", "body"), NOT_JSON_MEDIA)
async def test_a_check_in_sent_as_another_media_type_is_a_415(client, accounts, headers, body):
    alice = await accounts.create()
    habit = await create_habit(client, alice)

    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/today",
        content=body,
        headers=alice.auth | headers,
    )

    assert_unsupported(response)
    assert await checkins(client, alice, habit) == []


async def test_the_415_names_the_media_type_that_was_sent(client, accounts):
    alice = await accounts.create()

    response = await client.post(
        f"{API}/habits",
        content=b"Read",
        headers=alice.auth | {"content-type": "text/plain; charset=utf-8"},
    )

    assert response.json()["detail"] == (
        "The request body is text/plain; send it as application/json."
    )


async def test_json_with_a_charset_or_a_json_suffix_is_read(client, accounts):
    alice = await accounts.create()

    for name, content_type in [
        ("Read", "application/json; charset=utf-8"),
        ("Walk", "application/merge-patch+json"),
    ]:
        response = await client.post(
            f"{API}/habits",
            content=b'{"name": "%s", "frequency": "daily"}' % name.encode(),
            headers=alice.auth | {"content-type": content_type},
        )
        assert response.status_code == 201, response.text

    assert await habit_names(client, alice) == ["Read", "Walk"]


async def test_a_415_still_needs_credentials(client, accounts):
    response = await client.post(
        f"{API}/habits", content=b"Read", headers={"content-type": "text/plain"}
    )

    assert response.status_code == 401


async def test_the_schema_lists_the_415_where_a_json_body_is_read(client):
    paths = (await client.get("/openapi.json")).json()["paths"]

    for method, path in [
        ("post", f"{API}/habits"),
        ("put", f"{API}/habits/{{habit_id}}/checkins/{{date}}"),
        ("patch", f"{API}/users/me"),
    ]:
        responses = paths[path][method]["responses"]
        assert "415" in responses, (method, path)
        assert "application/problem+json" in responses["415"]["content"]
    assert "415" not in paths[f"{API}/habits"]["get"]["responses"]
    assert "415" not in paths[f"{API}/auth/token"]["post"]["responses"]  # a form
