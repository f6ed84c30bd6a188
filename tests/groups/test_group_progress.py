"""Shared habits of a group: sharing, withdrawing, each member's progress and the feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from habitual.habitmath.periods import DayRecord, HabitHistory
from habitual.habitmath.schedule import Frequency, Rule, Status
from habitual.models import Event, GroupHabit
from habitual.notifications.outbox import Notice, notify_many
from habitual.runtime import Runtime
from tests.factories import API, Account, create_habit
from tests.groups.test_groups import GROUPS, create_group, member_of_group
from tests.habitmath import reference

SHARED_FIELDS = {"group_id", "habit_id", "user_id", "habit_name", "shared_at"}
FEED_FIELDS = {
    "id",
    "event",
    "user_id",
    "display_name",
    "habit_id",
    "habit_name",
    "data",
    "occurred_at",
}


async def share(
    client: httpx.AsyncClient, user: Account, group: dict[str, Any], habit: dict[str, Any]
) -> httpx.Response:
    return await client.put(f"{GROUPS}/{group['id']}/habits/{habit['id']}", headers=user.auth)


async def check_in(
    client: httpx.AsyncClient, user: Account, habit: dict[str, Any], day: date
) -> None:
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{day.isoformat()}",
        json={"status": "done"},
        headers=user.auth,
    )
    assert response.status_code in (200, 201), response.text


async def shared_ids(client: httpx.AsyncClient, user: Account, group: dict[str, Any]) -> list[int]:
    response = await client.get(f"{GROUPS}/{group['id']}/habits", headers=user.auth)
    assert response.status_code == 200, response.text
    return [item["habit_id"] for item in response.json()["items"]]


# --- sharing ----------------------------------------------------------------------------------


async def test_sharing_is_201_then_200_and_listed_once(client, accounts):
    owner = await accounts.create()
    group = await create_group(client, owner)
    habit = await create_habit(client, owner, name="Run")

    first, again = (
        await share(client, owner, group, habit),
        await share(client, owner, group, habit),
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert set(first.json()) == SHARED_FIELDS
    assert first.json() == again.json()
    assert (first.json()["user_id"], first.json()["habit_name"]) == (owner.id, "Run")
    assert await shared_ids(client, owner, group) == [habit["id"]]


async def test_sharing_another_users_habit_is_404(client, accounts):
    owner, member = await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    await member_of_group(client, owner, member, group)
    owners_habit = await create_habit(client, owner)

    response = await share(client, member, group, owners_habit)

    assert response.status_code == 404
    assert await shared_ids(client, owner, group) == []


async def test_sharing_an_archived_habit_is_409_but_an_archived_shared_one_stays(client, accounts):
    owner = await accounts.create()
    group = await create_group(client, owner)
    kept, late = await create_habit(client, owner), await create_habit(client, owner)
    assert (await share(client, owner, group, kept)).status_code == 201
    for habit in (kept, late):
        response = await client.patch(
            f"{API}/habits/{habit['id']}", json={"archived": True}, headers=owner.auth
        )
        assert response.status_code == 200, response.text

    assert (await share(client, owner, group, late)).status_code == 409
    assert (await share(client, owner, group, kept)).status_code == 200
    assert await shared_ids(client, owner, group) == [kept["id"]]


async def test_a_non_member_gets_404_on_every_shared_route(client, accounts):
    owner, stranger = await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    shared = await create_habit(client, owner)
    assert (await share(client, owner, group, shared)).status_code == 201
    own = await create_habit(client, stranger)
    path = f"{GROUPS}/{group['id']}"

    responses = [
        await share(client, stranger, group, own),
        await client.delete(f"{path}/habits/{shared['id']}", headers=stranger.auth),
        await client.get(f"{path}/habits", headers=stranger.auth),
        await client.get(f"{path}/progress", headers=stranger.auth),
        await client.get(f"{path}/feed", headers=stranger.auth),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert await shared_ids(client, owner, group) == [shared["id"]]


async def test_the_owner_of_a_habit_and_the_groups_owner_may_unshare_a_member_may_not(
    client, accounts
):
    owner, member, other = await accounts.create(), await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    await member_of_group(client, owner, member, group)
    await member_of_group(client, owner, other, group)
    first, second = await create_habit(client, member), await create_habit(client, member)
    for habit in (first, second):
        assert (await share(client, member, group, habit)).status_code == 201
    path = f"{GROUPS}/{group['id']}/habits"

    by_other = await client.delete(f"{path}/{first['id']}", headers=other.auth)
    by_owner = await client.delete(f"{path}/{first['id']}", headers=owner.auth)
    by_member = await client.delete(f"{path}/{second['id']}", headers=member.auth)
    again = await client.delete(f"{path}/{second['id']}", headers=member.auth)

    assert [r.status_code for r in (by_other, by_owner, by_member, again)] == [403, 204, 204, 404]
    assert await shared_ids(client, owner, group) == []


async def test_leaving_and_removal_withdraw_every_shared_habit(client, accounts, runtime):
    owner, leaver, removed = [await accounts.create() for _ in range(3)]
    group = await create_group(client, owner)
    kept = await create_habit(client, owner)
    assert (await share(client, owner, group, kept)).status_code == 201
    for user in (leaver, removed):
        await member_of_group(client, owner, user, group)
        for _ in range(2):
            assert (
                await share(client, user, group, await create_habit(client, user))
            ).status_code == 201
    path = f"{GROUPS}/{group['id']}/members"

    left = await client.delete(f"{path}/{leaver.id}", headers=leaver.auth)
    gone = await client.delete(f"{path}/{removed.id}", headers=owner.auth)

    assert (left.status_code, gone.status_code) == (204, 204)
    assert await shared_ids(client, owner, group) == [kept["id"]]
    async with runtime.database.unit() as uow:
        rows = (await uow.session.execute(select(GroupHabit.user_id))).scalars().all()
    assert rows == [owner.id]


# --- progress ---------------------------------------------------------------------------------

# Wednesday 20:00 UTC: Thursday 09:00 in Auckland (NZDT), Wednesday 12:00 in Los Angeles (PST).
NOW = datetime(2026, 3, 4, 20, tzinfo=UTC)
START = date(2026, 2, 20)


async def person(
    client: httpx.AsyncClient, accounts: Any, timezone: str, week_start: str
) -> Account:
    user: Account = await accounts.create(timezone=timezone)
    response = await client.patch(
        f"{API}/users/me", json={"week_start": week_start}, headers=user.auth
    )
    assert response.status_code == 200, response.text
    return user


def expected(
    done: list[date], today: date, first: date, last: date, week_start: int
) -> dict[str, Any]:
    """The figures by the slow reference maths of tests/habitmath, not the server's."""
    history = HabitHistory(
        rules=[Rule(START, Frequency.daily)],
        start_date=START,
        end_date=None,
        checkins={day: DayRecord(Status.done, None) for day in done},
        week_start=week_start,
    )
    stats = reference.habit_stats(history, first, last, today)
    return {
        "met": stats.met,
        "due": stats.due,
        "success_rate": stats.success_rate,
        "current_streak": stats.current_streak.length,
    }


