"""/reminders: your own habits only, and always knowing, in your time zone, when they fire next."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import API, PROBLEM_JSON, create_habit

REMINDERS = f"{API}/reminders"
REMINDER_FIELDS = {
    "id",
    "habit_id",
    "time",
    "days",
    "message",
    "channels",
    "active",
    "next_fire_at",
    "last_fired_at",
    "created_at",
    "updated_at",
}
EVERY_DAY = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Monday 2026-06-15 at 12:00Z: 08:00 in New York, 14:00 in Berlin.
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def at_local(zone: str, day: date, hour: int, minute: int) -> datetime:
    """The UTC instant of a wall time that exists once (no DST change near `day`)."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)


def expected_next(zone: str, now: datetime, hour: int, minute: int) -> datetime:
    """Today at hour:minute in `zone` if that is still ahead, else tomorrow."""
    today = now.astimezone(ZoneInfo(zone)).date()
    today_at = at_local(zone, today, hour, minute)
    return today_at if today_at > now else at_local(zone, today + timedelta(days=1), hour, minute)


def instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def create_reminder(client, owner, habit: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"habit_id": habit["id"], "time": "07:30"} | fields
    response = await client.post(REMINDERS, json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    reminder: dict[str, Any] = response.json()
    return reminder


async def get_reminder(client, owner, reminder: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{REMINDERS}/{reminder['id']}", headers=owner.auth)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.fixture
async def new_yorker(accounts):
    return await accounts.create(timezone="America/New_York")


async def test_create_answers_the_whole_reminder_with_its_defaults(
    client, new_yorker, frozen_clock
):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)

    response = await client.post(
        REMINDERS, json={"habit_id": habit["id"], "time": "07:30"}, headers=new_yorker.auth
    )

    assert response.status_code == 201, response.text
    reminder = response.json()
    assert set(reminder) == REMINDER_FIELDS
    assert reminder["habit_id"] == habit["id"]
    assert reminder["time"] == "07:30"
    assert reminder["days"] == EVERY_DAY
    assert reminder["message"] is None
    assert reminder["channels"] == ["inapp"]
    assert reminder["active"] is True
    # 08:00 in New York already passed 07:30: tomorrow, 07:30 EDT.
    assert instant(reminder["next_fire_at"]) == utc("2026-06-16T11:30:00")
    assert reminder["last_fired_at"] is None
    assert instant(reminder["created_at"]) is not None
    assert instant(reminder["updated_at"]) is not None


async def test_create_keeps_what_was_given(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)

    reminder = await create_reminder(
        client,
        new_yorker,
        habit,
        time="21:05",
        days=["sunday", "wednesday"],
        message="Stretch!",
        channels=["email", "inapp"],
        active=True,
    )

    assert reminder["time"] == "21:05"
    assert reminder["days"] == ["wednesday", "sunday"]
    assert reminder["message"] == "Stretch!"
    assert sorted(reminder["channels"]) == ["email", "inapp"]
    assert instant(reminder["next_fire_at"]) == at_local(
        "America/New_York", date(2026, 6, 17), 21, 5
    )
    assert await get_reminder(client, new_yorker, reminder) == reminder


async def test_create_takes_short_day_names_and_an_hour_of_one_digit(
    client, new_yorker, frozen_clock
):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)

    reminder = await create_reminder(client, new_yorker, habit, time="9:05", days=["WED", "Sun"])

    assert reminder["time"] == "09:05"
    assert reminder["days"] == ["wednesday", "sunday"]
    assert instant(reminder["next_fire_at"]) == at_local(
        "America/New_York", date(2026, 6, 17), 9, 5
    )


async def test_a_change_takes_short_day_names_and_an_hour_of_one_digit(
    client, new_yorker, frozen_clock
):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    reminder = await create_reminder(client, new_yorker, habit)

    response = await client.patch(
        f"{REMINDERS}/{reminder['id']}",
        json={"time": "6:45", "days": ["tue", "thu"]},
        headers=new_yorker.auth,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["time"], response.json()["days"]) == ("06:45", ["tuesday", "thursday"])


