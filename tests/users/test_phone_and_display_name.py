"""`phone` (E.164, its owner's eyes only) and `display_name` (what others see) on /users/me."""

from __future__ import annotations

import pytest

from habitual.models import User
from habitual.users.names import display_name_column, display_name_of
from habitual.users.repository import UserRepository
from tests.factories import API, PROBLEM_JSON

ME = f"{API}/users/me"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+49 30 901820", "+4930901820"),
        ("+1 (650) 253-0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +33 1 23 45 67 89 ", "+33123456789"),
        ("+4930901820", "+4930901820"),
    ],
)
async def test_a_phone_number_is_kept_in_e164(client, accounts, given, stored):
    alice = await accounts.create()

    response = await client.patch(ME, json={"phone": given}, headers=alice.auth)

    assert response.status_code == 200, response.text
    assert response.json()["phone"] == stored
    assert (await client.get(ME, headers=alice.auth)).json()["phone"] == stored


@pytest.mark.parametrize(
    "phone",
    [
        "030 901820",  # no country code
        "+49 30 1",  # too short for Germany
        "+12345",
        "+1 800 FLOWERS",  # letters
        "+49 30 901820 ext. 5",
        "",
        "+",
        "+49 30\n901820",
        "+" + "1" * 40,
    ],
)
async def test_an_invalid_phone_number_is_422_and_changes_nothing(client, accounts, phone):
    alice = await accounts.create()
    await client.patch(ME, json={"phone": "+49 30 901820"}, headers=alice.auth)

    response = await client.patch(ME, json={"phone": phone}, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert ["body", "phone"] in [error["loc"] for error in response.json()["errors"]]
    assert (await client.get(ME, headers=alice.auth)).json()["phone"] == "+4930901820"


async def test_a_phone_number_that_is_not_text_is_422(client, accounts):
    alice = await accounts.create()

    response = await client.patch(ME, json={"phone": 4930901820}, headers=alice.auth)

    assert response.status_code == 422
    assert ["body", "phone"] in [error["loc"] for error in response.json()["errors"]]


async def test_null_removes_the_phone_number(client, accounts):
    alice = await accounts.create()
    await client.patch(ME, json={"phone": "+49 30 901820"}, headers=alice.auth)

    response = await client.patch(ME, json={"phone": None}, headers=alice.auth)

    assert response.status_code == 200
    assert response.json()["phone"] is None


async def test_a_new_account_has_no_phone_and_no_display_name(client, accounts):
    alice = await accounts.create()

    body = (await client.get(ME, headers=alice.auth)).json()

    assert body["phone"] is None
    assert body["display_name"] is None


async def test_changing_other_preferences_keeps_phone_and_display_name(client, accounts):
    alice = await accounts.create()
    await client.patch(
        ME, json={"phone": "+49 30 901820", "display_name": "Ada"}, headers=alice.auth
    )

    response = await client.patch(ME, json={"timezone": "Europe/Berlin"}, headers=alice.auth)

    assert response.json()["phone"] == "+4930901820"
    assert response.json()["display_name"] == "Ada"


async def test_admins_are_not_shown_a_users_phone_number(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    await client.patch(ME, json={"phone": "+49 30 901820"}, headers=alice.auth)

    one = await client.get(f"{API}/admin/users/{alice.id}", headers=admin.auth)
    listed = await client.get(f"{API}/admin/users", headers=admin.auth)
    changed = await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": True}, headers=admin.auth
    )

    for text in (one.text, listed.text, changed.text):
        assert "phone" not in text
        assert "4930901820" not in text


async def test_no_habit_of_a_user_shows_others_the_phone_number(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    await client.patch(ME, json={"phone": "+49 30 901820"}, headers=alice.auth)
    await client.post(f"{API}/habits", json={"name": "Read"}, headers=alice.auth)

    response = await client.get(f"{API}/admin/habits", headers=admin.auth)

    assert response.status_code == 200
    assert "4930901820" not in response.text
    assert alice.email not in response.text


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Ada", "Ada"), ("  Ada L.  ", "Ada L."), ("李小龍", "李小龍"), ("x" * 50, "x" * 50)],
)
async def test_a_display_name_is_kept_trimmed(client, accounts, given, stored):
    alice = await accounts.create()

    response = await client.patch(ME, json={"display_name": given}, headers=alice.auth)

    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == stored


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 51, "Ada\nLovelace", "Ada\tL", "Ada\x07", "Ada\u2028L", "A\x00"]
)
async def test_an_invalid_display_name_is_422_and_changes_nothing(client, accounts, name):
    alice = await accounts.create()
    await client.patch(ME, json={"display_name": "Ada"}, headers=alice.auth)

    response = await client.patch(ME, json={"display_name": name}, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert ["body", "display_name"] in [error["loc"] for error in response.json()["errors"]]
    assert (await client.get(ME, headers=alice.auth)).json()["display_name"] == "Ada"


async def test_null_clears_the_display_name(client, accounts):
    alice = await accounts.create()
    await client.patch(ME, json={"display_name": "Ada"}, headers=alice.auth)

    response = await client.patch(ME, json={"display_name": None}, headers=alice.auth)

    assert response.status_code == 200
    assert response.json()["display_name"] is None


async def test_others_see_the_display_name_or_else_the_username(client, accounts, runtime):
    alice = await accounts.create("alice")
    bob = await accounts.create("bob")
    await client.patch(ME, json={"display_name": "Ada L."}, headers=alice.auth)

    async with runtime.database.unit() as uow:
        users = [await UserRepository(uow).get(account.id) for account in (alice, bob)]
        shown = [display_name_of(user) for user in users if user is not None]
        statement = (
            User.__table__.select()
            .with_only_columns(display_name_column())
            .where(User.id.in_([alice.id, bob.id]))
            .order_by(User.id)
        )
        in_sql = list((await uow.session.execute(statement)).scalars())

    assert shown == ["Ada L.", "bob"]
    assert in_sql == ["Ada L.", "bob"]