async def test_progress_judges_each_member_in_their_own_zone_and_week(
    client, accounts, frozen_clock
):
    kiwi = await person(client, accounts, "Pacific/Auckland", "monday")
    angeleno = await person(client, accounts, "America/Los_Angeles", "sunday")
    group = await create_group(client, kiwi)
    await member_of_group(client, kiwi, angeleno, group)
    frozen_clock(NOW)
    kiwi_today, angeleno_today = date(2026, 3, 5), date(2026, 3, 4)
    # The Kiwi did every day from Saturday to their Thursday but Tuesday; the Angeleno every
    # day from Friday to their Wednesday.
    kiwi_done = [date(2026, 2, 28) + timedelta(days=n) for n in range(6) if n != 3]
    angeleno_done = [date(2026, 2, 27) + timedelta(days=n) for n in range(6)]
    habits = {}
    for user, done in ((kiwi, kiwi_done), (angeleno, angeleno_done)):
        habits[user.id] = await create_habit(
            client, user, name=f"Walk {user.username}", start_date=START.isoformat()
        )
        await create_habit(client, user, start_date=START.isoformat())  # not shared
        for day in done:
            await check_in(client, user, habits[user.id], day)
        assert (await share(client, user, group, habits[user.id])).status_code == 201

    response = await client.get(f"{GROUPS}/{group['id']}/progress", headers=angeleno.auth)

    assert response.status_code == 200, response.text
    members = {m["user_id"]: m for m in response.json()["members"]}
    kiwi_row, angeleno_row = members[kiwi.id], members[angeleno.id]
    assert (kiwi_row["from"], kiwi_row["to"]) == ("2026-03-02", "2026-03-08")
    assert (angeleno_row["from"], angeleno_row["to"]) == ("2026-03-01", "2026-03-07")
    figures = {"met", "due", "success_rate", "current_streak"}
    for row, done, today, week in (
        (kiwi_row, kiwi_done, kiwi_today, (date(2026, 3, 2), date(2026, 3, 8), 0)),
        (angeleno_row, angeleno_done, angeleno_today, (date(2026, 3, 1), date(2026, 3, 7), 6)),
    ):
        [habit] = row["habits"]
        assert habit["habit_id"] == habits[row["user_id"]]["id"]
        assert {key: habit[key] for key in figures} == expected(done, today, *week)
    # The figures differ between them, so a wrong zone or week would show.
    assert kiwi_row["habits"][0]["current_streak"] == 2
    assert angeleno_row["habits"][0]["current_streak"] == 6


