from __future__ import annotations

from datetime import date, timedelta

from tests.factories import API, PROBLEM_JSON

PROFILE = f"{API}/users/me/profile"


async def test_a_new_profile_has_every_field_empty(client, accounts):
    alice = await accounts.create()
    response = await client.get(PROFILE, headers=alice.auth)
    assert response.status_code == 200
    assert response.json() == {"first_name": None, "last_name": None, "dob": None, "bio": None}


async def test_putting_the_profile_replaces_it(client, accounts):
    alice = await accounts.create()
    body = {"first_name": "Alice", "last_name": "Liddell", "dob": "1990-05-04", "bio": "Hi."}
    response = await client.put(PROFILE, json=body, headers=alice.auth)
    assert response.status_code == 200
    assert response.json() == body
    assert (await client.get(PROFILE, headers=alice.auth)).json() == body


async def test_fields_left_out_of_a_put_are_cleared(client, accounts):
    alice = await accounts.create()
    full = {"first_name": "Alice", "last_name": "Liddell", "dob": "1990-05-04", "bio": "Hi."}
    await client.put(PROFILE, json=full, headers=alice.auth)
    response = await client.put(PROFILE, json={"first_name": "Al"}, headers=alice.auth)
    expected = {"first_name": "Al", "last_name": None, "dob": None, "bio": None}
    assert response.json() == expected
    assert (await client.get(PROFILE, headers=alice.auth)).json() == expected


async def test_a_date_of_birth_in_the_future_is_refused(client, accounts):
    alice = await accounts.create()
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = await client.put(PROFILE, json={"dob": tomorrow}, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_bio_over_2000_characters_is_refused(client, accounts):
    alice = await accounts.create()
    response = await client.put(PROFILE, json={"bio": "b" * 2001}, headers=alice.auth)
    assert response.status_code == 422
    assert ["body", "bio"] in [issue["loc"][:2] for issue in response.json()["errors"]]


async def test_a_bio_of_2000_characters_is_kept(client, accounts):
    alice = await accounts.create()
    response = await client.put(PROFILE, json={"bio": "b" * 2000}, headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["bio"] == "b" * 2000


async def test_a_refused_profile_leaves_the_old_one(client, accounts):
    alice = await accounts.create()
    await client.put(PROFILE, json={"first_name": "Alice"}, headers=alice.auth)
    await client.put(PROFILE, json={"first_name": "Al", "bio": "b" * 2001}, headers=alice.auth)
    response = await client.get(PROFILE, headers=alice.auth)
    assert response.json()["first_name"] == "Alice"


async def test_profiles_are_private_to_their_owner(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    await client.put(PROFILE, json={"first_name": "Alice"}, headers=alice.auth)
    response = await client.get(PROFILE, headers=bob.auth)
    assert response.json()["first_name"] is None
