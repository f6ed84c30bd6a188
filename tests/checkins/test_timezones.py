"""A check-in lands on the user's local date: across zones, DST changes and day_start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import API, create_habit

ME = f"{API}/users/me"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local_date_in(zone: str, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


async def check_in_today(client, owner, habit: dict[str, Any]):
    return await client.put(
        f"{API}/habits/{habit['id']}/checkins/today", json={"status": "done"}, headers=owner.auth
    )


@pytest.mark.parametrize(
    "instant",
    [
        utc("2026-06-15T11:00:00"),  # Kiritimati 2026-06-16 01:00, Pago Pago 2026-06-15 00:00
        utc("2026-06-16T10:30:00"),  # Kiritimati 2026-06-17 00:30, Pago Pago 2026-06-15 23:30
    ],
)
async def test_users_at_both_ends_of_the_clock_check_in_today_on_their_own_dates(
    client, accounts, frozen_clock, instant
):
    east = await accounts.create(timezone="Pacific/Kiritimati")
    west = await accounts.create(timezone="Pacific/Pago_Pago")
    frozen_clock(instant)
    east_habit = await create_habit(client, east, start_date="2026-06-01")
    west_habit = await create_habit(client, west, start_date="2026-06-01")

    east_day = (await check_in_today(client, east, east_habit)).json()["date"]
    west_day = (await check_in_today(client, west, west_habit)).json()["date"]

    assert east_day == local_date_in("Pacific/Kiritimati", instant).isoformat()
    assert west_day == local_date_in("Pacific/Pago_Pago", instant).isoformat()


async def test_kiritimati_and_pago_pago_can_be_two_dates_apart(client, accounts, frozen_clock):
    east = await accounts.create(timezone="Pacific/Kiritimati")
    west = await accounts.create(timezone="Pacific/Pago_Pago")
    frozen_clock(utc("2026-06-16T10:30:00"))
    east_habit = await create_habit(client, east, start_date="2026-06-01")
    west_habit = await create_habit(client, west, start_date="2026-06-01")

    east_day = (await check_in_today(client, east, east_habit)).json()["date"]
    west_day = (await check_in_today(client, west, west_habit)).json()["date"]

    assert (east_day, west_day) == ("2026-06-17", "2026-06-15")


# (zone, instant, the local date then): around local midnight and inside the skipped or
# repeated hour of each DST change in 2026.
DST_INSTANTS = [
    # New York springs forward on 2026-03-08 at 02:00 EST (07:00Z) to 03:00 EDT.
    ("America/New_York", "2026-03-08T04:59:59", "2026-03-07"),
    ("America/New_York", "2026-03-08T05:00:00", "2026-03-08"),
    ("America/New_York", "2026-03-08T06:59:59", "2026-03-08"),
    ("America/New_York", "2026-03-08T07:00:00", "2026-03-08"),
    ("America/New_York", "2026-03-09T03:59:59", "2026-03-08"),
    ("America/New_York", "2026-03-09T04:00:00", "2026-03-09"),
    # New York falls back on 2026-11-01: 01:00..02:00 local happens at 05:00Z and at 06:00Z.
    ("America/New_York", "2026-11-01T03:59:59", "2026-10-31"),
    ("America/New_York", "2026-11-01T04:00:00", "2026-11-01"),
    ("America/New_York", "2026-11-01T05:30:00", "2026-11-01"),
    ("America/New_York", "2026-11-01T06:30:00", "2026-11-01"),
    ("America/New_York", "2026-11-02T04:59:59", "2026-11-01"),
    ("America/New_York", "2026-11-02T05:00:00", "2026-11-02"),
    # Berlin springs forward on 2026-03-29 at 02:00 CET (01:00Z) to 03:00 CEST.
    ("Europe/Berlin", "2026-03-28T22:59:59", "2026-03-28"),
    ("Europe/Berlin", "2026-03-28T23:00:00", "2026-03-29"),
    ("Europe/Berlin", "2026-03-29T00:30:00", "2026-03-29"),
    ("Europe/Berlin", "2026-03-29T01:30:00", "2026-03-29"),
    ("Europe/Berlin", "2026-03-29T21:59:59", "2026-03-29"),
    ("Europe/Berlin", "2026-03-29T22:00:00", "2026-03-30"),
    # Berlin falls back on 2026-10-25: 02:00..03:00 local happens at 00:00Z and at 01:00Z.
    ("Europe/Berlin", "2026-10-24T21:59:59", "2026-10-24"),
    ("Europe/Berlin", "2026-10-24T22:00:00", "2026-10-25"),
    ("Europe/Berlin", "2026-10-25T00:30:00", "2026-10-25"),
    ("Europe/Berlin", "2026-10-25T01:30:00", "2026-10-25"),
    ("Europe/Berlin", "2026-10-25T22:59:59", "2026-10-25"),
    ("Europe/Berlin", "2026-10-25T23:00:00", "2026-10-26"),
]


def test_the_dst_table_agrees_with_zoneinfo():
    for zone, instant, expected in DST_INSTANTS:
        assert local_date_in(zone, utc(instant)).isoformat() == expected, (zone, instant)


@pytest.mark.parametrize(("zone", "instant", "expected"), DST_INSTANTS)
async def test_today_around_a_dst_change_is_the_local_date(
    client, accounts, frozen_clock, zone, instant, expected
):
    owner = await accounts.create(timezone=zone)
    frozen_clock(utc(instant))
    habit = await create_habit(client, owner, start_date="2026-01-01")
    response = await check_in_today(client, owner, habit)
    assert response.status_code == 201, response.text
    assert response.json()["date"] == expected


@pytest.mark.parametrize(("zone", "instant", "expected"), DST_INSTANTS)
async def test_an_entry_recorded_around_a_dst_change_counts_for_the_local_date(
    client, accounts, frozen_clock, zone, instant, expected
):
    owner = await accounts.create(timezone=zone)
    frozen_clock(utc("2026-11-15T12:00:00"))
    habit = await create_habit(
        client, owner, kind="measurable", goal_value=5, start_date="2026-01-01"
    )
    response = await client.post(
        f"{API}/habits/{habit['id']}/entries",
        json={"value": 1, "recorded_at": instant + "Z"},
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text
    assert response.json()["date"] == expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-06-14T23:30:00", "2026-06-14"),  # 01:30 CEST on the 15th: still the 14th
        ("2026-06-15T01:59:59", "2026-06-14"),  # 03:59:59
        ("2026-06-15T02:00:00", "2026-06-15"),  # 04:00: a new day
    ],
)
async def test_with_day_start_4_today_begins_at_four_in_the_morning(
    client, accounts, frozen_clock, instant, expected
):
    owner = await accounts.create(timezone="Europe/Berlin")
    response = await client.patch(ME, json={"day_start": 4}, headers=owner.auth)
    assert response.status_code == 200, response.text
    frozen_clock(utc(instant))
    habit = await create_habit(client, owner, start_date="2026-06-01")
    response = await check_in_today(client, owner, habit)
    assert response.status_code == 201, response.text
    assert response.json()["date"] == expected


async def test_with_day_start_4_an_entry_at_half_past_one_counts_for_yesterday(
    client, accounts, frozen_clock
):
    owner = await accounts.create(timezone="Europe/Berlin")
    await client.patch(ME, json={"day_start": 4}, headers=owner.auth)
    frozen_clock(utc("2026-06-15T12:00:00"))
    habit = await create_habit(
        client, owner, kind="measurable", goal_value=5, start_date="2026-06-01"
    )
    response = await client.post(
        f"{API}/habits/{habit['id']}/entries",
        json={"value": 1, "recorded_at": "2026-06-14T23:30:00Z"},  # 01:30 on the 15th in Berlin
        headers=owner.auth,
    )
    assert response.json()["date"] == "2026-06-14"


async def test_changing_the_timezone_leaves_past_check_ins_on_their_dates(
    client, accounts, frozen_clock
):
    traveller = await accounts.create(timezone="Pacific/Kiritimati")
    instant = utc("2026-06-15T11:00:00")
    frozen_clock(instant)
    habit = await create_habit(client, traveller, start_date="2026-06-01")
    checked = await check_in_today(client, traveller, habit)
    assert checked.json()["date"] == "2026-06-16"

    response = await client.patch(
        ME, json={"timezone": "Pacific/Pago_Pago"}, headers=traveller.auth
    )
    assert response.status_code == 200, response.text
    frozen_clock(instant + timedelta(days=2))

    listed = await client.get(f"{API}/habits/{habit['id']}/checkins", headers=traveller.auth)
    assert [(c["date"], c["created_at"]) for c in listed.json()] == [
        ("2026-06-16", checked.json()["created_at"])
    ]


async def test_after_a_timezone_change_today_is_the_new_zones_date(client, accounts, frozen_clock):
    traveller = await accounts.create(timezone="Pacific/Kiritimati")
    frozen_clock(utc("2026-06-15T11:00:00"))
    habit = await create_habit(client, traveller, start_date="2026-06-01")
    await check_in_today(client, traveller, habit)
    await client.patch(ME, json={"timezone": "Pacific/Pago_Pago"}, headers=traveller.auth)
    response = await check_in_today(client, traveller, habit)
    assert response.status_code == 201, response.text
    assert response.json()["date"] == "2026-06-15"
