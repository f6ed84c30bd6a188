"""What the API takes as a date, an instant or a number: ISO text and plain integers only.

Lax parsing read `from=0` as 1970-01-01, `true` as 1 and `"5"` as 5. The types in
habitual.kit.schemas refuse all of that once for every route; these tests go through the routes.
"""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import API, PROBLEM_JSON, Account, Accounts, create_habit

# Requests are read-only or refused, so one account serves every example of a property.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

NOT_PLAIN_DIGITS = ["+1", "-1", " 1", "1 ", "1_0", "1.0", "1e0", "0x1", "\uff11", "1" * 20]
NOT_ISO_DATES = [
    "0",
    "20260115",
    "1768435200",
    "2026-01-15T00:00:00",
    "2026-01-15T00:00:00Z",
    "2026-1-15",
    "\uff12026-01-15",
    "15.01.2026",
]
LAX_INTEGERS: list[Any] = [True, False, "3", "3.0", 3.0, [3]]
NOT_ISO_INSTANTS: list[Any] = [0, 1_768_435_200, "1768435200", 1.5e9, True, "2026-01-15"]
OUT_OF_RANGE_INSTANTS = [
    "9999-12-31T23:00:00-05:00",  # past year 9999 in UTC
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59Z",
    "1899-12-31T23:59:59Z",
]


