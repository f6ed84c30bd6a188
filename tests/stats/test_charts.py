"""GET /habits/{id}/calendar.svg and /trend.svg: well-formed SVG, escaped, one mark per datum."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.factories import API, PROBLEM_JSON, create_habit
from tests.stats.backfill import check_in

SVG_NS = "{http://www.w3.org/2000/svg}"
EMPTY = "#ebedf0"  # a tracked day that reached nothing of its goal
GREENS = {"#9be9a8", "#40c463", "#30a14e", "#216e39"}
HOSTILE_NAME = '<script>alert(1)</script> & "x"'
ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}): ")


async def chart_response(client, owner, habit: dict[str, Any], name: str, **params: Any) -> Any:
    response = await client.get(
        f"{API}/habits/{habit['id']}/{name}", params=params, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    return response


def parse_svg(text: str) -> ElementTree.Element:
    root = ElementTree.fromstring(text)  # noqa: S314 (our own output, not untrusted)
    assert root.tag == f"{SVG_NS}svg"
    return root


async def chart(
    client, owner, habit: dict[str, Any], name: str, **params: Any
) -> ElementTree.Element:
    return parse_svg((await chart_response(client, owner, habit, name, **params)).text)


async def chart_error(client, owner, habit: dict[str, Any], name: str, **params: Any) -> Any:
    response = await client.get(
        f"{API}/habits/{habit['id']}/{name}", params=params, headers=owner.auth
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [error["loc"] for error in response.json()["errors"]]


def title_of(root: ElementTree.Element) -> str:
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    return title.text or ""


def day_cells(root: ElementTree.Element) -> dict[str, tuple[str, str]]:
    """The calendar's day cells: ISO date -> (fill, tooltip)."""
    cells: dict[str, tuple[str, str]] = {}
    for rect in root.iter(f"{SVG_NS}rect"):
        tooltip = rect.find(f"{SVG_NS}title")
        if tooltip is None:
            continue  # the background and the legend
        text = tooltip.text or ""
        match = ISO_DATE.match(text)
        assert match, text
        assert match.group(1) not in cells, "a day drawn twice"
        cells[match.group(1)] = (rect.get("fill", ""), text)
    return cells


def point_titles(root: ElementTree.Element) -> list[str]:
    """The tooltip of each point of a trend line, in order."""
    titles = [circle.find(f"{SVG_NS}title") for circle in root.iter(f"{SVG_NS}circle")]
    assert None not in titles, "a point without a tooltip"
    return [title.text or "" for title in titles if title is not None]


def texts(root: ElementTree.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG_NS}text")]


def every_day_of(year: int) -> list[str]:
    first = date(year, 1, 1)
    return [
        (first + timedelta(days=n)).isoformat() for n in range((date(year + 1, 1, 1) - first).days)
    ]


async def test_calendar_is_an_svg_titled_with_the_habit_and_this_year(client, alice):
    habit = await create_habit(client, alice, name="Read", start_date="2026-06-10")

    root = await chart(client, alice, habit, "calendar.svg")

    assert title_of(root) == "Read: 2026"
    assert "Read: 2026" in texts(root)
    assert sorted(day_cells(root)) == every_day_of(2026)


async def test_calendar_of_a_leap_year_has_366_days(client, alice):
    habit = await create_habit(client, alice, start_date="2024-02-20")

    root = await chart(client, alice, habit, "calendar.svg", year=2024)

    cells = day_cells(root)
    assert len(cells) == 366
    assert sorted(cells) == every_day_of(2024)
    assert "2024-02-29" in cells