async def test_a_time_still_ahead_today_fires_today(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)

    reminder = await create_reminder(client, new_yorker, habit, time="09:00")

    assert instant(reminder["next_fire_at"]) == utc("2026-06-15T13:00:00")


@pytest.mark.parametrize(
    "zone",
    [
        "UTC",
        "Europe/Berlin",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Australia/Adelaide",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "America/St_Johns",
    ],
)
@pytest.mark.parametrize(("hour", "minute"), [(0, 0), (7, 30), (12, 0), (23, 59)])
async def test_next_fire_at_is_the_wall_time_in_the_users_zone(
    client, accounts, frozen_clock, zone, hour, minute
):
    owner = await accounts.create(timezone=zone)
    frozen_clock(NOW)
    habit = await create_habit(client, owner)

    reminder = await create_reminder(client, owner, habit, time=f"{hour:02d}:{minute:02d}")

    assert instant(reminder["next_fire_at"]) == expected_next(zone, NOW, hour, minute)


async def test_only_the_chosen_weekdays_fire(client, new_yorker, frozen_clock):
    frozen_clock(NOW)  # a Monday
    habit = await create_habit(client, new_yorker)

    monday = await create_reminder(client, new_yorker, habit, days=["monday"])
    friday = await create_reminder(client, new_yorker, habit, days=["friday"])

    assert instant(monday["next_fire_at"]) == at_local("America/New_York", date(2026, 6, 22), 7, 30)
    assert instant(friday["next_fire_at"]) == at_local("America/New_York", date(2026, 6, 19), 7, 30)


async def test_an_inactive_reminder_has_no_next_firing(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)

    reminder = await create_reminder(client, new_yorker, habit, active=False)

    assert reminder["active"] is False
    assert reminder["next_fire_at"] is None


# --- listing ----------------------------------------------------------------------------------


async def test_list_is_paginated_and_sorted(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    late = await create_reminder(client, new_yorker, habit, time="22:00")
    early = await create_reminder(client, new_yorker, habit, time="06:00")
    middle = await create_reminder(client, new_yorker, habit, time="09:00")

    response = await client.get(REMINDERS, headers=new_yorker.auth)

    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"items", "total", "page", "page_size"}
    assert (page["total"], page["page"], page["page_size"]) == (3, 1, 20)
    assert [item["id"] for item in page["items"]] == [late["id"], early["id"], middle["id"]]
    assert all(set(item) == REMINDER_FIELDS for item in page["items"])

    by_time = (await client.get(REMINDERS, params={"sort": "time"}, headers=new_yorker.auth)).json()
    assert [item["id"] for item in by_time["items"]] == [early["id"], middle["id"], late["id"]]

    reverse = (
        await client.get(REMINDERS, params={"sort": "-time"}, headers=new_yorker.auth)
    ).json()
    assert [item["id"] for item in reverse["items"]] == [late["id"], middle["id"], early["id"]]

    # 08:00 now: 09:00 today, then 22:00 today, then 06:00 tomorrow.
    by_next = (
        await client.get(REMINDERS, params={"sort": "next_fire_at"}, headers=new_yorker.auth)
    ).json()
    assert [item["id"] for item in by_next["items"]] == [middle["id"], late["id"], early["id"]]

    second = (
        await client.get(
            REMINDERS, params={"sort": "time", "page": 2, "page_size": 2}, headers=new_yorker.auth
        )
    ).json()
    assert (second["total"], second["page"], second["page_size"]) == (3, 2, 2)
    assert [item["id"] for item in second["items"]] == [late["id"]]


async def test_list_refuses_an_unknown_sort(client, new_yorker):
    response = await client.get(REMINDERS, params={"sort": "message"}, headers=new_yorker.auth)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_list_shows_only_your_own_reminders(client, accounts, new_yorker):
    other = await accounts.create()
    await create_reminder(client, other, await create_habit(client, other))
    mine = await create_reminder(client, new_yorker, await create_habit(client, new_yorker))

    page = (await client.get(REMINDERS, headers=new_yorker.auth)).json()

    assert page["total"] == 1
    assert [item["id"] for item in page["items"]] == [mine["id"]]