def assert_refused(response: httpx.Response, loc: list[Any]) -> None:
    """A 422 problem that names `loc`, and says what is wrong there."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert loc in [error["loc"] for error in problem["errors"]], problem
    assert ".".join(map(str, loc)) in problem["detail"]


@pytest.fixture
async def alice(accounts: Accounts) -> Account:
    return await accounts.create()


@pytest.fixture
async def habit(client, alice) -> dict[str, Any]:
    return await create_habit(client, alice, name="Read", start_date="2026-01-01")


@pytest.fixture
async def steps(client, alice) -> dict[str, Any]:
    return await create_habit(
        client, alice, name="Walk", kind="measurable", goal_value=10, unit="km"
    )


# --- integers in paths and queries: plain decimal digits -------------------------------------


@pytest.mark.parametrize("text", NOT_PLAIN_DIGITS)
async def test_an_id_in_a_path_is_plain_decimal_digits(client, alice, habit, text):
    response = await client.get(f"{API}/habits/{text}", headers=alice.auth)

    assert_refused(response, ["path", "habit_id"])


@pytest.mark.parametrize(
    "path",
    [
        "/habits/{text}/checkins",
        "/habits/{text}/stats",
        "/reminders/{text}",
        "/notifications/{text}/read",
        "/users/me/tokens/{text}",
        "/webhooks/{text}/deliveries",
    ],
)
async def test_every_id_in_a_path_is_plain_decimal_digits(client, alice, path):
    url = API + path.format(text="+1")
    method = "DELETE" if "tokens" in path else "POST" if path.endswith("/read") else "GET"

    response = await client.request(method, url, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][0] == "path"


@pytest.mark.parametrize("name", ["page", "page_size"])
@pytest.mark.parametrize("text", ["+1", "1.0", "1_0", " 2", "true"])
async def test_paging_numbers_are_plain_decimal_digits(client, alice, name, text):
    response = await client.get(f"{API}/habits", params={name: text}, headers=alice.auth)

    assert_refused(response, ["query", name])


@pytest.mark.parametrize(("name", "text"), [("habit_id", "+1"), ("habit_id", "1.0")])
async def test_a_habit_id_in_a_query_is_plain_decimal_digits(client, alice, habit, name, text):
    response = await client.get(f"{API}/progress", params={name: text}, headers=alice.auth)

    assert_refused(response, ["query", name])


async def test_a_year_is_plain_decimal_digits(client, alice, habit):
    url = f"{API}/habits/{habit['id']}/calendar.svg"
    response = await client.get(url, params={"year": "+2026"}, headers=alice.auth)

    assert_refused(response, ["query", "year"])


async def test_plain_digits_with_leading_zeros_are_the_same_id(client, alice, habit):
    response = await client.get(f"{API}/habits/000{habit['id']}", headers=alice.auth)

    assert response.status_code == 200
    assert response.json()["id"] == habit["id"]


def not_plain_digits(text: str) -> bool:
    return not (text.isascii() and text.isdigit()) and text not in {".", ".."}


@PROPERTY
@given(
    text=st.text(
        st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=25
    ).filter(not_plain_digits)
)
async def test_any_path_id_that_is_not_plain_digits_is_refused(client, alice, text):
    response = await client.get(f"{API}/habits/{quote(text, safe='')}", headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON


@PROPERTY
@given(number=st.integers(min_value=1, max_value=2**63 - 1))
async def test_any_id_within_the_range_is_looked_up(client, alice, number):
    response = await client.get(f"{API}/habits/{number}", headers=alice.auth)

    assert response.status_code == 404


# --- dates in paths and queries: YYYY-MM-DD ------------------------------------------------


@pytest.mark.parametrize("text", NOT_ISO_DATES)
@pytest.mark.parametrize("name", ["from", "to"])
async def test_a_check_in_range_takes_iso_dates_only(client, alice, habit, name, text):
    url = f"{API}/habits/{habit['id']}/checkins"

    response = await client.get(url, params={name: text}, headers=alice.auth)

    assert_refused(response, ["query", name])


@pytest.mark.parametrize(
    "path", ["/progress", "/stats", "/habits/{id}/stats", "/habits/{id}/trend.svg"]
)
async def test_every_date_range_takes_iso_dates_only(client, alice, habit, path):
    url = API + path.format(id=habit["id"])

    response = await client.get(url, params={"from": "0"}, headers=alice.auth)

    assert_refused(response, ["query", "from"])


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"])
async def test_a_check_in_range_is_within_the_calendar(client, alice, habit, text):
    url = f"{API}/habits/{habit['id']}/checkins"

    response = await client.get(url, params={"from": text}, headers=alice.auth)

    assert_refused(response, ["query", "from"])
    assert "1900-01-01" in response.json()["detail"]


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31"])
async def test_a_check_in_day_is_within_the_calendar(client, alice, habit, text):
    url = f"{API}/habits/{habit['id']}/checkins/{text}"

    response = await client.put(url, json={"status": "done"}, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"loc": ["path", "date"], "msg": "date must be between 1900-01-01 and 2200-12-31."}
    ]


@PROPERTY
@given(text=st.text(alphabet=string.printable, max_size=12))
async def test_any_text_but_an_iso_date_is_refused_as_from(client, alice, text):
    url = f"{API}/progress"

    response = await client.get(url, params={"from": text}, headers=alice.auth)

    if response.status_code != 200:
        assert_refused(response, ["query", "from"])
    else:  # the only texts taken: YYYY-MM-DD (or nothing: no `from` at all)
        assert text == "" or (len(text) == 10 and text[4] == text[7] == "-")


# --- numbers, flags and dates in bodies: JSON types, not text ------------------------------


@pytest.mark.parametrize("value", LAX_INTEGERS)
@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("position", {}),
        ("times_per_period", {"frequency": "weekly"}),
        ("every_n_days", {"frequency": "every_n_days"}),
    ],
)
async def test_a_habits_counts_are_json_integers(client, alice, field, extra, value):
    body = {"name": "Read"} | extra | {field: value}

    response = await client.post(f"{API}/habits", json=body, headers=alice.auth)

    assert_refused(response, ["body", field])


@pytest.mark.parametrize("value", [0, 20260115, "20260115", "2026-01-15T00:00:00", True])
@pytest.mark.parametrize("field", ["start_date", "end_date"])
async def test_a_habits_dates_are_iso_text(client, alice, field, value):
    body = {"name": "Read", field: value}

    response = await client.post(f"{API}/habits", json=body, headers=alice.auth)

    assert_refused(response, ["body", field])


@pytest.mark.parametrize("value", ["true", 1, "1"])
async def test_archiving_takes_a_json_boolean(client, alice, habit, value):
    url = f"{API}/habits/{habit['id']}"

    response = await client.patch(url, json={"archived": value}, headers=alice.auth)

    assert_refused(response, ["body", "archived"])


@pytest.mark.parametrize("value", ["5", True])
async def test_a_check_in_value_is_a_json_number(client, alice, steps, value):
    url = f"{API}/habits/{steps['id']}/checkins/today"

    response = await client.put(url, json={"status": "done", "value": value}, headers=alice.auth)

    assert_refused(response, ["body", "value"])


@pytest.mark.parametrize("value", LAX_INTEGERS)
async def test_a_reminders_habit_id_is_a_json_integer(client, alice, habit, value):
    body = {"habit_id": value, "time": "07:30"}

    response = await client.post(f"{API}/reminders", json=body, headers=alice.auth)

    assert_refused(response, ["body", "habit_id"])


async def test_a_reminders_active_flag_is_a_json_boolean(client, alice, habit):
    body = {"habit_id": habit["id"], "time": "07:30", "active": "yes"}

    response = await client.post(f"{API}/reminders", json=body, headers=alice.auth)

    assert_refused(response, ["body", "active"])


@pytest.mark.parametrize("value", [True, "4", 4.0])
async def test_day_start_is_a_json_integer(client, alice, value):
    response = await client.patch(f"{API}/users/me", json={"day_start": value}, headers=alice.auth)

    assert_refused(response, ["body", "day_start"])


@pytest.mark.parametrize("value", ["2000-01-01T00:00:00", "20000101", 946684800])
async def test_a_date_of_birth_is_iso_text(client, alice, value):
    response = await client.put(f"{API}/users/me/profile", json={"dob": value}, headers=alice.auth)

    assert_refused(response, ["body", "dob"])


# --- instants in bodies: ISO 8601 with an offset, within the calendar -----------------------


async def post_token(client: httpx.AsyncClient, owner: Account, expires_at: Any) -> httpx.Response:
    body = {"name": "script", "scopes": ["habits:read"], "expires_at": expires_at}
    return await client.post(f"{API}/users/me/tokens", json=body, headers=owner.auth)


@pytest.mark.parametrize("value", OUT_OF_RANGE_INSTANTS)
async def test_a_token_expiry_beyond_the_calendar_is_refused(client, alice, value):
    response = await post_token(client, alice, value)

    assert_refused(response, ["body", "expires_at"])
    assert "2999-12-31T23:59:59Z" in response.json()["detail"]


@pytest.mark.parametrize("value", NOT_ISO_INSTANTS)
async def test_a_token_expiry_is_iso_text(client, alice, value):
    response = await post_token(client, alice, value)

    assert_refused(response, ["body", "expires_at"])


async def test_a_token_expiry_at_the_end_of_the_range_is_kept(client, alice):
    response = await post_token(client, alice, "3000-01-01T00:59:59+01:00")

    assert response.status_code == 201, response.text
    assert response.json()["expires_at"] == "2999-12-31T23:59:59Z"


@pytest.mark.parametrize("value", [*OUT_OF_RANGE_INSTANTS, *NOT_ISO_INSTANTS])
async def test_an_entrys_time_is_an_iso_instant_within_the_calendar(client, alice, steps, value):
    url = f"{API}/habits/{steps['id']}/entries"

    response = await client.post(url, json={"value": 1, "recorded_at": value}, headers=alice.auth)

    assert_refused(response, ["body", "recorded_at"])


@PROPERTY
@given(
    instant=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.timezones(),
    )
)
async def test_any_aware_instant_is_taken_or_refused_never_a_500(client, alice, instant):
    response = await post_token(client, alice, instant.isoformat())

    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert response.headers["content-type"] == PROBLEM_JSON
