"""/challenges: create, see, join once, leave, and be ranked in your own time zone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from habitual.jobs.worker import Worker
from habitual.models import ChallengeParticipant, Habit, Notification, User
from tests.challenges.helpers import CHALLENGES, check_in, create_challenge, join, standings
from tests.factories import API, PROBLEM_JSON, create_habit

# Mid-May: challenges in June are upcoming; June 10 is inside them.
MAY = datetime(2026, 5, 20, 12, tzinfo=UTC)
JUNE_10 = datetime(2026, 6, 10, 12, tzinfo=UTC)
STANDING_FIELDS = {
    "rank",
    "user_id",
    "display_name",
    "met",
    "due",
    "completion_rate",
    "total_value",
    "longest_streak",
}


def error_locs(response) -> list[list[str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [error["loc"] for error in response.json()["errors"]]


# --- create -----------------------------------------------------------------------------------


async def test_public_challenge_answers_its_fields_without_an_invite_code(
    client, accounts, frozen_clock
):
    owner = await accounts.create()
    frozen_clock(MAY)

    challenge = await create_challenge(client, owner, target_days=["mon", "wed"])

    assert challenge["owner_id"] == owner.id
    assert challenge["status"] == "upcoming"
    assert challenge["invite_code"] is None
    assert challenge["target_days"] == ["monday", "wednesday"]
    assert challenge["participants"] == 0
    assert challenge["joined"] is False


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"start_date": "2026-05-19"}, ["body", "start_date"]),
        ({"end_date": "2026-05-31"}, ["body", "end_date"]),
        ({"start_date": "2026-06-01", "end_date": "2027-06-03"}, ["body", "end_date"]),
        ({"metric": "total_value"}, ["body", "metric"]),
        ({"frequency": "weekly", "target_days": ["mon"]}, ["body", "target_days"]),
        ({"kind": "measurable"}, ["body", "goal_value"]),
        ({"metric": "fastest"}, ["body", "metric"]),
        ({"owner_id": 1}, ["body", "owner_id"]),
    ],
)
async def test_bad_challenge_is_422_naming_the_field(client, accounts, frozen_clock, fields, loc):
    owner = await accounts.create()
    frozen_clock(MAY)
    body = {"name": "Read", "start_date": "2026-06-01", "end_date": "2026-06-30"} | fields

    response = await client.post(CHALLENGES, json=body, headers=owner.auth)

    assert loc in error_locs(response)


async def test_start_date_is_judged_in_the_creators_time_zone(client, accounts, frozen_clock):
    # 2026-06-01 10:00 UTC is already June 2 in Kiritimati (UTC+14).
    east = await accounts.create(timezone="Pacific/Kiritimati")
    frozen_clock(datetime(2026, 6, 1, 10, tzinfo=UTC))
    body = {"name": "Read", "start_date": "2026-06-01", "end_date": "2026-06-30"}

    response = await client.post(CHALLENGES, json=body, headers=east.auth)

    assert ["body", "start_date"] in error_locs(response)


async def test_366_days_is_the_longest_challenge(client, accounts, frozen_clock):
    owner = await accounts.create()
    frozen_clock(MAY)

    challenge = await create_challenge(
        client, owner, start_date="2026-06-01", end_date="2027-06-02"
    )

    assert challenge["end_date"] == "2027-06-02"


# --- visibility ---------------------------------------------------------------------------------


async def test_private_challenge_is_not_found_for_others_everywhere(client, accounts, frozen_clock):
    owner, stranger = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, visibility="private")
    path = f"{CHALLENGES}/{challenge['id']}"

    answers = [
        await client.get(path, headers=stranger.auth),
        await client.get(f"{path}/standings", headers=stranger.auth),
        await client.patch(path, json={"name": "Mine"}, headers=stranger.auth),
        await client.delete(path, headers=stranger.auth),
        await join(client, stranger, challenge),
        await join(client, stranger, challenge, invite_code="guessed"),
        await client.post(f"{path}/leave", headers=stranger.auth),
    ]
    listed = (await client.get(CHALLENGES, headers=stranger.auth)).json()

    assert [answer.status_code for answer in answers] == [404] * 7
    assert listed["total"] == 0


async def test_invite_code_is_shown_once_and_lets_people_join(client, accounts, frozen_clock):
    owner, friend = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, visibility="private")
    code = challenge["invite_code"]

    again = (await client.get(f"{CHALLENGES}/{challenge['id']}", headers=owner.auth)).json()
    joined = await join(client, friend, challenge, invite_code=code)
    seen = await client.get(f"{CHALLENGES}/{challenge['id']}", headers=friend.auth)

    assert code
    assert again["invite_code"] is None
    assert joined.status_code == 201, joined.text
    assert seen.status_code == 200
    assert seen.json()["joined"] is True


async def test_new_invite_code_retires_the_old_one(client, accounts, frozen_clock):
    owner, friend = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, visibility="private")
    response = await client.patch(
        f"{CHALLENGES}/{challenge['id']}", json={"new_invite_code": True}, headers=owner.auth
    )
    fresh = response.json()["invite_code"]

    old = await join(client, friend, challenge, invite_code=challenge["invite_code"])
    new = await join(client, friend, challenge, invite_code=fresh)

    assert fresh
    assert fresh != challenge["invite_code"]
    assert (old.status_code, new.status_code) == (404, 201)


async def test_list_shows_public_and_joined_and_filters_by_status(client, accounts, frozen_clock):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    soon = await create_challenge(client, owner, name="Soon")
    now_on = await create_challenge(
        client, owner, name="Now", start_date="2026-05-20", end_date="2026-05-30"
    )
    await create_challenge(client, owner, name="Hidden", visibility="private")
    await join(client, user, now_on)

    def names(response) -> list[str]:
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    every = names(await client.get(CHALLENGES, headers=user.auth))
    upcoming = names(await client.get(CHALLENGES, params={"status": "upcoming"}, headers=user.auth))
    active = names(await client.get(CHALLENGES, params={"status": "active"}, headers=user.auth))
    mine = names(await client.get(CHALLENGES, params={"joined": "true"}, headers=user.auth))
    frozen_clock(datetime(2026, 6, 2, 11, tzinfo=UTC))  # May 30 is over everywhere
    finished = names(await client.get(CHALLENGES, params={"status": "finished"}, headers=user.auth))

    assert every == ["Now", "Soon"]
    assert upcoming == [soon["name"]]
    assert active == ["Now"]
    assert mine == ["Now"]
    assert finished == ["Now"]


# --- edit and delete ------------------------------------------------------------------------------


async def test_someone_else_cannot_change_a_public_challenge(client, accounts, frozen_clock):
    owner, other = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)

    response = await client.patch(
        f"{CHALLENGES}/{challenge['id']}", json={"name": "Mine"}, headers=other.auth
    )

    assert response.status_code == 403


async def test_admin_may_edit_and_delete_any_challenge(client, accounts, frozen_clock):
    owner, admin = await accounts.create(), await accounts.create_admin()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, visibility="private")
    path = f"{CHALLENGES}/{challenge['id']}"

    renamed = await client.patch(path, json={"name": "Moderated"}, headers=admin.auth)
    deleted = await client.delete(path, headers=admin.auth)
    gone = await client.get(path, headers=owner.auth)

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Moderated"
    assert deleted.status_code == 204
    assert gone.status_code == 404


# --- join and leave -------------------------------------------------------------------------------


async def count_habits(runtime, user_id: int) -> int:
    async with runtime.database.reader() as session:
        count: int = (
            await session.execute(
                select(func.count()).select_from(Habit).where(Habit.user_id == user_id)
            )
        ).scalar_one()
        return count


async def test_joining_twice_answers_the_same_participation_and_one_habit(
    client, accounts, runtime, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, kind="measurable", goal_value=30, unit="min")

    first = await join(client, user, challenge)
    second = await join(client, user, challenge)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert await count_habits(runtime, user.id) == 1
    habit = (await client.get(f"{API}/habits/{first.json()['habit_id']}", headers=user.auth)).json()
    assert (habit["kind"], habit["goal_value"], habit["unit"]) == ("measurable", 30, "min")
    assert habit["start_date"] == "2026-06-01"


async def test_racing_joins_make_one_participation_and_one_habit(
    client, accounts, runtime, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)

    responses = await asyncio.gather(*(join(client, user, challenge) for _ in range(8)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 7 + [201], [response.text for response in responses]
    assert len({response.json()["habit_id"] for response in responses}) == 1
    assert await count_habits(runtime, user.id) == 1
    async with runtime.database.reader() as session:
        rows = await session.execute(select(func.count()).select_from(ChallengeParticipant))
        assert rows.scalar_one() == 1


async def test_joining_with_an_own_compatible_habit_links_it(client, accounts, frozen_clock):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, frequency="weekly", times_per_period=3)
    habit = await create_habit(client, user, frequency="weekly", times_per_period=2)

    response = await join(client, user, challenge, habit_id=habit["id"])

    assert response.status_code == 201
    assert response.json()["habit_id"] == habit["id"]


async def test_incompatible_habit_is_422_and_someone_elses_is_404(client, accounts, frozen_clock):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    weekly = await create_habit(client, user, frequency="weekly", times_per_period=2)
    theirs = await create_habit(client, owner)

    wrong = await join(client, user, challenge, habit_id=weekly["id"])
    stolen = await join(client, user, challenge, habit_id=theirs["id"])

    assert ["body", "habit_id"] in error_locs(wrong)
    assert stolen.status_code == 404


async def test_full_challenge_is_409(client, accounts, frozen_clock):
    owner, first, second = [await accounts.create() for _ in range(3)]
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, max_participants=1)

    assert (await join(client, first, challenge)).status_code == 201
    full = await join(client, second, challenge)

    assert full.status_code == 409
    assert full.headers["content-type"] == PROBLEM_JSON


async def test_finished_challenge_takes_no_one(client, accounts, frozen_clock):
    owner, late = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    frozen_clock(datetime(2026, 7, 3, tzinfo=UTC))

    assert (await join(client, late, challenge)).status_code == 409


async def test_leaving_keeps_the_habit_and_drops_you_from_the_standings(
    client, accounts, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    habit_id = (await join(client, user, challenge)).json()["habit_id"]
    await join(client, owner, challenge)
    frozen_clock(JUNE_10)
    await check_in(client, user, habit_id, "2026-06-02")

    left = await client.post(f"{CHALLENGES}/{challenge['id']}/leave", headers=user.auth)
    again = await client.post(f"{CHALLENGES}/{challenge['id']}/leave", headers=user.auth)
    habit = await client.get(f"{API}/habits/{habit_id}/checkins", headers=user.auth)
    table = await standings(client, owner, challenge)

    assert (left.status_code, again.status_code) == (204, 404)
    assert [checkin["date"] for checkin in habit.json()] == ["2026-06-02"]
    assert [item["user_id"] for item in table["items"]] == [owner.id]


# --- standings ------------------------------------------------------------------------------------


async def test_standings_rank_by_completion_rate_with_shared_ranks(
    client, accounts, runtime, frozen_clock
):
    owner = await accounts.create()
    people = [await accounts.create() for _ in range(3)]
    named = await client.patch(
        f"{API}/users/me", json={"display_name": "Runner Two"}, headers=people[1].auth
    )
    assert named.status_code == 200, named.text
    await settle_accounts(runtime)
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, end_date="2026-06-09")
    habits = [(await join(client, person, challenge)).json()["habit_id"] for person in people]
    frozen_clock(JUNE_10)
    # 5, 5 and 2 of the 9 days.
    for person, habit_id, days in zip(people, habits, (5, 5, 2), strict=True):
        for day in range(1, days + 1):
            await check_in(client, person, habit_id, f"2026-06-0{day}")

    table = await standings(client, owner, challenge)
    frozen_clock(JUNE_10 + timedelta(minutes=1))  # the figures as kept, ranked again
    await standings(client, owner, challenge)
    frozen_clock(JUNE_10 + timedelta(minutes=2))
    kept = await standings(client, owner, challenge)

    assert kept == table
    assert [set(item) for item in table["items"]] == [STANDING_FIELDS] * 3
    assert [(item["rank"], item["user_id"]) for item in table["items"]] == [
        (1, people[0].id),
        (1, people[1].id),
        (3, people[2].id),
    ]
    assert [(item["met"], item["due"]) for item in table["items"]] == [(5, 9), (5, 9), (2, 9)]
    # Someone's display name if they chose one, else their username; never an email.
    assert [item["display_name"] for item in table["items"]] == [
        people[0].username,
        "Runner Two",
        people[2].username,
    ]
    assert "email" not in str(table)
    assert table["final"] is False


async def test_only_days_inside_the_challenge_count(client, accounts, frozen_clock):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(datetime(2026, 5, 1, 12, tzinfo=UTC))
    habit = await create_habit(client, user, start_date="2026-05-01")
    challenge = await create_challenge(
        client, owner, start_date="2026-06-01", end_date="2026-06-03", metric="longest_streak"
    )
    await join(client, user, challenge, habit_id=habit["id"])
    frozen_clock(JUNE_10)
    for day in ("2026-05-30", "2026-05-31", "2026-06-01", "2026-06-02", "2026-06-04"):
        await check_in(client, user, habit["id"], day)

    (item,) = (await standings(client, owner, challenge))["items"]

    assert (item["met"], item["due"], item["longest_streak"]) == (2, 3, 2)
    assert item["completion_rate"] == pytest.approx(2 / 3)


async def test_total_value_ranks_measurable_challenges(client, accounts, frozen_clock):
    owner, low, high = [await accounts.create() for _ in range(3)]
    frozen_clock(MAY)
    challenge = await create_challenge(
        client, owner, kind="measurable", goal_value=10, unit="km", metric="total_value"
    )
    low_habit = (await join(client, low, challenge)).json()["habit_id"]
    high_habit = (await join(client, high, challenge)).json()["habit_id"]
    frozen_clock(JUNE_10)
    await check_in(client, low, low_habit, "2026-06-02", value=12)
    await check_in(client, high, high_habit, "2026-06-03", value=5)
    await check_in(client, high, high_habit, "2026-06-04", value=9)

    table = await standings(client, owner, challenge)

    assert [(item["user_id"], item["total_value"]) for item in table["items"]] == [
        (high.id, 14),
        (low.id, 12),
    ]


async def test_each_day_is_judged_in_the_participants_own_time_zone(client, accounts, frozen_clock):
    owner = await accounts.create()
    east = await accounts.create(timezone="Pacific/Kiritimati")  # UTC+14
    west = await accounts.create(timezone="Pacific/Pago_Pago")  # UTC-11
    frozen_clock(MAY)
    challenge = await create_challenge(
        client, owner, start_date="2026-06-01", end_date="2026-06-30"
    )
    east_habit = (await join(client, east, challenge)).json()["habit_id"]
    assert (await join(client, west, challenge)).status_code == 201
    # 2026-06-01 11:00 UTC: June 2 in Kiritimati, still May 31 in Pago Pago.
    frozen_clock(datetime(2026, 6, 1, 11, tzinfo=UTC))
    await check_in(client, east, east_habit, "2026-06-01")
    await check_in(client, east, east_habit, "2026-06-02")

    table = {item["user_id"]: item for item in (await standings(client, owner, challenge))["items"]}

    assert (table[east.id]["met"], table[east.id]["due"]) == (2, 2)
    assert (table[west.id]["met"], table[west.id]["due"]) == (0, 0)


async def test_a_new_check_in_updates_kept_standings(client, accounts, frozen_clock):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    habit_id = (await join(client, user, challenge)).json()["habit_id"]
    frozen_clock(JUNE_10)
    await check_in(client, user, habit_id, "2026-06-01")
    before = (await standings(client, owner, challenge))["items"][0]["met"]
    await check_in(client, user, habit_id, "2026-06-10")
    await check_in(client, user, habit_id, "2026-06-09")
    after = (await standings(client, owner, challenge))["items"][0]["met"]

    assert (before, after) == (1, 3)


async def test_standings_are_paginated(client, accounts, frozen_clock):
    owner = await accounts.create()
    people = [await accounts.create() for _ in range(3)]
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    for person in people:
        await join(client, person, challenge)

    second = await standings(client, owner, challenge, page=2, page_size=2)

    assert second["total"] == 3
    assert [item["user_id"] for item in second["items"]] == [people[2].id]
    assert second["items"][0]["rank"] == 1  # nothing done yet: everyone shares the first place


# --- final standings and notifications ---------------------------------------------------------


async def run_worker(runtime, now: datetime) -> None:
    async with Worker(runtime.database, runtime.settings, clock=lambda: now) as worker:
        await worker.tell_challenges()


async def notifications_of(runtime, user_id: int, event: str) -> list[Notification]:
    async with runtime.database.reader() as session:
        rows = await session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.event == event)
        )
        return list(rows.all())


async def test_final_standings_are_kept_and_a_later_back_fill_changes_nothing(
    client, accounts, runtime, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, end_date="2026-06-05")
    habit_id = (await join(client, user, challenge)).json()["habit_id"]
    over = datetime(2026, 6, 7, 11, tzinfo=UTC)  # June 5 has ended in UTC-12 at 23:00
    frozen_clock(over)
    await check_in(client, user, habit_id, "2026-06-01")
    await run_worker(runtime, over)
    final = await standings(client, owner, challenge)
    await check_in(client, user, habit_id, "2026-06-02")
    await run_worker(runtime, over)

    later = await standings(client, owner, challenge)

    assert final["final"] is True
    assert [(item["rank"], item["met"], item["due"]) for item in final["items"]] == [(1, 1, 5)]
    assert later == final
    told = await notifications_of(runtime, user.id, "challenge_finished")
    assert [notice.data["rank"] for notice in told] == [1]


async def test_standings_are_not_final_before_the_last_time_zone_ends(
    client, accounts, runtime, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, end_date="2026-06-05")
    await join(client, user, challenge)
    almost = datetime(2026, 6, 7, 10, 59, tzinfo=UTC)
    frozen_clock(almost)

    await run_worker(runtime, almost)

    assert (await standings(client, owner, challenge))["final"] is False


async def test_challenge_started_is_told_once_when_the_local_day_arrives(
    client, accounts, runtime, frozen_clock
):
    owner = await accounts.create()
    west = await accounts.create(timezone="Pacific/Pago_Pago")  # UTC-11
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner, start_date="2026-06-01")
    await join(client, west, challenge)

    await run_worker(runtime, datetime(2026, 6, 1, 10, tzinfo=UTC))  # May 31 in Pago Pago
    early = await notifications_of(runtime, west.id, "challenge_started")
    await run_worker(runtime, datetime(2026, 6, 1, 12, tzinfo=UTC))
    await run_worker(runtime, datetime(2026, 6, 1, 13, tzinfo=UTC))

    told = await notifications_of(runtime, west.id, "challenge_started")
    assert early == []
    assert [notice.data["challenge_id"] for notice in told] == [challenge["id"]]


async def settle_accounts(runtime) -> None:
    """Date every account back to May: they were made by the real clock, after the frozen
    clock's June, and a user changed after their figures makes those stale."""
    async with runtime.database.unit() as uow:
        await uow.session.execute(update(User).values(updated_at=MAY))


