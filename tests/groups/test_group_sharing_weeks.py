"""/groups/{id}/habits, /progress and /feed, beyond test_group_progress.py: admins' moderation,
weekly habits judged by each member's own week start (checked by hand and against the owner's
own stats), pagination, and the feed's event filter and re-sharing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from habitual.models import Event
from habitual.notifications.outbox import Notice, notify_many
from habitual.runtime import Runtime
from tests.factories import API, Account, create_habit
from tests.groups.test_groups import GROUPS, create_group, invite, join, member_of

HABIT_PROGRESS_FIELDS = {
    "habit_id",
    "habit_name",
    "archived",
    "met",
    "due",
    "success_rate",
    "current_streak",
    "streak_unit",
}
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

# 20:00 UTC on Wednesday 4 March 2026 is 09:00 on Thursday 5 March in Auckland (NZDT, +13) and
# 12:00 on Wednesday 4 March in Los Angeles (PST, -8).
NOW = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)


def habit_path(group: dict[str, Any], habit_id: int) -> str:
    return f"{GROUPS}/{group['id']}/habits/{habit_id}"


async def share(
    client: httpx.AsyncClient, user: Account, group: dict[str, Any], habit_id: int
) -> httpx.Response:
    return await client.put(habit_path(group, habit_id), headers=user.auth)


async def shared_ids(client: httpx.AsyncClient, user: Account, group: dict[str, Any]) -> list[int]:
    response = await client.get(f"{GROUPS}/{group['id']}/habits", headers=user.auth)
    assert response.status_code == 200, response.text
    return [item["habit_id"] for item in response.json()["items"]]


async def check_in(
    client: httpx.AsyncClient, owner: Account, habit_id: int, *days: str, status: str = "done"
) -> None:
    for day in days:
        response = await client.put(
            f"{API}/habits/{habit_id}/checkins/{day}", json={"status": status}, headers=owner.auth
        )
        assert response.status_code in (200, 201), response.text


async def settle(client: httpx.AsyncClient, user: Account, **preferences: Any) -> None:
    response = await client.patch(f"{API}/users/me", json=preferences, headers=user.auth)
    assert response.status_code == 200, response.text


# --- sharing --------------------------------------------------------------------------------


async def test_the_owner_and_admins_moderate_and_plain_members_may_not(client, accounts):
    owner, admin, member, other = [await accounts.create() for _ in range(4)]
    group = await create_group(client, owner)
    for user in (admin, member, other):
        code = (await invite(client, owner, group))["code"]
        assert (await join(client, user, code)).status_code == 201
    response = await client.patch(
        f"{GROUPS}/{group['id']}/members/{admin.id}", json={"role": "admin"}, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    habits = {}
    for user in (owner, admin, member, other):
        habits[user.id] = (await create_habit(client, user))["id"]
        assert (await share(client, user, group, habits[user.id])).status_code == 201

    def unshare(actor: Account, whose: Account) -> Any:
        return client.delete(habit_path(group, habits[whose.id]), headers=actor.auth)

    statuses = [
        (await unshare(other, member)).status_code,  # a plain member: not another's
        (await unshare(admin, owner)).status_code,  # an admin: not the owner's
        (await unshare(admin, member)).status_code,  # an admin: a plain member's
        (await unshare(owner, admin)).status_code,  # the owner: anyone's
    ]

    assert statuses == [403, 403, 204, 204]
    assert sorted(await shared_ids(client, owner, group)) == sorted(
        [habits[owner.id], habits[other.id]]
    )


async def test_shared_habits_are_paginated(client, accounts):
    owner = await accounts.create()
    group = await create_group(client, owner)
    ids = [(await create_habit(client, owner))["id"] for _ in range(3)]
    for habit_id in ids:
        await share(client, owner, group, habit_id)

    response = await client.get(
        f"{GROUPS}/{group['id']}/habits", params={"page": 2, "page_size": 2}, headers=owner.auth
    )

    body = response.json()
    assert (body["total"], body["page"], body["page_size"]) == (3, 2, 2)
    assert [item["habit_id"] for item in body["items"]] == ids[2:]


# --- progress ---------------------------------------------------------------------------------


@pytest.fixture
async def two_zones(client, accounts, frozen_clock):
    """Aroha in Auckland (weeks from Monday) and Lee in Los Angeles (weeks from Sunday), both
    in one group, each sharing a habit with check-ins made in their own days."""
    aroha, lee = await accounts.create(), await accounts.create()
    await settle(
        client, aroha, display_name="Aroha", timezone="Pacific/Auckland", week_start="monday"
    )
    await settle(client, lee, display_name="Lee", timezone="America/Los_Angeles", week_start="sun")
    frozen_clock(NOW)  # after logging in: access tokens expire by the real clock
    group = await member_of(client, aroha, lee)
    # Aroha's today is Thursday 5 March, her week Monday 2 to Sunday 8 March.
    daily = (await create_habit(client, aroha, name="Swim", start_date="2026-02-20"))["id"]
    await check_in(client, aroha, daily, "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03")
    await check_in(client, aroha, daily, "2026-03-05")
    # Lee's today is Wednesday 4 March, his week Sunday 1 to Saturday 7 March. The habit starts
    # inside the week of 15 February, so it is due from the week of 22 February.
    weekly = (
        await create_habit(
            client,
            lee,
            name="Climb",
            frequency="weekly",
            times_per_period=3,
            start_date="2026-02-20",
        )
    )["id"]
    await check_in(client, lee, weekly, "2026-02-22", "2026-02-23", "2026-02-24")
    await check_in(client, lee, weekly, "2026-03-01", "2026-03-02", "2026-03-03")
    for user, habit_id in ((aroha, daily), (lee, weekly)):
        assert (await share(client, user, group, habit_id)).status_code == 201
    return group, aroha, lee, daily, weekly


async def stats_of(
    client: httpx.AsyncClient, owner: Account, habit_id: int, first: str, last: str
) -> dict[str, Any]:
    """What the owner's own stats say of the habit, over the same dates."""
    response = await client.get(
        f"{API}/habits/{habit_id}/stats", params={"from": first, "to": last}, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    stats: dict[str, Any] = response.json()
    return stats


def as_progress(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "met": stats["met"],
        "due": stats["due"],
        "success_rate": stats["success_rate"],
        "current_streak": stats["current_streak"]["length"],
        "streak_unit": stats["streak_unit"],
    }


async def test_each_member_is_judged_in_their_own_week_and_time_zone(client, two_zones):
    group, aroha, lee, daily, weekly = two_zones

    response = await client.get(f"{GROUPS}/{group['id']}/progress", headers=lee.auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["group_id"] == group["id"]
    members = {member["user_id"]: member for member in body["members"]}
    assert [m["user_id"] for m in body["members"]] == [aroha.id, lee.id]
    hers, his = members[aroha.id], members[lee.id]
    assert (hers["display_name"], hers["from"], hers["to"]) == ("Aroha", "2026-03-02", "2026-03-08")
    assert (his["display_name"], his["from"], his["to"]) == ("Lee", "2026-03-01", "2026-03-07")
    assert set(hers["habits"][0]) == HABIT_PROGRESS_FIELDS
    swim = {key: hers["habits"][0][key] for key in HABIT_PROGRESS_FIELDS}
    climb = {key: his["habits"][0][key] for key in HABIT_PROGRESS_FIELDS}
    # By hand: Aroha met 2, 3 and 5 March (today) and missed the 4th; Lee met both whole weeks.
    assert swim == {
        "habit_id": daily,
        "habit_name": "Swim",
        "archived": False,
        "met": 3,
        "due": 4,
        "success_rate": 0.75,
        "current_streak": 1,
        "streak_unit": "days",
    }
    assert climb == {
        "habit_id": weekly,
        "habit_name": "Climb",
        "archived": False,
        "met": 1,
        "due": 1,
        "success_rate": 1.0,
        "current_streak": 2,
        "streak_unit": "weeks",
    }
    # And as each owner's own stats judge them, over their own week.
    for figures, owner, habit_id, member in ((swim, aroha, daily, hers), (climb, lee, weekly, his)):
        stats = await stats_of(client, owner, habit_id, member["from"], member["to"])
        assert {key: figures[key] for key in as_progress(stats)} == as_progress(stats)


async def test_a_week_from_monday_would_judge_lee_otherwise(client, two_zones):
    """The same check-ins, weeks from Monday: this week has two of three, the last whole week
    (23 February to 1 March) three. The week start is the member's own, not the caller's."""
    group, aroha, lee, _, weekly = two_zones
    await settle(client, lee, week_start="monday")

    body = (await client.get(f"{GROUPS}/{group['id']}/progress", headers=aroha.auth)).json()

    his = body["members"][1]
    assert (his["from"], his["to"]) == ("2026-03-02", "2026-03-08")
    climb = his["habits"][0]
    assert (climb["met"], climb["due"], climb["success_rate"], climb["current_streak"]) == (
        0,
        0,
        None,
        1,
    )
    stats = await stats_of(client, lee, weekly, his["from"], his["to"])
    assert {key: climb[key] for key in as_progress(stats)} == as_progress(stats)


async def test_a_range_given_is_the_same_dates_for_everyone(client, two_zones):
    group, aroha, lee, daily, weekly = two_zones
    first, last = "2026-02-22", "2026-03-07"

    response = await client.get(
        f"{GROUPS}/{group['id']}/progress", params={"from": first, "to": last}, headers=aroha.auth
    )

    members = response.json()["members"]
    assert [(m["from"], m["to"]) for m in members] == [(first, last)] * 2
    for member, owner, habit_id in zip(members, (aroha, lee), (daily, weekly), strict=True):
        stats = await stats_of(client, owner, habit_id, first, last)
        figures = member["habits"][0]
        assert {key: figures[key] for key in as_progress(stats)} == as_progress(stats)


async def test_a_member_who_shares_nothing_is_listed_with_no_habits(client, accounts):
    owner, member = await accounts.create(), await accounts.create()
    group = await member_of(client, owner, member)

    body = (await client.get(f"{GROUPS}/{group['id']}/progress", headers=member.auth)).json()

    assert [(m["user_id"], m["habits"]) for m in body["members"]] == [
        (owner.id, []),
        (member.id, []),
    ]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"from": "2026-03-08", "to": "2026-03-01"}, ["query", "from"]),
        ({"from": "2025-01-01", "to": "2026-01-02"}, ["query", "from"]),
        ({"from": "yesterday"}, ["query", "from"]),
    ],
)
async def test_a_bad_range_is_422(client, accounts, params, loc):
    owner = await accounts.create()
    group = await create_group(client, owner)

    response = await client.get(
        f"{GROUPS}/{group['id']}/progress", params=params, headers=owner.auth
    )

    assert response.status_code == 422
    assert loc in [error["loc"] for error in response.json()["errors"]]


