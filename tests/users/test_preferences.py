from __future__ import annotations

import pytest

from tests.factories import API, PROBLEM_JSON

ME = f"{API}/users/me"


async def test_the_timezone_can_be_changed(client, accounts):
    alice = await accounts.create()
    response = await client.patch(ME, json={"timezone": "Asia/Kolkata"}, headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Kolkata"


async def test_the_week_can_start_on_sunday(client, accounts):
    alice = await accounts.create()
    response = await client.patch(ME, json={"week_start": "sunday"}, headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["week_start"] == "sunday"


@pytest.mark.parametrize("week_start", ["sun", "Sun", "SUN", "Sunday"])
async def test_the_week_start_takes_a_three_letter_name_in_any_case(client, accounts, week_start):
    alice = await accounts.create()
    response = await client.patch(ME, json={"week_start": week_start}, headers=alice.auth)
    assert response.status_code == 200, response.text
    assert response.json()["week_start"] == "sunday"
    assert (await client.get(ME, headers=alice.auth)).json()["week_start"] == "sunday"


async def test_a_new_account_starts_its_week_on_monday_at_midnight(client, accounts):
    alice = await accounts.create()
    response = await client.get(ME, headers=alice.auth)
    assert response.json()["week_start"] == "monday"
    assert response.json()["day_start"] == 0


@pytest.mark.parametrize("hour", [0, 5, 23])
async def test_the_day_can_start_at_any_hour_from_0_to_23(client, accounts, hour):
    alice = await accounts.create()
    response = await client.patch(ME, json={"day_start": hour}, headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["day_start"] == hour


@pytest.mark.parametrize("hour", [-1, 24])
async def test_a_day_start_outside_0_to_23_is_refused(client, accounts, hour):
    alice = await accounts.create()
    response = await client.patch(ME, json={"day_start": hour}, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("week_start", ["funday", "su", "sund"])
async def test_an_unknown_week_start_is_refused(client, accounts, week_start):
    alice = await accounts.create()
    response = await client.patch(ME, json={"week_start": week_start}, headers=alice.auth)
    assert response.status_code == 422


async def test_an_unknown_timezone_is_refused(client, accounts):
    alice = await accounts.create()
    response = await client.patch(ME, json={"timezone": "Mars/Olympus"}, headers=alice.auth)
    assert response.status_code == 422
    assert ["body", "timezone"] in [issue["loc"] for issue in response.json()["errors"]]


async def test_an_explicit_null_timezone_is_refused(client, accounts):
    alice = await accounts.create()
    response = await client.patch(ME, json={"timezone": None}, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_changing_the_email_without_the_current_password_is_refused(client, accounts):
    alice = await accounts.create()
    response = await client.patch(ME, json={"email": "new@example.com"}, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_changing_the_email_with_a_wrong_password_is_forbidden(client, accounts):
    alice = await accounts.create()
    body = {"email": "new@example.com", "current_password": "not the password"}
    response = await client.patch(ME, json=body, headers=alice.auth)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_changing_the_email_with_the_password_lets_you_log_in_by_it(client, accounts):
    alice = await accounts.create()
    body = {"email": "New.Alice@example.com", "current_password": alice.password}
    response = await client.patch(ME, json=body, headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["email"] == "New.Alice@example.com"
    login = await client.post(
        f"{API}/auth/login", json={"email": "new.alice@example.com", "password": alice.password}
    )
    assert login.status_code == 200


async def test_the_old_email_no_longer_logs_in_after_a_change(client, accounts):
    alice = await accounts.create()
    body = {"email": "new.alice@example.com", "current_password": alice.password}
    await client.patch(ME, json=body, headers=alice.auth)
    login = await client.post(
        f"{API}/auth/login", json={"email": alice.email, "password": alice.password}
    )
    assert login.status_code == 401


async def test_an_email_of_another_account_in_another_case_is_a_409(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    body = {"email": bob.email.upper(), "current_password": alice.password}
    response = await client.patch(ME, json=body, headers=alice.auth)
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_current_password_without_a_new_email_is_refused(client, accounts):
    alice = await accounts.create()
    body = {"timezone": "Europe/Berlin", "current_password": alice.password}
    response = await client.patch(ME, json=body, headers=alice.auth)
    assert response.status_code == 422


async def test_a_failed_change_changes_nothing(client, accounts):
    alice = await accounts.create()
    body = {
        "timezone": "Europe/Berlin",
        "week_start": "sunday",
        "day_start": 4,
        "email": "new@example.com",
        "current_password": "not the password",
    }
    response = await client.patch(ME, json=body, headers=alice.auth)
    assert response.status_code == 403
    after = (await client.get(ME, headers=alice.auth)).json()
    assert after == alice.data


async def test_a_refused_conflicting_email_keeps_the_other_changes_out(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    body = {"timezone": "Europe/Berlin", "email": bob.email, "current_password": alice.password}
    response = await client.patch(ME, json=body, headers=alice.auth)
    assert response.status_code == 409
    after = (await client.get(ME, headers=alice.auth)).json()
    assert after == alice.data


async def test_preferences_need_a_login(client):
    response = await client.patch(ME, json={"timezone": "Europe/Berlin"})
    assert response.status_code == 401
