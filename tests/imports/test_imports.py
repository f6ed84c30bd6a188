"""/imports: our own export, Loop's backup and CSV, and HabitBull's CSV, into an account;
dry runs, idempotent re-imports and hostile files."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from habitual.models import Checkin, Habit, Reminder
from tests.exports.test_exports import NOW, export_json, full_account, ok
from tests.factories import API, PROBLEM_JSON, Account, Accounts

IMPORTS = f"{API}/imports"
DAY_MS = 86_400_000


async def send(
    client: httpx.AsyncClient,
    owner: Account,
    data: bytes,
    kind: str,
    *,
    dry_run: bool = False,
    name: str = "file",
) -> httpx.Response:
    return await client.post(
        IMPORTS,
        files={"file": (name, data)},
        data={"format": kind, "dry_run": "true" if dry_run else "false"},
        headers=owner.auth,
    )


async def counts(runtime: Any, owner: Account) -> tuple[int, int, int]:
    async with runtime.database.writer() as session:
        habits = await session.scalar(select(func.count()).where(Habit.user_id == owner.id))
        checkins = await session.scalar(select(func.count()).where(Checkin.user_id == owner.id))
        reminders = await session.scalar(select(func.count()).where(Reminder.user_id == owner.id))
    return habits or 0, checkins or 0, reminders or 0


# --- Loop's files, made from Loop's documented schema ----------------------------------------


def day_ms(day: str) -> int:
    from datetime import date

    return (date.fromisoformat(day) - date(1970, 1, 1)).days * DAY_MS


def loop_backup(version: int = 25) -> bytes:
    """A Loop backup: schema 25 (uuid, type, targets, values, notes) or 12 (none of those)."""
    connection = sqlite3.connect(":memory:")
    modern = version >= 16
    connection.executescript(
        "create table Habits (id integer primary key autoincrement, archived integer, "
        "color integer, description text, freq_den integer, freq_num integer, "
        "highlight integer, name text, position integer, reminder_hour integer, "
        "reminder_min integer, reminder_days integer not null default 127"
        + (
            ", type integer not null default 0, target_type integer not null default 0, "
            "target_value real not null default 0, unit text not null default '', "
            "question text, uuid text"
            if modern
            else ""
        )
        + ");"
        "create table Repetitions (id integer primary key autoincrement, habit integer, "
        "timestamp integer" + (", value integer not null, notes text" if modern else "") + ");"
    )
    habits = [
        # id, archived, color, freq_den, freq_num, name, position, hour, minute, days
        (1, 0, 8, 1, 1, "Read", 0, 7, 30, 0b0000100 | 0b1000000),  # Monday and Friday
        (2, 0, 11, 7, 3, "Gym", 1, None, None, 127),
        (3, 0, 0, 3, 1, "Water plants", 2, None, None, 127),
        (4, 1, 19, 3, 2, "Odd one", 3, None, None, 127),
        (5, 0, 5, 1, 1, "Read", 4, None, None, 127),  # Loop allows a second "Read"
    ]
    for row in habits:
        connection.execute(
            "insert into Habits (id, archived, color, freq_den, freq_num, name, position, "
            "reminder_hour, reminder_min, reminder_days) values (?,?,?,?,?,?,?,?,?,?)",
            row,
        )
    if modern:
        connection.execute("update Habits set uuid = 'uuid-' || id, question = 'Did you?'")
        connection.execute(
            "insert into Habits (id, archived, color, freq_den, freq_num, name, position, type, "
            "target_type, target_value, unit, uuid) values "
            "(6, 0, 2, 7, 1, 'Coffee', 5, 1, 1, 14.0, 'cups', 'uuid-6')"
        )
    reps = [
        (1, "2026-03-01", 2, "first"),
        (1, "2026-03-02", 3, None),  # skip
        (1, "2026-03-03", 1, None),  # Loop's own inference: not a check-in
        (1, "2026-03-04", 0, None),  # not done
        (2, "2026-03-05", 2, None),
        (3, "2026-03-06", 2, None),
        (1, "2026-04-30", 2, None),  # after "today": left out
    ]
    for habit, day, value, note in reps:
        if modern:
            connection.execute(
                "insert into Repetitions (habit, timestamp, value, notes) values (?,?,?,?)",
                (habit, day_ms(day), value, note),
            )
        else:
            connection.execute(
                "insert into Repetitions (habit, timestamp) values (?,?)", (habit, day_ms(day))
            )
    if modern:
        connection.execute(
            "insert into Repetitions (habit, timestamp, value) values (6, ?, 1500)",
            (day_ms("2026-03-07"),),
        )
    connection.execute(f"pragma user_version = {version}")
    connection.commit()
    data = connection.serialize()
    connection.close()
    return data


async def test_a_loop_backup_is_previewed_then_imported_once(
    client, accounts: Accounts, frozen_clock, runtime
):
    alice = await accounts.create("alice")
    frozen_clock(NOW)
    backup = loop_backup(25)

    preview = await send(client, alice, backup, "loop_db", dry_run=True)

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] is True
    assert await counts(runtime, alice) == (0, 0, 0)  # a dry run writes nothing
    plans = {plan["source_id"]: plan for plan in body["habits"]}
    assert plans["uuid-1"]["frequency"] == "daily"
    assert plans["uuid-2"]["frequency"] == "weekly"
    assert plans["uuid-2"]["times_per_period"] == 3
    assert plans["uuid-3"]["frequency"] == "every_n_days"
    assert plans["uuid-3"]["every_n_days"] == 3
    assert plans["uuid-4"]["archived"] is True
    assert plans["uuid-5"]["name"] == "Read (2)"
    coffee = plans["uuid-6"]
    assert (coffee["kind"], coffee["goal_type"], coffee["unit"]) == (
        "measurable",
        "at_most",
        "cups",
    )
    assert coffee["goal_value"] == 2.0  # 14 a week, judged per day
    assert any(w.startswith("Odd one:") and "2 times in 3 days" in w for w in body["warnings"])
    assert any(w.startswith("Read:") and "active habit" in w for w in body["warnings"])
    assert plans["uuid-1"]["checkins_new"] == 2  # done and skipped; inferred, not done, future out

    made = await send(client, alice, backup, "loop_db", name="Loop Habits Backup.db")

    assert made.status_code == 201, made.text
    result = made.json()
    assert (result["habits_created"], result["checkins_created"], result["reminders_created"]) == (
        6,
        body["checkins_created"],
        1,
    )
    assert result["checkins_created"] == 5
    habits = (await ok(await client.get(f"{API}/habits", headers=alice.auth)))["items"]
    read = next(habit for habit in habits if habit["name"] == "Read")
    assert read["color"] == "#00897b"
    days = await ok(await client.get(f"{API}/habits/{read['id']}/checkins", headers=alice.auth))
    assert sorted((c["date"], c["status"], c["note"]) for c in days) == [
        ("2026-03-01", "done", "first"),
        ("2026-03-02", "skipped", None),
    ]
    reminders = (await ok(await client.get(f"{API}/reminders", headers=alice.auth)))["items"]
    assert [(r["time"], r["days"]) for r in reminders] == [("07:30", ["monday", "friday"])]
    again = await ok(await client.get(f"{IMPORTS}/{result['id']}", headers=alice.auth))
    assert again == result

    second = await send(client, alice, backup, "loop_db")

    assert second.status_code == 201
    assert {key: second.json()[key] for key in ("habits_created", "habits_updated")} == {
        "habits_created": 0,
        "habits_updated": 0,
    }
    assert (second.json()["checkins_created"], second.json()["reminders_created"]) == (0, 0)
    assert await counts(runtime, alice) == (6, 5, 1)


async def test_an_old_loop_backup_without_values_counts_each_repetition_done(
    client, accounts: Accounts, frozen_clock
):
    alice = await accounts.create("alice")
    frozen_clock(NOW)

    made = await ok(await send(client, alice, loop_backup(12), "loop_db"))

    assert made["habits_created"] == 5
    assert made["checkins_created"] == 6  # every repetition up to today is a day done


async def test_our_loop_csv_export_comes_back(client, accounts: Accounts, frozen_clock, runtime):
    bob = await accounts.create("bob")
    alice, _, _ = await full_account(client, accounts, frozen_clock)
    archive = await client.get(f"{API}/export", params={"format": "loop"}, headers=alice.auth)

    made = await ok(await send(client, bob, archive.content, "loop_csv"))

    assert made["habits_created"] == 2
    habits = {
        habit["name"]: habit
        for habit in (await ok(await client.get(f"{API}/habits", headers=bob.auth)))["items"]
    }
    assert habits["Water"]["kind"] == "measurable"
    assert habits["Water"]["goal_value"] == 3
    assert habits["Read"]["color"] == "#aa3300"
    days = await ok(
        await client.get(f"{API}/habits/{habits['Read']['id']}/checkins", headers=bob.auth)
    )
    assert sorted((c["date"], c["status"], c["note"]) for c in days) == [
        ("2026-03-01", "done", "a good start"),
        ("2026-03-02", "skipped", None),
        ("2026-03-10", "done", None),
    ]
    water_days = await ok(
        await client.get(f"{API}/habits/{habits['Water']['id']}/checkins", headers=bob.auth)
    )
    assert [(c["date"], c["value"]) for c in water_days] == [("2026-03-10", 2.5)]
    assert (await ok(await send(client, bob, archive.content, "loop_csv")))["checkins_created"] == 0


async def test_habitbull_amounts_make_a_measurable_habit(client, accounts: Accounts, frozen_clock):
    alice = await accounts.create("alice")
    frozen_clock(NOW)
    csv_text = (
        "HabitName,HabitDescription,HabitCategory,CalendarDate,Value,CommentText\n"
        "Run,,Health,2026-03-01,1,\n"
        "Run,,Health,2026-03-02,0,\n"
        "Glasses of water,Daily,Health,3/1/2026,8,good\n"
        "Glasses of water,Daily,Health,3/2/2026,6,\n"
        "Glasses of water,Daily,Health,3/3/2026,1,\n"
    )

    made = await ok(await send(client, alice, csv_text.encode(), "habitbull_csv"))

    assert (made["habits_created"], made["checkins_created"]) == (2, 4)
    assert any("Glasses of water" in w and "median" in w for w in made["warnings"])
    assert any("'health'" in w for w in made["warnings"])  # no such category here
    habits = {
        habit["name"]: habit
        for habit in (await ok(await client.get(f"{API}/habits", headers=alice.auth)))["items"]
    }
    assert habits["Glasses of water"]["kind"] == "measurable"
    assert habits["Glasses of water"]["goal_value"] == 6
    assert habits["Run"]["kind"] == "boolean"


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    """An export without what differs between two accounts of the same data."""
    document = {**document}
    for key in ("exported_at", "categories"):
        document.pop(key)
    document["user"] = {
        key: value
        for key, value in document["user"].items()
        if key not in ("username", "email", "created_at")
    }
    habits = []
    for habit in document["habits"]:
        habit = {key: value for key, value in habit.items() if key not in ("id", "created_at")}
        habit["archived_at"] = habit["archived_at"] is not None
        habit["goals"] = [
            {key: value for key, value in goal.items() if key not in ("created_at", "closed_at")}
            for goal in habit["goals"]
        ]
        habits.append(habit)
    document["habits"] = habits
    return document


async def test_our_json_export_round_trips_through_an_import(
    client, accounts: Accounts, frozen_clock
):
    bob = await accounts.create("bob")
    alice, _, _ = await full_account(client, accounts, frozen_clock)
    original = await export_json(client, alice)
    raw = await client.get(f"{API}/export", params={"format": "json"}, headers=alice.auth)

    made = await ok(await send(client, bob, raw.content, "habitual_json"))

    assert made["habits_created"] == 2
    copy = await export_json(client, bob)
    assert _comparable(copy) == _comparable(original)
    again = await ok(await send(client, bob, raw.content, "habitual_json"))
    assert (again["habits_created"], again["checkins_created"], again["reminders_created"]) == (
        0,
        0,
        0,
    )
    assert _comparable(await export_json(client, bob)) == _comparable(original)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE = [
    ("loop_db", b"not a database at all", "not a SQLite database"),
    ("loop_db", b"SQLite format 3\x00" + b"\x00" * 200, "cannot be read"),
    ("loop_csv", b"PK\x03\x04garbage", "cannot be read"),
    ("loop_csv", _zip({"Habits.csv": b"\0" * (300 * 1024 * 1024 // 1000)}), "not a text file"),
    ("loop_csv", _zip({"Habits.csv": b"Position,Name\n" + b"," * 2_000_000}), "columns"),
    (
        "habitbull_csv",
        "HabitName,HabitDescription,HabitCategory\nCaf\u00e9".encode("latin-1"),
        "UTF-8",
    ),
    ("habitbull_csv", b"Name,Date\n", "HabitBull's header"),
    ("habitual_json", b'{"schema_version": 99}', "newer Habitual"),
    ("habitual_json", b"[" * 100_000, "JSON object"),
    ("habitual_json", b'{"schema_version": 1, "habits": [{"name": ""}]}', "habits.0"),
]


@pytest.mark.parametrize(("kind", "data", "reason"), HOSTILE)
async def test_a_bad_or_hostile_file_is_a_422_that_writes_nothing(
    client, accounts: Accounts, runtime, kind, data, reason
):
    alice = await accounts.create("alice")

    response = await send(client, alice, data, kind)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert reason in response.json()["detail"]
    assert await counts(runtime, alice) == (0, 0, 0)


async def test_a_zip_bomb_is_refused_by_what_it_unpacks(client, accounts: Accounts, runtime):
    alice = await accounts.create("alice")
    limit = runtime.settings.import_max_bytes
    bomb = _zip({"Habits.csv": b"Position,Name\n" + b"1" * (limit + 10)})
    assert len(bomb) < limit // 100

    response = await send(client, alice, bomb, "loop_csv")

    assert response.status_code == 422
    assert "unpacks to more than" in response.json()["detail"]


async def test_a_file_over_the_limit_is_a_413(client, accounts: Accounts, runtime):
    alice = await accounts.create("alice")
    data = b"x" * (runtime.settings.import_max_bytes + 1)

    response = await send(client, alice, data, "habitbull_csv")

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_another_persons_import_is_a_404(client, accounts: Accounts, frozen_clock):
    alice = await accounts.create("alice")
    bob = await accounts.create("bob")
    frozen_clock(NOW)
    made = await ok(await send(client, alice, loop_backup(), "loop_db"))

    assert (await client.get(f"{IMPORTS}/{made['id']}", headers=bob.auth)).status_code == 404
    listed = await ok(await client.get(IMPORTS, headers=bob.auth))
    assert listed["total"] == 0
    mine = await ok(await client.get(IMPORTS, headers=alice.auth))
    assert [item["id"] for item in mine["items"]] == [made["id"]]