async def test_calendar_shades_met_empty_skipped_and_untracked_days(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-10")
    await check_in(client, alice, habit, "2026-06-10")
    await check_in(client, alice, habit, "2026-06-12", "skipped")

    cells = day_cells(await chart(client, alice, habit, "calendar.svg"))

    met_fill, met_title = cells["2026-06-10"]
    assert met_fill in GREENS
    assert met_title == "2026-06-10: 100% of the goal"
    assert cells["2026-06-11"] == (EMPTY, "2026-06-11: 0% of the goal")
    assert cells["2026-06-12"][1] == "2026-06-12: skipped"
    assert cells["2026-06-12"][0] not in GREENS | {EMPTY}
    for untracked in ["2026-06-09", "2026-06-18"]:  # before the start, after today
        fill, title = cells[untracked]
        assert title == f"{untracked}: not tracked"
        assert fill not in GREENS | {EMPTY}


async def test_calendar_shades_a_measurable_day_by_how_much_of_the_goal_it_reached(client, alice):
    habit = await create_habit(
        client, alice, kind="measurable", goal_value=10_000, unit="steps", start_date="2026-06-15"
    )
    await check_in(client, alice, habit, "2026-06-15", value=5_000)
    await check_in(client, alice, habit, "2026-06-16", value=20_000)

    cells = day_cells(await chart(client, alice, habit, "calendar.svg"))

    half_fill, half_title = cells["2026-06-15"]
    full_fill, full_title = cells["2026-06-16"]
    assert half_title == "2026-06-15: 50% of the goal"
    assert full_title == "2026-06-16: 100% of the goal"
    assert {half_fill, full_fill} <= GREENS
    assert half_fill != full_fill


@pytest.mark.parametrize("name", ["calendar.svg", "trend.svg"])
async def test_a_hostile_habit_name_is_escaped(client, alice, name):
    habit = await create_habit(client, alice, name=HOSTILE_NAME, start_date="2026-06-01")
    await check_in(client, alice, habit, "2026-06-02")

    response = await chart_response(client, alice, habit, name)

    root = parse_svg(response.text)
    assert title_of(root).startswith(HOSTILE_NAME + ": ")
    assert [text for text in texts(root) if text.startswith(HOSTILE_NAME)]
    assert "<script" not in response.text
    assert not [element for element in root.iter() if element.tag.endswith("script")]


@pytest.mark.parametrize("year", [1800, 1899, 2201])
async def test_calendar_year_out_of_range_is_422(client, alice, year):
    habit = await create_habit(client, alice)

    locations = await chart_error(client, alice, habit, "calendar.svg", year=year)

    assert ["query", "year"] in locations


async def test_trend_has_axis_labels_and_a_point_per_week_with_something_due(client, alice):
    # Daily from Monday 06-01: weeks 06-01 and 06-08 are due; this week so far 06-15 and 06-16.
    habit = await create_habit(client, alice, name="Read", start_date="2026-06-01")
    for done in ["06-01", "06-02", "06-03", "06-04", "06-05", "06-06", "06-07", "06-10"]:
        await check_in(client, alice, habit, f"2026-{done}")
    await check_in(client, alice, habit, "2026-06-15")

    root = await chart(client, alice, habit, "trend.svg")

    assert title_of(root) == "Read: weekly trend"
    labels = texts(root)
    assert "Success rate" in labels
    assert "Week starting" in labels
    points = point_titles(root)
    # The default twelve weeks hold thirteen calendar weeks; only three had anything due.
    assert points == ["2026-06-01: 100%", "2026-06-08: 14%", "2026-06-15: 50%"]


async def test_trend_with_nothing_due_says_so(client, alice):
    habit = await create_habit(client, alice, start_date="2026-06-17")

    root = await chart(client, alice, habit, "trend.svg")

    assert list(root.iter(f"{SVG_NS}circle")) == []
    assert "Nothing was due" in texts(root)


async def test_trend_of_values_labels_the_unit_and_totals_each_week(client, alice):
    habit = await create_habit(
        client,
        alice,
        name="Walk",
        kind="measurable",
        goal_value=10_000,
        unit="steps",
        start_date="2026-06-08",
    )
    await check_in(client, alice, habit, "2026-06-09", value=12_000)
    await check_in(client, alice, habit, "2026-06-10", value=3_000)
    await check_in(client, alice, habit, "2026-06-16", value=8_000)

    root = await chart(client, alice, habit, "trend.svg", metric="value", **{"from": "2026-06-08"})

    assert "Weekly total (steps)" in texts(root)
    points = point_titles(root)
    assert points == ["2026-06-08: 15,000", "2026-06-15: 8,000"]


async def test_trend_of_values_needs_a_measurable_habit(client, alice):
    habit = await create_habit(client, alice)

    locations = await chart_error(client, alice, habit, "trend.svg", metric="value")

    assert ["query", "metric"] in locations


async def test_trend_range_must_be_ordered_and_at_most_ten_years(client, alice):
    habit = await create_habit(client, alice)

    backwards = await chart_error(
        client, alice, habit, "trend.svg", **{"from": "2026-06-12", "to": "2026-06-11"}
    )
    too_long = await chart_error(
        client, alice, habit, "trend.svg", **{"from": "2016-06-01", "to": "2026-06-17"}
    )

    assert ["query", "from"] in backwards
    assert ["query", "from"] in too_long


async def test_charts_of_another_users_habit_are_not_found(client, alice, bob):
    theirs = await create_habit(client, bob)

    for name in ["calendar.svg", "trend.svg"]:
        response = await client.get(f"{API}/habits/{theirs['id']}/{name}", headers=alice.auth)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM_JSON


async def test_trend_default_range_before_year_1_is_422_not_an_overflow(client, alice):
    habit = await create_habit(client, alice)

    locations = await chart_error(client, alice, habit, "trend.svg", to="0001-01-03")

    assert ["query", "to"] in locations
