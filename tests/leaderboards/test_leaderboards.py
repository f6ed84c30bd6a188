from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.factories import API, Account, create_habit

BOARD_KEYS = {"items", "me"}
ITEM_KEYS = {"rank", "user_id", "display_name", "value"}


async def opt_in(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.patch(
        f"{API}/users/me", json={"leaderboard_opt_in": True}, headers=account.auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["leaderboard_opt_in"] is True


async def check_in(client: httpx.AsyncClient, account: Account, habit_id: Any, day: date) -> None:
    response = await client.put(
        f"{API}/habits/{habit_id}/checkins/{day.isoformat()}",
        json={"status": "done"},
        headers=account.auth,
    )
    assert response.status_code in (200, 201), response.text


async def test_global_board_lists_only_people_who_opted_in(client, accounts):
    alice, bob = await accounts.create("alice"), await accounts.create("bob")
    await opt_in(client, alice)
    for account in (alice, bob):
        habit = await create_habit(client, account, start_date="2026-01-01")
        await check_in(client, account, habit["id"], date.today())
    response = await client.get(f"{API}/leaderboards/current_streak", headers=bob.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == BOARD_KEYS
    assert [item["user_id"] for item in body["items"]] == [alice.id]
    assert set(body["items"][0]) == ITEM_KEYS
    assert body["items"][0]["value"] == 1
    assert body["me"] is None


async def test_equal_values_share_a_rank_and_the_first_to_reach_leads(client, accounts):
    people = [await accounts.create(f"person{n}") for n in range(3)]
    today = date.today()
    for days, account in zip((2, 2, 1), people, strict=True):
        await opt_in(client, account)
        habit = await create_habit(client, account, start_date="2026-01-01")
        for back in range(days):
            await check_in(client, account, habit["id"], today - timedelta(days=back))
    response = await client.get(
        f"{API}/leaderboards/current_streak?limit=10", headers=people[2].auth
    )
    body = response.json()
    assert [(i["user_id"], i["rank"], i["value"]) for i in body["items"]] == [
        (people[0].id, 1, 2),
        (people[1].id, 1, 2),
        (people[2].id, 3, 1),
    ]
    assert body["me"] == {"rank": 3, "value": 1}


async def test_opting_out_takes_you_off_the_global_board(client, accounts):
    alice = await accounts.create("alice")
    await opt_in(client, alice)
    await client.patch(f"{API}/users/me", json={"leaderboard_opt_in": False}, headers=alice.auth)
    response = await client.get(f"{API}/leaderboards/longest_streak", headers=alice.auth)
    assert response.json() == {"items": [], "me": None}


async def test_bad_scope_is_422_and_unknown_board_is_422(client, accounts):
    alice = await accounts.create("alice")
    bad = await client.get(f"{API}/leaderboards/current_streak?scope=team:1", headers=alice.auth)
    assert bad.status_code == 422
    unknown = await client.get(f"{API}/leaderboards/fastest", headers=alice.auth)
    assert unknown.status_code == 422


async def test_a_group_board_is_404_for_a_non_member(client, accounts):
    alice, bob = await accounts.create("alice"), await accounts.create("bob")
    group = await client.post(f"{API}/groups", json={"name": "Team"}, headers=alice.auth)
    group_id = group.json()["id"]
    mine = await client.get(
        f"{API}/leaderboards/current_streak?scope=group:{group_id}", headers=alice.auth
    )
    assert mine.status_code == 200
    assert mine.json()["me"] == {"rank": 1, "value": 0}
    theirs = await client.get(
        f"{API}/leaderboards/current_streak?scope=group:{group_id}", headers=bob.auth
    )
    assert theirs.status_code == 404


async def test_completions_this_week_count_met_days(client, accounts):
    alice = await accounts.create("alice")
    await opt_in(client, alice)
    habit = await create_habit(client, alice, start_date="2026-01-01")
    await check_in(client, alice, habit["id"], date.today())
    response = await client.get(f"{API}/leaderboards/completions_this_week", headers=alice.auth)
    assert response.json()["me"] == {"rank": 1, "value": 1}
    await client.delete(
        f"{API}/habits/{habit['id']}/checkins/{date.today().isoformat()}", headers=alice.auth
    )
    response = await client.get(f"{API}/leaderboards/completions_this_week", headers=alice.auth)
    assert response.json()["me"] == {"rank": 1, "value": 0}


async def board_of(client: httpx.AsyncClient, account: Account, board: str) -> dict[str, Any]:
    response = await client.get(f"{API}/leaderboards/{board}", headers=account.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_streak_lapses_and_a_week_rolls_over_without_any_write(
    client, accounts, frozen_clock
):
    """No check-in tells the board that a day was missed or a week ended: the read does."""
    alice = await accounts.create("alice", timezone="UTC")
    await opt_in(client, alice)
    habit = await create_habit(client, alice, start_date="2026-03-01")
    frozen_clock(datetime(2026, 3, 11, 12, tzinfo=UTC))  # a Wednesday
    for day in (9, 10, 11):  # Monday to Wednesday
        await check_in(client, alice, habit["id"], date(2026, 3, day))
    assert (await board_of(client, alice, "current_streak"))["me"] == {"rank": 1, "value": 3}
    assert (await board_of(client, alice, "completions_this_week"))["me"]["value"] == 3

    frozen_clock(datetime(2026, 3, 13, 12, tzinfo=UTC))  # Thursday the 12th was missed
    assert (await board_of(client, alice, "current_streak"))["me"]["value"] == 0
    assert (await board_of(client, alice, "longest_streak"))["me"]["value"] == 3
    assert (await board_of(client, alice, "completions_this_week"))["me"]["value"] == 3

    frozen_clock(datetime(2026, 3, 16, 12, tzinfo=UTC))  # the next Monday
    assert (await board_of(client, alice, "completions_this_week"))["me"]["value"] == 0
