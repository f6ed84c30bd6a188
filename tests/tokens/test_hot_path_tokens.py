"""Who may call the hot paths (today, check-ins, stats), which authenticate on the driver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from habitual.models import PersonalAccessToken
from tests.factories import API, CHECKIN_FIELDS, PROBLEM_JSON, Account, Accounts, create_habit

TODAY_URL = f"{API}/today"
TOKENS = f"{API}/users/me/tokens"
TODAY_KEYS = {"date", "timezone", "week_start", "day_start", "habits"}
NOT_AUTHENTICATED = {
    "type": "about:blank",
    "title": "Not authenticated",
    "status": 401,
    "detail": "Invalid or expired token.",
}
USED_AT = datetime(2026, 6, 18, 12, 0, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def checkin_url(habit: dict[str, Any], day: str = "today") -> str:
    return f"{API}/habits/{habit['id']}/checkins/{day}"


def assert_not_authenticated(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == NOT_AUTHENTICATED


async def todays_status(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    """Today's check-in status of each habit, as the given login sees it."""
    response = await client.get(TODAY_URL, headers=headers)
    assert response.status_code == 200, response.text
    return [habit["status"] for habit in response.json()["habits"]]


async def last_used_at(client: httpx.AsyncClient, owner: Account) -> str | None:
    response = await client.get(TOKENS, headers=owner.auth)
    assert response.status_code == 200, response.text
    [token] = response.json()
    used: str | None = token["last_used_at"]
    return used


async def test_a_read_only_token_reads_today(client, accounts: Accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Walk")
    secret = await accounts.personal_token(alice, "habits:read")

    response = await client.get(TODAY_URL, headers=bearer(secret))

    assert response.status_code == 200, response.text
    assert set(response.json()) == TODAY_KEYS
    assert [listed["id"] for listed in response.json()["habits"]] == [habit["id"]]


async def test_a_read_only_token_reads_a_habits_stats(client, accounts: Accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Walk")
    secret = await accounts.personal_token(alice, "habits:read")

    response = await client.get(f"{API}/habits/{habit['id']}/stats", headers=bearer(secret))

    assert response.status_code == 200, response.text
    assert response.json()["habit_id"] == habit["id"]


async def test_a_read_only_token_cannot_check_in(client, accounts: Accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Walk")
    secret = await accounts.personal_token(alice, "habits:read")

    response = await client.put(checkin_url(habit), json={"status": "done"}, headers=bearer(secret))

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "This token lacks the 'checkins:write' scope.",
    }
    assert await todays_status(client, alice.auth) == [None]


async def test_a_token_with_checkins_write_checks_in(client, accounts: Accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Walk")
    secret = await accounts.personal_token(alice, "checkins:write")

    response = await client.put(checkin_url(habit), json={"status": "done"}, headers=bearer(secret))

    assert response.status_code == 201, response.text
    assert set(response.json()) == CHECKIN_FIELDS
    assert (response.json()["status"], response.json()["met"]) == ("done", True)
    assert await todays_status(client, alice.auth) == ["done"]


async def test_a_token_cannot_check_in_on_another_users_habit(client, accounts: Accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    habit = await create_habit(client, alice, name="Walk")
    secret = await accounts.personal_token(bob, "checkins:write")

    response = await client.put(checkin_url(habit), json={"status": "done"}, headers=bearer(secret))

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert await todays_status(client, alice.auth) == [None]


async def test_an_expired_token_is_401_on_today(client, accounts: Accounts, runtime):
    alice = await accounts.create()
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    body = {"name": "x", "scopes": ["habits:read"], "expires_at": in_an_hour}
    secret = (await client.post(TOKENS, json=body, headers=alice.auth)).json()["token"]
    assert (await client.get(TODAY_URL, headers=bearer(secret))).status_code == 200
    async with runtime.database.writer() as session, session.begin():
        await session.execute(
            update(PersonalAccessToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    response = await client.get(TODAY_URL, headers=bearer(secret))

    assert_not_authenticated(response)


async def test_an_unknown_token_is_401_on_today(client):
    response = await client.get(TODAY_URL, headers=bearer("hab_pat_not-a-real-token"))

    assert_not_authenticated(response)


async def test_a_deactivated_users_token_is_401_on_today(client, accounts: Accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    assert (await client.get(TODAY_URL, headers=bearer(secret))).status_code == 200
    deactivated = await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
    )
    assert deactivated.status_code == 200, deactivated.text

    response = await client.get(TODAY_URL, headers=bearer(secret))

    assert_not_authenticated(response)


async def test_after_logout_the_access_token_is_401_on_today(client, accounts: Accounts):
    alice = await accounts.create()
    assert (await client.get(TODAY_URL, headers=alice.auth)).status_code == 200
    logout = await client.post(
        f"{API}/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.auth
    )
    assert logout.status_code == 204

    response = await client.get(TODAY_URL, headers=alice.auth)

    assert_not_authenticated(response)


async def test_after_logout_the_access_token_cannot_check_in(client, accounts: Accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Walk")
    logout = await client.post(
        f"{API}/auth/logout", json={"refresh_token": alice.refresh_token}, headers=alice.auth
    )
    assert logout.status_code == 204

    response = await client.put(checkin_url(habit), json={"status": "done"}, headers=alice.auth)

    assert_not_authenticated(response)
    other_login = await accounts.login(alice.username)
    assert await todays_status(client, bearer(other_login["access_token"])) == [None]


async def test_using_a_token_on_today_records_when_it_was_last_used(
    client, accounts: Accounts, frozen_clock
):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    assert await last_used_at(client, alice) is None
    frozen_clock(USED_AT)

    response = await client.get(TODAY_URL, headers=bearer(secret))

    assert response.status_code == 200, response.text
    assert await last_used_at(client, alice) == "2026-06-18T12:00:00Z"


async def test_a_token_used_again_within_a_minute_keeps_its_last_use(
    client, accounts: Accounts, frozen_clock
):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    frozen_clock(USED_AT)
    assert (await client.get(TODAY_URL, headers=bearer(secret))).status_code == 200
    frozen_clock(USED_AT + timedelta(seconds=59))

    response = await client.get(TODAY_URL, headers=bearer(secret))

    assert response.status_code == 200, response.text
    assert await last_used_at(client, alice) == "2026-06-18T12:00:00Z"


async def test_a_token_used_again_a_minute_later_records_the_new_use(
    client, accounts: Accounts, frozen_clock
):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    frozen_clock(USED_AT)
    assert (await client.get(TODAY_URL, headers=bearer(secret))).status_code == 200
    frozen_clock(USED_AT + timedelta(minutes=1))

    response = await client.get(TODAY_URL, headers=bearer(secret))

    assert response.status_code == 200, response.text
    assert await last_used_at(client, alice) == "2026-06-18T12:01:00Z"