# --- feed -------------------------------------------------------------------------------------


async def tell(
    runtime: Runtime, user: Account, habit_id: int, event: Event, at: datetime, **data: Any
) -> None:
    notice = Notice(
        user_id=user.id,
        habit_id=habit_id,
        event=event,
        dedupe_key=f"feed-test:{habit_id}:{event}:{at.isoformat()}",
        title="Something happened",
        body="A note that stays private.",
        data={"habit_id": habit_id} | data,
    )
    async with runtime.database.unit() as uow:
        await notify_many(await uow.connection(), [notice], now=at)


async def test_the_feed_tells_only_of_shared_habits_and_only_since_they_were_shared(
    client, accounts, runtime, frozen_clock
):
    owner, member = await accounts.create(), await accounts.create()
    await settle(client, member, display_name="Mira")
    group = await member_of(client, owner, member)
    shared = (await create_habit(client, member, name="Read"))["id"]
    private = (await create_habit(client, member, name="Therapy"))["id"]
    owners_private = (await create_habit(client, owner))["id"]
    shared_at = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    before, after = shared_at - timedelta(hours=1), shared_at + timedelta(hours=1)
    await tell(runtime, member, shared, Event.streak_milestone, before, length=7, unit="days")
    frozen_clock(shared_at)
    assert (await share(client, member, group, shared)).status_code == 201
    await tell(
        runtime,
        member,
        shared,
        Event.streak_milestone,
        after,
        length=30,
        unit="days",
        start="2026-02-03",
        end="2026-03-04",
        note="feeling low",
    )
    await tell(
        runtime,
        member,
        shared,
        Event.challenge_finished,
        after + timedelta(hours=1),
        challenge_id=5,
        rank=2,
        participants=9,
    )
    await tell(runtime, member, shared, Event.reminder, after + timedelta(hours=2))
    await tell(runtime, member, private, Event.goal_reached, after, date="2026-03-04", value=1)
    await tell(runtime, owner, owners_private, Event.streak_milestone, after, length=7, unit="days")

    response = await client.get(f"{GROUPS}/{group['id']}/feed", headers=owner.auth)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert all(set(item) == FEED_FIELDS for item in body["items"])
    assert [
        (i["event"], i["user_id"], i["display_name"], i["habit_id"], i["habit_name"], i["data"])
        for i in body["items"]
    ] == [
        ("challenge_finished", member.id, "Mira", shared, "Read", {"rank": 2, "participants": 9}),
        (
            "streak_milestone",
            member.id,
            "Mira",
            shared,
            "Read",
            {"length": 30, "unit": "days", "start": "2026-02-03", "end": "2026-03-04"},
        ),
    ]
    assert body["items"][1]["occurred_at"] == after.isoformat().replace("+00:00", "Z")


async def test_the_feed_forgets_a_habit_once_it_is_no_longer_shared(
    client, accounts, runtime, frozen_clock
):
    owner, member = await accounts.create(), await accounts.create()
    group = await member_of(client, owner, member)
    habit_id = (await create_habit(client, member))["id"]
    shared_at = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    frozen_clock(shared_at)
    await share(client, member, group, habit_id)
    await tell(runtime, member, habit_id, Event.goal_achieved, shared_at, target=10)
    feed = f"{GROUPS}/{group['id']}/feed"
    assert (await client.get(feed, headers=owner.auth)).json()["total"] == 1

    await client.delete(habit_path(group, habit_id), headers=member.auth)
    emptied = (await client.get(feed, headers=owner.auth)).json()
    frozen_clock(shared_at + timedelta(days=1))
    await share(client, member, group, habit_id)
    shared_again = (await client.get(feed, headers=owner.auth)).json()

    assert (emptied["total"], shared_again["total"]) == (0, 0)
