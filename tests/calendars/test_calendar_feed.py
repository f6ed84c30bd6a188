# mypy: disable-error-code="union-attr"
# (icalendar types a property as the union of every value type; a test knows which it holds)
"""The calendar feed: a secret URL, and an RFC 5545 calendar whose events follow each schedule.

Occurrences are expanded by `recurring_ical_events` (a library of its own, as a calendar app
would), not read back from our own RRULE text, so a wrong rule shows as wrong dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from habitual.kit.secrets import token_digest
from habitual.models import CalendarFeed
from tests.factories import API, PROBLEM_JSON, Account, create_habit

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday
FEED = f"{API}/calendar/feed"


async def new_feed(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    response = await client.post(FEED, headers=owner.auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def fetch(client: httpx.AsyncClient, token: str, **params: Any) -> httpx.Response:
    return await client.get(f"{API}/calendar/{token}.ics", params=params)


async def calendar_of(client: httpx.AsyncClient, owner: Account, **params: Any) -> Calendar:
    response = await fetch(client, (await new_feed(client, owner))["token"], **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def occurrences(calendar: Calendar, uid: str, first: date, last: date) -> list[Any]:
    found = recurring_ical_events.of(calendar).between(first, last + timedelta(1))
    return sorted((event for event in found if str(event["UID"]) == uid), key=lambda e: e.start)


def days_of(calendar: Calendar, uid: str, first: date, last: date) -> list[date]:
    return [event.start for event in occurrences(calendar, uid, first, last)]


def habit_uid(habit: dict[str, Any]) -> str:
    return f"habit-{habit['id']}@localhost"


async def test_the_token_is_shown_once_and_stored_as_its_digest(client, accounts, runtime):
    alice = await accounts.create()

    created = await new_feed(client, alice)

    assert set(created) == {"url", "token"}
    assert created["token"].startswith("hab_cal_")
    base = runtime.settings.public_url
    assert created["url"] == f"{base}/api/v1/calendar/{created['token']}.ics"
    async with runtime.database.unit() as uow:
        stored = (await uow.session.execute(select(CalendarFeed))).scalar_one()
    assert stored.user_id == alice.id
    assert stored.token_hash == token_digest(created["token"])


async def test_the_calendar_names_its_owner_and_how_often_to_refresh(client, accounts):
    alice = await accounts.create("alice")

    calendar = await calendar_of(client, alice)

    assert str(calendar["X-WR-CALNAME"]) == "Habitual: alice"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    assert str(calendar["VERSION"]) == "2.0"


async def test_a_daily_habit_recurs_every_day_from_its_start_to_its_end(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(
        client, alice, name="Read", start_date="2026-03-01", end_date="2026-03-10"
    )

    calendar = await calendar_of(client, alice)

    (event,) = events(calendar)
    assert str(event["UID"]) == habit_uid(habit)
    assert str(event["SUMMARY"]) == "Read"
    assert event["DTSTART"].dt == date(2026, 3, 1)  # all day: a date, no time
    assert event["DTEND"].dt == date(2026, 3, 2)
    days = days_of(calendar, habit_uid(habit), date(2026, 2, 1), date(2026, 4, 30))
    assert days == [date(2026, 3, 1) + timedelta(n) for n in range(10)]


async def test_a_habit_on_chosen_weekdays_recurs_weekly_on_those_days(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(
        client, alice, start_date="2026-03-03", target_days=["monday", "wednesday", "friday"]
    )

    calendar = await calendar_of(client, alice)

    (event,) = events(calendar)
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    days = days_of(calendar, habit_uid(habit), date(2026, 3, 1), date(2026, 3, 16))
    assert days == [date(2026, 3, d) for d in (4, 6, 9, 11, 13, 16)]


async def test_an_every_n_days_habit_recurs_at_its_interval_from_its_start(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(
        client, alice, frequency="every_n_days", every_n_days=3, start_date="2026-03-02"
    )

    calendar = await calendar_of(client, alice)

    (event,) = events(calendar)
    assert event["RRULE"]["INTERVAL"] == [3]
    days = days_of(calendar, habit_uid(habit), date(2026, 3, 1), date(2026, 3, 15))
    assert days == [date(2026, 3, d) for d in (2, 5, 8, 11, 14)]


async def test_a_weekly_target_is_one_event_per_week_from_the_first_whole_week(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    response = await client.patch(
        f"{API}/users/me", json={"week_start": "sunday"}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    habit = await create_habit(
        client, alice, name="Run", frequency="weekly", times_per_period=3, start_date="2026-03-03"
    )

    calendar = await calendar_of(client, alice)

    (event,) = events(calendar)
    assert str(event["SUMMARY"]) == "Run: 3 times this week"
    found = occurrences(calendar, habit_uid(habit), date(2026, 3, 1), date(2026, 3, 21))
    # Weeks start on Sunday here; the week of the start (Sun 1 March) is not a whole one.
    assert [(e.start, e.end) for e in found] == [
        (date(2026, 3, 8), date(2026, 3, 15)),
        (date(2026, 3, 15), date(2026, 3, 22)),
    ]


async def test_a_monthly_target_is_one_event_per_month(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(
        client,
        alice,
        name="Call mum",
        frequency="monthly",
        times_per_period=2,
        start_date="2026-03-01",
    )

    calendar = await calendar_of(client, alice)

    (event,) = events(calendar)
    assert str(event["SUMMARY"]) == "Call mum: twice this month"
    days = days_of(calendar, habit_uid(habit), date(2026, 2, 1), date(2026, 6, 30))
    assert days == [date(2026, m, 1) for m in (3, 4, 5, 6)]


async def test_a_measurable_goal_is_in_the_summary(client, accounts):
    alice = await accounts.create()
    await create_habit(
        client,
        alice,
        name="Coffee",
        kind="measurable",
        goal_value=2,
        goal_type="at_most",
        unit="cups",
    )

    (event,) = events(await calendar_of(client, alice))

    assert str(event["SUMMARY"]) == "Coffee: at most 2 cups"
    assert str(event["DESCRIPTION"]) == "Every day; at most 2 cups"


async def test_a_changed_schedule_keeps_the_past_under_its_old_rule(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(client, alice, start_date="2026-03-01")
    frozen_clock(NOW + timedelta(days=5))  # Monday 16 March
    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"target_days": ["monday"]}, headers=alice.auth
    )
    assert response.status_code == 200, response.text

    calendar = await calendar_of(client, alice)

    uids = sorted(str(event["UID"]) for event in events(calendar))
    assert uids == [f"habit-{habit['id']}-20260301@localhost", habit_uid(habit)]
    old = days_of(calendar, uids[0], date(2026, 3, 1), date(2026, 4, 30))
    assert old == [date(2026, 3, 1) + timedelta(n) for n in range(15)]
    new = days_of(calendar, habit_uid(habit), date(2026, 3, 1), date(2026, 3, 31))
    assert new == [date(2026, 3, d) for d in (16, 23, 30)]


async def test_a_reminder_is_a_zoned_event_with_an_alarm_at_its_local_time(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    frozen_clock(NOW)
    response = await client.patch(
        f"{API}/users/me", json={"timezone": "Europe/Berlin"}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    habit = await create_habit(client, alice, name="Read", start_date="2026-03-20")
    body = {"habit_id": habit["id"], "time": "07:30", "days": ["sat", "sun"], "message": "Go"}
    response = await client.post(f"{API}/reminders", json=body, headers=alice.auth)
    assert response.status_code == 201, response.text

    response = await fetch(client, (await new_feed(client, alice))["token"])
    calendar = Calendar.from_ical(response.content)

    assert "DTSTART;TZID=Europe/Berlin:20260321T073000" in response.text
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    uid = f"reminder-{response_id(response.text)}@localhost"
    found = occurrences(calendar, uid, date(2026, 3, 20), date(2026, 4, 5))
    berlin = ZoneInfo("Europe/Berlin")
    # 29 March is the day the clocks go forward: still 07:30 on the wall, an hour less in UTC.
    assert [event.start.astimezone(berlin).replace(tzinfo=None) for event in found] == [
        datetime(2026, 3, d, 7, 30) for d in (21, 22, 28, 29)
    ] + [datetime(2026, 4, 4, 7, 30), datetime(2026, 4, 5, 7, 30)]
    assert found[2].start.astimezone(UTC).hour == 6
    assert found[3].start.astimezone(UTC).hour == 5
    (alarm,) = found[0].walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == "Go"
    assert alarm["TRIGGER"].dt == timedelta(0)


def response_id(text: str) -> str:
    """The reminder's id, from its UID line."""
    line = next(line for line in text.splitlines() if line.startswith("UID:reminder-"))
    return line.removeprefix("UID:reminder-").split("@")[0]