async def test_progress_takes_one_range_for_everyone_and_checks_it(client, accounts, frozen_clock):
    owner = await accounts.create(timezone="America/Los_Angeles")
    group = await create_group(client, owner)
    frozen_clock(NOW)
    habit = await create_habit(client, owner, start_date=START.isoformat())
    done = [date(2026, 2, 21), date(2026, 2, 22), date(2026, 3, 1)]
    for day in done:
        await check_in(client, owner, habit, day)
    assert (await share(client, owner, group, habit)).status_code == 201
    path = f"{GROUPS}/{group['id']}/progress"

    ranged = await client.get(
        path, params={"from": "2026-02-20", "to": "2026-03-03"}, headers=owner.auth
    )
    backwards = await client.get(
        path, params={"from": "2026-03-03", "to": "2026-03-01"}, headers=owner.auth
    )
    too_long = await client.get(
        path, params={"from": "2025-01-01", "to": "2026-03-01"}, headers=owner.auth
    )

    assert ranged.status_code == 200, ranged.text
    [member] = ranged.json()["members"]
    assert (member["from"], member["to"]) == ("2026-02-20", "2026-03-03")
    got = {
        key: member["habits"][0][key] for key in ("met", "due", "success_rate", "current_streak")
    }
    assert got == expected(done, date(2026, 3, 4), date(2026, 2, 20), date(2026, 3, 3), 0)
    assert (backwards.status_code, too_long.status_code) == (422, 422)


async def test_progress_reads_a_bounded_number_of_statements(client, accounts, runtime):
    """30 members sharing three habits each read as few statements as one member."""
    from sqlalchemy import event

    owner = await accounts.create()
    group = await create_group(client, owner)

    async def count_statements() -> int:
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(args[2])

        engine = runtime.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = await client.get(f"{GROUPS}/{group['id']}/progress", headers=owner.auth)
            assert response.status_code == 200, response.text
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    for _ in range(3):
        await share(client, owner, group, await create_habit(client, owner))
    alone = await count_statements()
    for _ in range(9):
        member = await accounts.create()
        await member_of_group(client, owner, member, group)
        for _ in range(3):
            habit = await create_habit(client, member)
            await check_in(client, member, habit, date.fromisoformat(habit["start_date"]))
            await share(client, member, group, habit)

    assert await count_statements() == alone


# --- feed -------------------------------------------------------------------------------------


async def notify(runtime: Runtime, user: Account, habit_id: int, key: str, at: datetime) -> None:
    async with runtime.database.unit() as uow:
        notice = Notice(
            user_id=user.id,
            habit_id=habit_id,
            event=Event.streak_milestone,
            dedupe_key=key,
            title="7 days in a row",
            body="secret note",
            data={"habit_id": habit_id, "length": 7, "unit": "days", "note": "secret"},
        )
        await notify_many(await uow.connection(), [notice], at)


async def test_the_feed_shows_only_shared_habits_events_told_after_sharing(
    client, accounts, runtime, frozen_clock
):
    owner, member = await accounts.create(), await accounts.create()
    response = await client.patch(
        f"{API}/users/me", json={"display_name": "Mia"}, headers=member.auth
    )
    assert response.status_code == 200, response.text
    group = await create_group(client, owner)
    await member_of_group(client, owner, member, group)
    shared, private = await create_habit(client, member), await create_habit(client, member)
    frozen_clock(NOW)
    await notify(runtime, member, shared["id"], "before", NOW - timedelta(hours=1))
    assert (await share(client, member, group, shared)).status_code == 201
    await notify(runtime, member, shared["id"], "after", NOW + timedelta(hours=1))
    await notify(runtime, member, shared["id"], "later", NOW + timedelta(hours=2))
    await notify(runtime, member, private["id"], "private", NOW + timedelta(hours=1))

    response = await client.get(f"{GROUPS}/{group['id']}/feed", headers=owner.auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert [set(item) for item in body["items"]] == [FEED_FIELDS, FEED_FIELDS]
    first, second = body["items"]
    assert first["occurred_at"] > second["occurred_at"]
    assert (first["event"], first["habit_id"], first["display_name"]) == (
        "streak_milestone",
        shared["id"],
        "Mia",
    )
    assert first["data"] == {"length": 7, "unit": "days"}
    await client.delete(f"{GROUPS}/{group['id']}/habits/{shared['id']}", headers=member.auth)
    assert (await client.get(f"{GROUPS}/{group['id']}/feed", headers=owner.auth)).json()[
        "total"
    ] == 0
