from __future__ import annotations

import pytest

from tests.factories import API, PASSWORD, PROBLEM_JSON, USER_FIELDS


def registration(username: str = "alice", **changes):
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    return body | changes


async def test_registering_answers_201_with_exactly_the_documented_keys(client):
    response = await client.post(f"{API}/auth/register", json=registration())
    assert response.status_code == 201
    assert set(response.json()) == USER_FIELDS


async def test_a_registered_account_has_the_user_role(client):
    response = await client.post(f"{API}/auth/register", json=registration())
    body = response.json()
    assert body["role"] == "user"
    assert body["is_active"] is True
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.com"


async def test_a_username_taken_in_another_case_is_a_409_problem(client):
    await client.post(f"{API}/auth/register", json=registration("alice"))
    response = await client.post(
        f"{API}/auth/register", json=registration("ALICE", email="other@example.com")
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 409


async def test_an_email_taken_in_another_case_is_a_409_problem(client):
    await client.post(f"{API}/auth/register", json=registration("alice"))
    response = await client.post(
        f"{API}/auth/register", json=registration("bob", email="Alice@EXAMPLE.com")
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("length", [7, 129])
async def test_a_password_outside_8_to_128_characters_is_refused(client, length):
    response = await client.post(f"{API}/auth/register", json=registration(password="p" * length))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert ["body", "password"] in [issue["loc"] for issue in response.json()["errors"]]


@pytest.mark.parametrize("length", [8, 128])
async def test_a_password_of_8_or_128_characters_is_accepted(client, length):
    response = await client.post(f"{API}/auth/register", json=registration(password="p" * length))
    assert response.status_code == 201


@pytest.mark.parametrize("username", ["ab", "has space", "semi;colon", "_leading", "x" * 33])
async def test_a_badly_formed_username_is_refused(client, username):
    body = registration(username, email="someone@example.com")
    response = await client.post(f"{API}/auth/register", json=body)
    assert response.status_code == 422
    assert ["body", "username"] in [issue["loc"] for issue in response.json()["errors"]]


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.com", "@example.com"])
async def test_an_invalid_email_is_refused(client, email):
    response = await client.post(f"{API}/auth/register", json=registration(email=email))
    assert response.status_code == 422
    assert ["body", "email"] in [issue["loc"] for issue in response.json()["errors"]]


async def test_an_unknown_timezone_is_refused(client):
    response = await client.post(f"{API}/auth/register", json=registration(timezone="Mars/Olympus"))
    assert response.status_code == 422
    assert ["body", "timezone"] in [issue["loc"] for issue in response.json()["errors"]]


async def test_any_iana_timezone_is_accepted(client):
    response = await client.post(
        f"{API}/auth/register", json=registration(timezone="Pacific/Kiritimati")
    )
    assert response.status_code == 201
    assert response.json()["timezone"] == "Pacific/Kiritimati"


async def test_the_timezone_defaults_to_utc(client):
    response = await client.post(f"{API}/auth/register", json=registration())
    assert response.json()["timezone"] == "UTC"


async def test_registration_is_403_when_closed(app_factory):
    async with app_factory(registration_open=False) as closed:
        response = await closed.post(f"{API}/auth/register", json=registration())
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_instants_are_written_in_utc_with_a_z(client):
    body = (await client.post(f"{API}/auth/register", json=registration())).json()
    assert body["created_at"].endswith("Z")
    assert body["updated_at"].endswith("Z")