async def test_reminders_need_a_login(client):
    assert (await client.get(REMINDERS)).status_code == 401
    assert (await client.post(REMINDERS, json={"habit_id": 1, "time": "07:30"})).status_code == 401


# --- changing and deleting --------------------------------------------------------------------


async def test_changing_the_time_recomputes_the_next_firing(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    reminder = await create_reminder(client, new_yorker, habit, time="07:30")

    response = await client.patch(
        f"{REMINDERS}/{reminder['id']}", json={"time": "18:45"}, headers=new_yorker.auth
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert set(changed) == REMINDER_FIELDS
    assert changed["time"] == "18:45"
    assert instant(changed["next_fire_at"]) == at_local(
        "America/New_York", date(2026, 6, 15), 18, 45
    )
    assert await get_reminder(client, new_yorker, reminder) == changed


async def test_changing_the_days_recomputes_the_next_firing(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    reminder = await create_reminder(client, new_yorker, habit, time="09:00")

    response = await client.patch(
        f"{REMINDERS}/{reminder['id']}", json={"days": ["thursday"]}, headers=new_yorker.auth
    )

    assert response.status_code == 200, response.text
    assert response.json()["days"] == ["thursday"]
    assert instant(response.json()["next_fire_at"]) == at_local(
        "America/New_York", date(2026, 6, 18), 9, 0
    )


async def test_deactivating_clears_the_next_firing_and_reactivating_restores_it(
    client, new_yorker, frozen_clock
):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    reminder = await create_reminder(client, new_yorker, habit, time="09:00")
    url = f"{REMINDERS}/{reminder['id']}"

    paused = await client.patch(url, json={"active": False}, headers=new_yorker.auth)
    assert paused.status_code == 200, paused.text
    assert (paused.json()["active"], paused.json()["next_fire_at"]) == (False, None)

    # Changing the time of a paused reminder keeps it paused.
    moved = await client.patch(url, json={"time": "10:00"}, headers=new_yorker.auth)
    assert (moved.json()["active"], moved.json()["next_fire_at"]) == (False, None)

    resumed = await client.patch(url, json={"active": True}, headers=new_yorker.auth)
    assert resumed.status_code == 200, resumed.text
    assert instant(resumed.json()["next_fire_at"]) == utc("2026-06-15T14:00:00")


async def test_patch_changes_only_what_is_given(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    reminder = await create_reminder(
        client, new_yorker, habit, message="Go", days=["monday", "friday"], channels=["email"]
    )
    url = f"{REMINDERS}/{reminder['id']}"

    changed = (await client.patch(url, json={"message": None}, headers=new_yorker.auth)).json()

    assert changed["message"] is None
    assert changed["days"] == ["monday", "friday"]
    assert changed["channels"] == ["email"]
    assert changed["time"] == "07:30"
    assert changed["next_fire_at"] == reminder["next_fire_at"]


async def test_moving_a_reminder_to_another_of_your_habits(client, new_yorker):
    first = await create_habit(client, new_yorker)
    second = await create_habit(client, new_yorker)
    reminder = await create_reminder(client, new_yorker, first)

    response = await client.patch(
        f"{REMINDERS}/{reminder['id']}", json={"habit_id": second["id"]}, headers=new_yorker.auth
    )

    assert response.status_code == 200, response.text
    assert response.json()["habit_id"] == second["id"]


async def test_delete_then_it_is_gone(client, new_yorker):
    reminder = await create_reminder(client, new_yorker, await create_habit(client, new_yorker))
    url = f"{REMINDERS}/{reminder['id']}"

    deleted = await client.delete(url, headers=new_yorker.auth)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(url, headers=new_yorker.auth)).status_code == 404
    assert (await client.delete(url, headers=new_yorker.auth)).status_code == 404
    assert (await client.get(REMINDERS, headers=new_yorker.auth)).json()["total"] == 0


async def test_deleting_the_habit_deletes_its_reminders(client, new_yorker):
    habit = await create_habit(client, new_yorker)
    kept_habit = await create_habit(client, new_yorker)
    doomed = [await create_reminder(client, new_yorker, habit) for _ in range(2)]
    kept = await create_reminder(client, new_yorker, kept_habit)

    response = await client.delete(f"{API}/habits/{habit['id']}", headers=new_yorker.auth)

    assert response.status_code == 204
    for reminder in doomed:
        gone = await client.get(f"{REMINDERS}/{reminder['id']}", headers=new_yorker.auth)
        assert gone.status_code == 404
    page = (await client.get(REMINDERS, headers=new_yorker.auth)).json()
    assert [item["id"] for item in page["items"]] == [kept["id"]]


# --- other people's things --------------------------------------------------------------------


async def test_a_reminder_for_another_users_habit_is_not_found(client, accounts, new_yorker):
    other = await accounts.create()
    theirs = await create_habit(client, other)

    response = await client.post(
        REMINDERS, json={"habit_id": theirs["id"], "time": "07:30"}, headers=new_yorker.auth
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (await client.get(REMINDERS, headers=new_yorker.auth)).json()["total"] == 0
    assert (await client.get(REMINDERS, headers=other.auth)).json()["total"] == 0


async def test_a_reminder_for_a_habit_that_does_not_exist_is_not_found(client, new_yorker):
    response = await client.post(
        REMINDERS, json={"habit_id": 999_999, "time": "07:30"}, headers=new_yorker.auth
    )

    assert response.status_code == 404


async def test_moving_a_reminder_to_another_users_habit_is_not_found(client, accounts, new_yorker):
    other = await accounts.create()
    theirs = await create_habit(client, other)
    reminder = await create_reminder(client, new_yorker, await create_habit(client, new_yorker))

    response = await client.patch(
        f"{REMINDERS}/{reminder['id']}", json={"habit_id": theirs["id"]}, headers=new_yorker.auth
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert await get_reminder(client, new_yorker, reminder) == reminder


async def test_another_users_reminder_is_not_found(client, accounts, new_yorker):
    other = await accounts.create()
    theirs = await create_reminder(client, other, await create_habit(client, other))
    url = f"{REMINDERS}/{theirs['id']}"

    assert (await client.get(url, headers=new_yorker.auth)).status_code == 404
    patched = await client.patch(url, json={"time": "08:00"}, headers=new_yorker.auth)
    assert patched.status_code == 404
    assert (await client.delete(url, headers=new_yorker.auth)).status_code == 404
    assert await get_reminder(client, other, theirs) == theirs


# --- validation -------------------------------------------------------------------------------

BAD_FIELDS = [
    {"time": "24:00"},
    {"time": "7:5"},
    {"time": "7:60"},
    {"time": "007:30"},
    {"time": " 7:30"},
    {"time": "07:60"},
    {"time": "07:30:00"},
    {"time": "0730"},
    {"time": ""},
    {"time": 730},
    {"time": None},
    {"days": []},
    {"days": ["monday", "monday"]},
    {"days": ["funday"]},
    {"days": ["mo"]},
    {"days": ["mon", "Monday"]},
    {"days": "monday"},
    {"channels": []},
    {"channels": ["sms"]},
    {"channels": ["inapp", "inapp"]},
    {"message": ""},
    {"message": "x" * 501},
    {"active": None},
    {"habit_id": 0},
    {"habit_id": None},
    {"user_id": 1},
    {"next_fire_at": "2026-06-15T12:00:00Z"},
    {"last_fired_at": "2026-06-15T12:00:00Z"},
    {"id": 5},
]


@pytest.mark.parametrize("fields", BAD_FIELDS)
async def test_create_refuses_bad_fields(client, new_yorker, fields):
    habit = await create_habit(client, new_yorker)
    body = {"habit_id": habit["id"], "time": "07:30"} | fields

    response = await client.post(REMINDERS, json=body, headers=new_yorker.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (await client.get(REMINDERS, headers=new_yorker.auth)).json()["total"] == 0


@pytest.mark.parametrize("missing", ["habit_id", "time"])
async def test_create_needs_a_habit_and_a_time(client, new_yorker, missing):
    habit = await create_habit(client, new_yorker)
    body = {"habit_id": habit["id"], "time": "07:30"}
    del body[missing]

    response = await client.post(REMINDERS, json=body, headers=new_yorker.auth)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


@pytest.mark.parametrize("fields", BAD_FIELDS)
async def test_patch_refuses_bad_fields(client, new_yorker, fields):
    reminder = await create_reminder(client, new_yorker, await create_habit(client, new_yorker))

    response = await client.patch(
        f"{REMINDERS}/{reminder['id']}", json=fields, headers=new_yorker.auth
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert await get_reminder(client, new_yorker, reminder) == reminder


@pytest.mark.parametrize("reminder_id", ["0", "-1", "abc", str(2**63)])
async def test_a_bad_reminder_id_is_refused(client, new_yorker, reminder_id):
    response = await client.get(f"{REMINDERS}/{reminder_id}", headers=new_yorker.auth)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


# --- the user's time zone ---------------------------------------------------------------------


async def test_changing_the_time_zone_keeps_the_wall_time(client, new_yorker, frozen_clock):
    frozen_clock(NOW)
    habit = await create_habit(client, new_yorker)
    morning = await create_reminder(client, new_yorker, habit, time="07:30")
    evening = await create_reminder(client, new_yorker, habit, time="20:15", days=["friday"])
    paused = await create_reminder(client, new_yorker, habit, active=False)

    response = await client.patch(
        f"{API}/users/me", json={"timezone": "Europe/Berlin"}, headers=new_yorker.auth
    )

    assert response.status_code == 200, response.text
    assert response.json()["timezone"] == "Europe/Berlin"
    # 14:00 in Berlin: 07:30 is tomorrow's; Friday 20:15 is 2026-06-19 in CEST.
    moved = await get_reminder(client, new_yorker, morning)
    assert moved["time"] == "07:30"
    assert instant(moved["next_fire_at"]) == utc("2026-06-16T05:30:00")
    assert instant((await get_reminder(client, new_yorker, evening))["next_fire_at"]) == utc(
        "2026-06-19T18:15:00"
    )
    assert (await get_reminder(client, new_yorker, paused))["next_fire_at"] is None


async def test_changing_the_time_zone_moves_only_your_reminders(
    client, accounts, new_yorker, frozen_clock
):
    other = await accounts.create(timezone="America/New_York")
    frozen_clock(NOW)
    theirs = await create_reminder(client, other, await create_habit(client, other))
    await create_reminder(client, new_yorker, await create_habit(client, new_yorker))

    response = await client.patch(
        f"{API}/users/me", json={"timezone": "Asia/Tokyo"}, headers=new_yorker.auth
    )

    assert response.status_code == 200, response.text
    assert await get_reminder(client, other, theirs) == theirs


async def test_the_next_firing_follows_the_zone_across_a_date_line(client, accounts, frozen_clock):
    owner = await accounts.create(timezone="Pacific/Pago_Pago")
    frozen_clock(utc("2026-06-15T11:00:00"))  # Monday 00:00 in Pago Pago
    habit = await create_habit(client, owner)
    reminder = await create_reminder(client, owner, habit, time="07:30", days=["tuesday"])
    assert instant(reminder["next_fire_at"]) == utc("2026-06-16T18:30:00")

    await client.patch(
        f"{API}/users/me", json={"timezone": "Pacific/Kiritimati"}, headers=owner.auth
    )

    # Tuesday 01:00 in Kiritimati: today's 07:30.
    moved = await get_reminder(client, owner, reminder)
    assert instant(moved["next_fire_at"]) == utc("2026-06-15T17:30:00")