async def test_a_changed_or_deleted_recent_check_in_updates_kept_standings(
    client, accounts, runtime, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    await settle_accounts(runtime)
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    habit_id = (await join(client, user, challenge)).json()["habit_id"]
    frozen_clock(JUNE_10)
    await check_in(client, user, habit_id, "2026-06-09")
    await check_in(client, user, habit_id, "2026-06-10")
    kept = (await standings(client, owner, challenge))["items"][0]["met"]
    # Later than the kept figures (and their margin), on the same local day.
    frozen_clock(JUNE_10 + timedelta(minutes=1))
    await check_in(client, user, habit_id, "2026-06-10", status="skipped")
    changed = (await standings(client, owner, challenge))["items"][0]["met"]
    frozen_clock(JUNE_10 + timedelta(minutes=2))
    deleted = await client.delete(f"{API}/habits/{habit_id}/checkins/2026-06-09", headers=user.auth)
    after_delete = (await standings(client, owner, challenge))["items"][0]["met"]

    assert deleted.status_code == 204
    assert (kept, changed, after_delete) == (2, 1, 0)


async def test_fresh_figures_are_read_as_kept(client, accounts, runtime, frozen_clock):
    owner, user = await accounts.create(), await accounts.create()
    await settle_accounts(runtime)
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    habit_id = (await join(client, user, challenge)).json()["habit_id"]
    frozen_clock(JUNE_10)
    await check_in(client, user, habit_id, "2026-06-02")
    frozen_clock(JUNE_10 + timedelta(minutes=1))
    await standings(client, owner, challenge)

    async def computed_at() -> datetime | None:
        async with runtime.database.reader() as session:
            stamp: datetime | None = await session.scalar(select(ChallengeParticipant.computed_at))
            return stamp

    first = await computed_at()
    frozen_clock(JUNE_10 + timedelta(minutes=5))
    again = await standings(client, owner, challenge)

    assert first is not None
    assert await computed_at() == first
    assert again["items"][0]["met"] == 1


async def test_the_worker_recomputes_figures_gone_stale_at_the_end_of_a_day(
    client, accounts, runtime, frozen_clock
):
    owner, user = await accounts.create(), await accounts.create()
    await settle_accounts(runtime)
    frozen_clock(MAY)
    challenge = await create_challenge(client, owner)
    await join(client, user, challenge)
    frozen_clock(JUNE_10)
    before = (await standings(client, owner, challenge))["items"][0]
    next_day = JUNE_10 + timedelta(days=1)
    frozen_clock(next_day)

    await run_worker(runtime, next_day)

    async with runtime.database.reader() as session:
        computed_at = await session.scalar(select(ChallengeParticipant.computed_at))
    after = (await standings(client, owner, challenge))["items"][0]
    assert computed_at is not None
    assert computed_at > JUNE_10
    assert (before["due"], after["due"]) == (9, 10)  # June 10 was pending, now missed
