"""/export: the caller's whole account as JSON, as CSV files, or in Loop Habit Tracker's layout."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from habitual.models import PersonalAccessToken, User
from tests.factories import API, PROBLEM_JSON, Account, Accounts, create_habit

EXPORT = f"{API}/export"
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
TODAY = "2026-03-11"
PHONE = "+49 30 901820"
TOP_LEVEL = {"schema_version", "exported_at", "user", "categories", "habits", "fitness"}
USER_FIELDS = {
    "username",
    "email",
    "display_name",
    "timezone",
    "week_start",
    "day_start",
    "leaderboard_opt_in",
    "created_at",
    "first_name",
    "last_name",
    "dob",
    "bio",
}
HABIT_FIELDS = {
    "id",
    "name",
    "description",
    "kind",
    "unit",
    "color",
    "icon",
    "position",
    "archived_at",
    "start_date",
    "end_date",
    "data_source_metric",
    "created_at",
    "category_names",
    "rules",
    "checkins",
    "reminders",
    "goals",
}
RULE_FIELDS = {
    "effective_from",
    "frequency",
    "times_per_period",
    "target_days",
    "every_n_days",
    "goal_value",
    "goal_type",
}
GOAL_FIELDS = {
    "target",
    "start_date",
    "end_date",
    "consecutive",
    "state",
    "achieved_on",
    "closed_at",
    "created_at",
}
SAMPLE_FIELDS = (
    "source",
    "sample_key",
    "metric",
    "value",
    "start_at",
    "end_at",
    "version",
    "local_date",
)


async def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


async def check_in(
    client: httpx.AsyncClient, owner: Account, habit: dict[str, Any], day: str, **body: Any
) -> None:
    url = f"{API}/habits/{habit['id']}/checkins/{day}"
    await ok(await client.put(url, json=body or {"status": "done"}, headers=owner.auth))


async def full_account(client: httpx.AsyncClient, accounts: Accounts, frozen_clock: Any):
    """Alice with a profile, a category, a yes/no habit with a changed rule, check-ins, a
    reminder and a goal, a measurable habit, and fitness data. Logged in by the real clock."""
    admin = await accounts.create_admin()
    alice = await accounts.create("alice")
    frozen_clock(NOW)
    mind = await ok(
        await client.post(f"{API}/categories", json={"name": "Mind"}, headers=admin.auth)
    )
    await ok(
        await client.patch(
            f"{API}/users/me",
            json={"phone": PHONE, "display_name": "Ada"},
            headers=alice.auth,
        )
    )
    profile = {"first_name": "Alice", "bio": "Hi", "dob": "1990-05-17"}
    await ok(await client.put(f"{API}/users/me/profile", json=profile, headers=alice.auth))
    read = await create_habit(
        client,
        alice,
        name="Read",
        description="Ten pages",
        start_date="2026-03-01",
        category_ids=[mind["id"]],
        color="#aa3300",
    )
    water = await create_habit(
        client,
        alice,
        name="Water",
        kind="measurable",
        goal_value=2,
        unit="l",
        start_date="2026-03-05",
    )
    # A new rule from today on: the habit keeps both versions.
    await ok(
        await client.patch(
            f"{API}/habits/{water['id']}", json={"goal_value": 3}, headers=alice.auth
        )
    )
    await check_in(client, alice, read, "2026-03-01", status="done", note="a good start")
    await check_in(client, alice, read, "2026-03-02", status="skipped")
    await check_in(client, alice, read, "2026-03-10")
    await check_in(client, alice, water, "2026-03-10", status="done", value=2.5)
    await ok(
        await client.post(
            f"{API}/reminders",
            json={
                "habit_id": read["id"],
                "time": "07:30",
                "days": ["monday", "friday"],
                "message": "Read!",
            },
            headers=alice.auth,
        )
    )
    await ok(
        await client.post(
            f"{API}/habits/{read['id']}/goals", json={"target": 5}, headers=alice.auth
        )
    )
    sample = {"metric": "steps", "value": 4200, "start": "2026-03-10T09:00:00Z", "source": "phone"}
    stored = await ok(
        await client.post(f"{API}/fitness/samples", json={"samples": [sample]}, headers=alice.auth)
    )
    assert stored["accepted"] == 1, stored
    await client.put(f"{API}/fitness/goals/steps", json={"daily_target": 8000}, headers=alice.auth)
    return alice, read, water


async def export_json(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    response = await client.get(EXPORT, params={"format": "json"}, headers=owner.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


async def export_zip(client: httpx.AsyncClient, owner: Account, kind: str) -> zipfile.ZipFile:
    response = await client.get(EXPORT, params={"format": kind}, headers=owner.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def rows_of(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode())))


async def test_the_json_export_holds_the_account_with_each_habits_history(
    client, accounts, frozen_clock
):
    alice, read, water = await full_account(client, accounts, frozen_clock)

    response = await client.get(EXPORT, headers=alice.auth)  # json unless told otherwise
    document = response.json()

    disposition = f'attachment; filename="habitual-export-alice-{TODAY}.json"'
    assert response.headers["content-disposition"] == disposition
    assert set(document) == TOP_LEVEL
    assert document["schema_version"] == 1
    assert document["exported_at"] == "2026-03-11T12:00:00Z"
    assert set(document["user"]) == USER_FIELDS
    assert document["user"]["username"] == "alice"
    assert document["user"]["first_name"] == "Alice"
    assert document["user"]["dob"] == "1990-05-17"
    assert document["categories"] == [
        {"name": "Mind", "description": None, "icon": None, "color": None}
    ]
    habits = {habit["name"]: habit for habit in document["habits"]}
    assert list(habits) == ["Read", "Water"]
    habit = habits["Read"]
    assert set(habit) == HABIT_FIELDS
    assert habit["id"] == read["id"]
    assert habit["color"] == "#aa3300"
    assert habit["category_names"] == ["Mind"]
    manual = {"value": None, "origin": "manual"}
    assert habit["checkins"] == [
        {"date": "2026-03-01", "status": "done", "note": "a good start"} | manual,
        {"date": "2026-03-02", "status": "skipped", "note": None} | manual,
        {"date": "2026-03-10", "status": "done", "note": None} | manual,
    ]
    assert habit["reminders"] == [
        {
            "time": "07:30",
            "days": ["monday", "friday"],
            "message": "Read!",
            "channels": ["inapp"],
            "active": True,
        }
    ]
    [goal] = habit["goals"]
    assert set(goal) == GOAL_FIELDS
    assert (goal["target"], goal["start_date"], goal["state"]) == (5, TODAY, "open")
    [rule] = habit["rules"]
    assert set(rule) == RULE_FIELDS
    assert rule["effective_from"] == "2026-03-01"
    assert [r["goal_value"] for r in habits["Water"]["rules"]] == [2, 3]
    assert [r["effective_from"] for r in habits["Water"]["rules"]] == ["2026-03-05", TODAY]
    assert habits["Water"]["checkins"][0]["value"] == 2.5
    [sample] = document["fitness"]["samples"]
    assert set(sample) == set(SAMPLE_FIELDS)
    assert (sample["metric"], sample["value"]) == ("steps", 4200)
    assert document["fitness"]["goals"] == [{"metric": "steps", "daily_target": 8000}]
    assert water["id"] == habits["Water"]["id"]


async def test_no_secret_appears_anywhere_in_the_export(client, accounts, runtime):
    alice = await accounts.create("alice")
    token = await accounts.personal_token(alice, "habits:read")
    await client.patch(f"{API}/users/me", json={"phone": PHONE}, headers=alice.auth)
    await create_habit(client, alice, name="Read")
    async with runtime.database.unit() as uow:
        password_hash = await uow.session.scalar(
            select(User.password_hash).where(User.id == alice.id)
        )
        token_hash = await uow.session.scalar(select(PersonalAccessToken.token_hash))

    for kind in ("json", "csv", "loop"):
        response = await client.get(
            EXPORT, params={"format": kind}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        if kind == "json":
            texts = [response.text]
        else:
            archive = zipfile.ZipFile(io.BytesIO(response.content))
            texts = [archive.read(name).decode() for name in archive.namelist()]
        assert password_hash
        assert token_hash
        for text in texts:
            assert password_hash not in text
            assert token_hash not in text
            assert token not in text
            assert alice.access_token not in text
            assert "+4930901820" not in text
            assert "password" not in text


async def test_another_users_habits_never_appear(client, accounts):
    alice = await accounts.create("alice")
    bob = await accounts.create("bob")
    await create_habit(client, alice, name="Alice reads")
    bobs = await create_habit(client, bob, name="Bob runs")
    await client.put(
        f"{API}/habits/{bobs['id']}/checkins/{datetime.now(UTC).date()}",
        json={"status": "done", "note": "bob's note"},
        headers=bob.auth,
    )

    document = await export_json(client, alice)
    archive = await export_zip(client, alice, "csv")
    loop = await export_zip(client, alice, "loop")

    assert [habit["name"] for habit in document["habits"]] == ["Alice reads"]
    assert "Bob" not in json.dumps(document)
    for zipped in (archive, loop):
        for name in zipped.namelist():
            assert "Bob" not in name
            assert "Bob" not in zipped.read(name).decode()
            assert "bob's note" not in zipped.read(name).decode()


async def test_the_csv_zip_holds_four_files_with_their_headers_and_rows(
    client, accounts, frozen_clock
):
    alice, read, water = await full_account(client, accounts, frozen_clock)

    response = await client.get(EXPORT, params={"format": "csv"}, headers=alice.auth)
    archive = zipfile.ZipFile(io.BytesIO(response.content))

    assert response.headers["content-disposition"] == (
        f'attachment; filename="habitual-export-alice-{TODAY}.zip"'
    )
    assert archive.namelist() == ["habits.csv", "checkins.csv", "reminders.csv", "fitness.csv"]
    habits = rows_of(archive, "habits.csv")
    assert habits[0][:4] == ["id", "name", "description", "kind"]
    assert habits[0][-7:] == [
        "category_names",
        "frequency",
        "times_per_period",
        "target_days",
        "every_n_days",
        "goal_value",
        "goal_type",
    ]
    assert [(row[0], row[1], row[12]) for row in habits[1:]] == [
        (str(read["id"]), "Read", "Mind"),
        (str(water["id"]), "Water", ""),
    ]
    checkins = rows_of(archive, "checkins.csv")
    assert checkins == [
        ["habit_id", "habit_name", "date", "status", "value", "note", "origin"],
        [str(read["id"]), "Read", "2026-03-01", "done", "", "a good start", "manual"],
        [str(read["id"]), "Read", "2026-03-02", "skipped", "", "", "manual"],
        [str(read["id"]), "Read", "2026-03-10", "done", "", "", "manual"],
        [str(water["id"]), "Water", "2026-03-10", "done", "2.5", "", "manual"],
    ]
    assert rows_of(archive, "reminders.csv") == [
        ["habit_id", "habit_name", "time", "days", "message", "channels", "active"],
        [str(read["id"]), "Read", "07:30", "monday;friday", "Read!", "inapp", "true"],
    ]
    fitness = rows_of(archive, "fitness.csv")
    assert fitness[0] == list(SAMPLE_FIELDS)
    assert [(row[2], row[3], row[7]) for row in fitness[1:]] == [("steps", "4200.0", "2026-03-10")]


async def test_the_loop_zip_has_loops_files_and_values(client, accounts, frozen_clock):
    alice, _, _ = await full_account(client, accounts, frozen_clock)

    archive = await export_zip(client, alice, "loop")

    assert set(archive.namelist()) == {
        "Habits.csv",
        "Checkmarks.csv",
        "Scores.csv",
        "001 Read/Checkmarks.csv",
        "001 Read/Scores.csv",
        "002 Water/Checkmarks.csv",
        "002 Water/Scores.csv",
    }
    assert rows_of(archive, "Habits.csv") == [
        [
            "Position",
            "Name",
            "Type",
            "Question",
            "Description",
            "FrequencyNumerator",
            "FrequencyDenominator",
            "Color",
            "Unit",
            "Target Type",
            "Target Value",
            "Archived?",
        ],
        [
            "001",
            "Read",
            "YES_NO",
            "",
            "Ten pages",
            "1",
            "1",
            "#AA3300",
            "",
            "AT_LEAST",
            "0.0",
            "false",
        ],
        ["002", "Water", "NUMERICAL", "", "", "1", "1", "#00897B", "l", "AT_LEAST", "3.0", "false"],
    ]
    # Newest first; a done day YES_MANUAL, a skip SKIP, a measurable value x 1000; notes kept.
    assert rows_of(archive, "001 Read/Checkmarks.csv") == [
        ["Date", "Value", "Notes"],
        ["2026-03-10", "YES_MANUAL", ""],
        ["2026-03-02", "SKIP", ""],
        ["2026-03-01", "YES_MANUAL", "a good start"],
    ]
    assert rows_of(archive, "002 Water/Checkmarks.csv")[1:] == [["2026-03-10", "2500", ""]]
    scores = rows_of(archive, "001 Read/Scores.csv")
    assert scores.pop(0) == ["Date", "Score"]
    assert [row[0] for row in scores] == [f"2026-03-{day:02d}" for day in range(11, 0, -1)]
    assert all(0 < float(row[1]) < 1 and len(row[1]) == 6 for row in scores)
    assert scores[1][1] > scores[2][1]  # the done day raised it
    checkmarks = rows_of(archive, "Checkmarks.csv")
    assert checkmarks[0] == ["Date", "Read", "Water", ""]
    assert checkmarks[1:3] == [
        [TODAY, "UNKNOWN", "UNKNOWN", ""],
        ["2026-03-10", "YES_MANUAL", "2500", ""],
    ]
    assert checkmarks[-1] == ["2026-03-01", "YES_MANUAL", "UNKNOWN", ""]
    all_scores = rows_of(archive, "Scores.csv")
    assert all_scores[0] == ["Date", "Read", "Water", ""]
    assert [row[1] for row in all_scores[1:]] == [row[1] for row in scores]


async def test_a_met_week_fills_its_other_days_as_loops_yes_auto(client, accounts, frozen_clock):
    alice = await accounts.create("alice")
    frozen_clock(NOW)
    habit = await create_habit(
        client, alice, name="Swim", frequency="weekly", times_per_period=1, start_date="2026-03-02"
    )
    await check_in(client, alice, habit, "2026-03-04")  # the week of Monday 2 March

    archive = await export_zip(client, alice, "loop")

    marks = rows_of(archive, "001 Swim/Checkmarks.csv")
    assert [row[:2] for row in marks[1:]] == [
        ["2026-03-08", "YES_AUTO"],
        ["2026-03-07", "YES_AUTO"],
        ["2026-03-06", "YES_AUTO"],
        ["2026-03-05", "YES_AUTO"],
        ["2026-03-04", "YES_MANUAL"],
        ["2026-03-03", "YES_AUTO"],
        ["2026-03-02", "YES_AUTO"],
    ]
    assert rows_of(archive, "Habits.csv")[1][5:7] == ["1", "7"]


@pytest.mark.parametrize("kind", ["xml", "JSON", ""])
async def test_an_unknown_format_is_a_validation_problem(client, accounts, kind):
    alice = await accounts.create()

    response = await client.get(EXPORT, params={"format": kind}, headers=alice.auth)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["loc"] == ["query", "format"]


async def test_a_token_without_habits_read_is_forbidden(client, accounts):
    alice = await accounts.create()
    token = await accounts.personal_token(alice, "checkins:write")

    response = await client.get(EXPORT, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_anonymous_is_unauthorized(client):
    response = await client.get(EXPORT)

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