async def test_archived_habits_other_people_and_private_fields_stay_out(
    client, accounts, frozen_clock
):
    alice = await accounts.create()
    bob = await accounts.create()
    frozen_clock(NOW)
    read = await create_habit(
        client, alice, name="Read", description="my private description", start_date="2026-03-01"
    )
    archived = await create_habit(client, alice, name="Old")
    response = await client.patch(
        f"{API}/habits/{archived['id']}", json={"archived": True}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    await create_habit(client, bob, name="Bob's habit")
    response = await client.put(
        f"{API}/habits/{read['id']}/checkins/2026-03-10",
        json={"status": "done", "note": "a secret note"},
        headers=alice.auth,
    )
    assert response.status_code in (200, 201), response.text

    response = await fetch(client, (await new_feed(client, alice))["token"], history="true")

    summaries = {str(event["SUMMARY"]) for event in events(Calendar.from_ical(response.content))}
    assert summaries == {"Read", "\N{CHECK MARK} Read"}
    for private in ("private description", "secret note", alice.email, "Bob"):
        assert private not in response.text


async def test_history_adds_the_past_met_days_only_when_asked(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(
        client,
        alice,
        name="Walk",
        kind="measurable",
        goal_value=5000,
        unit="steps",
        start_date="2026-03-01",
    )
    for day, value in (("2026-03-08", 6000), ("2026-03-09", 100), ("2026-03-10", 5000)):
        response = await client.put(
            f"{API}/habits/{habit['id']}/checkins/{day}",
            json={"status": "done", "value": value},
            headers=alice.auth,
        )
        assert response.status_code in (200, 201), response.text

    plain = await calendar_of(client, alice)
    with_history = await calendar_of(client, alice, history="true")

    assert len(events(plain)) == 1
    met = [e for e in events(with_history) if str(e["UID"]).startswith("met-")]
    assert [e["DTSTART"].dt for e in met] == [date(2026, 3, 8), date(2026, 3, 10)]
    assert str(met[0]["UID"]) == f"met-{habit['id']}-20260308@localhost"


async def test_days_met_in_a_row_are_one_event_over_them(client, accounts, frozen_clock):
    alice = await accounts.create()
    frozen_clock(NOW)
    habit = await create_habit(client, alice, start_date="2026-03-01")
    for day in ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06", "2026-03-11"):
        response = await client.put(
            f"{API}/habits/{habit['id']}/checkins/{day}",
            json={"status": "done"},
            headers=alice.auth,
        )
        assert response.status_code in (200, 201), response.text

    calendar = await calendar_of(client, alice, history="true")

    met = [e for e in events(calendar) if str(e["UID"]).startswith("met-")]
    # Today (11 March) is not over: it is not history yet.
    assert [(e["DTSTART"].dt, e["DTEND"].dt) for e in met] == [
        (date(2026, 3, 2), date(2026, 3, 5)),
        (date(2026, 3, 6), date(2026, 3, 7)),
    ]


async def test_an_unchanged_calendar_answers_304_to_its_etag(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice)
    token = (await new_feed(client, alice))["token"]

    first = await fetch(client, token)
    again = await client.get(
        f"{API}/calendar/{token}.ics", headers={"If-None-Match": first.headers["etag"]}
    )
    weak = await client.get(
        f"{API}/calendar/{token}.ics", headers={"If-None-Match": f'"x", W/{first.headers["etag"]}'}
    )
    response = await client.patch(
        f"{API}/habits/{habit['id']}", json={"name": "Renamed"}, headers=alice.auth
    )
    assert response.status_code == 200, response.text
    changed = await client.get(
        f"{API}/calendar/{token}.ics", headers={"If-None-Match": first.headers["etag"]}
    )

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert weak.status_code == 304
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]
    assert "Renamed" in changed.text


async def test_a_new_token_replaces_the_old_one(client, accounts):
    alice = await accounts.create()
    old = (await new_feed(client, alice))["token"]

    response = await client.post(f"{API}/calendar/sync", headers=alice.auth)
    new = response.json()["token"]

    assert response.status_code == 201
    assert set(response.json()) == {"url", "token"}
    assert_not_found(await fetch(client, old))
    assert (await fetch(client, new)).status_code == 200


async def test_a_revoked_feed_is_not_found(client, accounts):
    alice = await accounts.create()
    token = (await new_feed(client, alice))["token"]

    revoked = await client.delete(FEED, headers=alice.auth)
    again = await client.delete(FEED, headers=alice.auth)

    assert revoked.status_code == 204
    assert_not_found(again)
    assert_not_found(await fetch(client, token))


async def test_an_unknown_token_is_not_found(client):
    assert_not_found(await fetch(client, "hab_cal_unknown"))


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
