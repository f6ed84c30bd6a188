"""Share links: a token shown once, figures for anyone holding it, revoked or expired at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from habitual.kit.secrets import token_digest
from habitual.models import HabitShare
from tests.factories import API, PROBLEM_JSON, Account, Accounts, create_habit

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
SHARED_FIELDS = {
    "name",
    "owner",
    "current_streak",
    "longest_streak",
    "streak_unit",
    "success_rate",
    "year",
    "met_days",
}
CREATED_FIELDS = {"id", "url", "token", "created_at", "expires_at"}
READ_FIELDS = {"id", "habit_id", "created_at", "expires_at"}
# What a share link must never give away: set on the owner, a habit and its check-ins.
USERNAME = "privateperson"
EMAIL = f"{USERNAME}@example.com"
PHONE = "+49 30 901820"
NOTE = "secret note about my knee"
DESCRIPTION = "private description"


def shares_url(habit: dict[str, Any]) -> str:
    return f"{API}/habits/{habit['id']}/shares"


async def share(client: httpx.AsyncClient, owner: Account, habit: dict[str, Any], **body: Any):
    response = await client.post(shares_url(habit), json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def private_owner(client: httpx.AsyncClient, accounts: Accounts) -> Account:
    owner = await accounts.create(USERNAME)
    response = await client.patch(
        f"{API}/users/me", json={"phone": PHONE, "display_name": "Ada"}, headers=owner.auth
    )
    assert response.status_code == 200, response.text
    return owner


async def check_in(client: httpx.AsyncClient, owner: Account, habit: dict[str, Any], day: str):
    response = await client.put(
        f"{API}/habits/{habit['id']}/checkins/{day}",
        json={"status": "done", "note": NOTE},
        headers=owner.auth,
    )
    assert response.status_code in (200, 201), response.text


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == PROBLEM_JSON


def public_urls(token: str) -> list[str]:
    return [f"{API}/shared/{token}", f"/s/{token}", f"/s/{token}/card.svg", f"/s/{token}/card.png"]


async def test_the_token_is_shown_once_and_stored_as_its_digest(client, accounts, runtime):
    alice = await accounts.create()
    habit = await create_habit(client, alice)

    created = await share(client, alice, habit)
    listed = await client.get(shares_url(habit), headers=alice.auth)

    assert set(created) == CREATED_FIELDS
    assert created["token"].startswith("hab_sh_")
    assert created["url"] == f"{runtime.settings.public_url}/s/{created['token']}"
    assert listed.status_code == 200
    assert [set(item) for item in listed.json()] == [READ_FIELDS]
    assert created["token"] not in listed.text
    async with runtime.database.unit() as uow:
        stored = (await uow.session.execute(select(HabitShare))).scalar_one()
    assert stored.token_hash == token_digest(created["token"])
    assert created["token"] not in stored.token_hash


async def test_a_shared_habit_shows_its_figures_without_a_login(client, accounts, frozen_clock):
    alice = await private_owner(client, accounts)  # logged in by the real clock
    frozen_clock(NOW)
    habit = await create_habit(client, alice, name="Read", start_date="2026-03-01")
    for day in ("2026-03-09", "2026-03-10", "2026-03-11"):
        await check_in(client, alice, habit, day)
    token = (await share(client, alice, habit))["token"]

    response = await client.get(f"{API}/shared/{token}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == SHARED_FIELDS
    assert body["name"] == "Read"
    assert body["owner"] == "Ada"
    assert body["current_streak"] == 3
    assert body["longest_streak"] == 3
    assert body["year"] == 2026
    assert body["met_days"] == ["2026-03-09", "2026-03-10", "2026-03-11"]


async def test_no_output_holds_a_private_field(client, accounts, frozen_clock):
    alice = await private_owner(client, accounts)  # logged in by the real clock
    frozen_clock(NOW)
    habit = await create_habit(client, alice, name="Read", description=DESCRIPTION)
    await check_in(client, alice, habit, "today")
    token = (await share(client, alice, habit))["token"]

    for url in public_urls(token)[:3]:  # the PNG's pixels hold no text to search
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text)
        text = response.text
        for secret in (USERNAME, EMAIL, PHONE, NOTE, DESCRIPTION, "12:00", "T12"):
            assert secret not in text, (url, secret)
        assert "Ada" in text


async def test_the_owners_username_shows_when_no_display_name_is_set(client, accounts):
    alice = await accounts.create("plainname")
    habit = await create_habit(client, alice)
    token = (await share(client, alice, habit))["token"]

    response = await client.get(f"{API}/shared/{token}")

    assert response.json()["owner"] == "plainname"


async def test_a_revoked_link_is_not_found_at_once(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice)
    created = await share(client, alice, habit)

    response = await client.delete(f"{shares_url(habit)}/{created['id']}", headers=alice.auth)

    assert response.status_code == 204
    for url in public_urls(created["token"]):
        assert_not_found(await client.get(url))
    assert (await client.get(shares_url(habit), headers=alice.auth)).json() == []


async def test_an_expired_link_is_not_found(client, accounts, frozen_clock):
    alice = await accounts.create()  # logged in by the real clock
    frozen_clock(NOW)
    habit = await create_habit(client, alice)
    expires_at = (NOW + timedelta(hours=1)).isoformat()
    token = (await share(client, alice, habit, expires_at=expires_at))["token"]
    assert (await client.get(f"{API}/shared/{token}")).status_code == 200

    frozen_clock(NOW + timedelta(hours=1))

    for url in public_urls(token):
        assert_not_found(await client.get(url))


async def test_an_expiry_in_the_past_is_refused(client, accounts, frozen_clock):
    alice = await accounts.create()  # logged in by the real clock
    frozen_clock(NOW)
    habit = await create_habit(client, alice)

    response = await client.post(
        shares_url(habit), json={"expires_at": "2026-03-11T11:59:00Z"}, headers=alice.auth
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "expires_at"]


async def test_an_expiry_without_an_offset_is_refused(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice)

    response = await client.post(
        shares_url(habit), json={"expires_at": "2099-01-01T00:00:00"}, headers=alice.auth
    )

    assert response.status_code == 422


async def test_an_unknown_token_is_not_found(client):
    for url in public_urls("hab_sh_nothing"):
        assert_not_found(await client.get(url))


async def test_another_users_habit_and_link_are_not_found(client, accounts):
    alice, bob = await accounts.create(), await accounts.create()
    habit = await create_habit(client, alice)
    created = await share(client, alice, habit)

    assert_not_found(await client.post(shares_url(habit), json={}, headers=bob.auth))
    assert_not_found(await client.get(shares_url(habit), headers=bob.auth))
    assert_not_found(await client.delete(f"{shares_url(habit)}/{created['id']}", headers=bob.auth))
    assert (await client.get(f"{API}/shared/{created['token']}")).status_code == 200


async def test_a_link_of_another_habit_cannot_be_revoked_through_this_one(client, accounts):
    alice = await accounts.create()
    first, second = await create_habit(client, alice), await create_habit(client, alice)
    created = await share(client, alice, first)

    response = await client.delete(f"{shares_url(second)}/{created['id']}", headers=alice.auth)

    assert_not_found(response)


async def test_the_page_escapes_the_habit_name(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="<script>alert(1)</script>")
    token = (await share(client, alice, habit))["token"]

    page = await client.get(f"/s/{token}")
    card = await client.get(f"/s/{token}/card.svg")

    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in card.text
    assert "&lt;script&gt;" in card.text


async def test_the_page_has_card_tags_and_stays_out_of_search_engines(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice, name="Read")
    created = await share(client, alice, habit)

    response = await client.get(f"/s/{created['token']}")

    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-robots-tag"] == "noindex"
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "unsafe" not in policy
    text = response.text
    assert '<meta name="robots" content="noindex">' in text
    assert '<meta property="og:title" content="Read">' in text
    assert f'<meta property="og:image" content="{created["url"]}/card.png">' in text
    assert '<meta name="twitter:card" content="summary_large_image">' in text


async def test_the_card_is_a_1200_by_630_svg(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice)
    token = (await share(client, alice, habit))["token"]

    response = await client.get(f"/s/{token}/card.svg")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["x-robots-tag"] == "noindex"
    assert response.text.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="1200" ')
    assert 'height="630"' in response.text.splitlines()[0]


async def test_the_png_card_is_a_1200_by_630_image(client, accounts):
    alice = await accounts.create()
    habit = await create_habit(client, alice)
    token = (await share(client, alice, habit))["token"]

    response = await client.get(f"/s/{token}/card.png")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-robots-tag"] == "noindex"
    png = response.content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # IHDR: width and height, big-endian, right after the chunk's length and type.
    assert int.from_bytes(png[16:20], "big") == 1200
    assert int.from_bytes(png[20:24], "big") == 630
