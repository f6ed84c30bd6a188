from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from habitual.models import PersonalAccessToken
from tests.factories import API, PROBLEM_JSON

TOKENS = f"{API}/users/me/tokens"
ME = f"{API}/users/me"
READ_KEYS = {
    "id",
    "name",
    "token_prefix",
    "scopes",
    "created_at",
    "expires_at",
    "last_used_at",
    "rate_limit",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


async def stored_tokens(runtime) -> list[PersonalAccessToken]:
    async with runtime.database.reader() as session:
        return list((await session.execute(select(PersonalAccessToken))).scalars())


async def test_creating_a_token_shows_its_secret_with_the_documented_keys(client, accounts):
    alice = await accounts.create()
    body = {"name": "phone", "scopes": ["habits:read", "checkins:write"]}
    response = await client.post(TOKENS, json=body, headers=alice.auth)
    assert response.status_code == 201
    created = response.json()
    assert set(created) == READ_KEYS | {"token"}
    assert created["token"].startswith("hab_pat_")
    assert created["token"].startswith(created["token_prefix"])
    assert created["name"] == "phone"
    assert created["scopes"] == ["habits:read", "checkins:write"]
    assert created["expires_at"] is None
    assert created["last_used_at"] is None
    assert created["created_at"].endswith("Z")


async def test_the_token_list_never_shows_a_secret_or_a_hash(client, accounts):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    response = await client.get(TOKENS, headers=alice.auth)
    assert response.status_code == 200
    [listed] = response.json()
    assert set(listed) == READ_KEYS
    assert secret not in response.text
    assert hashlib.sha256(secret.encode()).hexdigest() not in response.text


async def test_the_token_list_holds_only_your_tokens_newest_first(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    for name in ("first", "second"):
        await client.post(
            TOKENS, json={"name": name, "scopes": ["habits:read"]}, headers=alice.auth
        )
    await accounts.personal_token(bob, "habits:read")
    response = await client.get(TOKENS, headers=alice.auth)
    assert [token["name"] for token in response.json()] == ["second", "first"]


async def test_only_the_sha256_of_a_token_is_stored(client, accounts, runtime):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    [stored] = await stored_tokens(runtime)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    for column in PersonalAccessToken.__table__.columns:
        assert secret not in str(getattr(stored, column.key)), column.key


async def test_the_openapi_lists_the_scopes_with_what_each_allows(client):
    schema = (await client.get("/openapi.json")).json()
    scopes = schema["components"]["schemas"]["Scope"]["enum"]
    assert scopes == [
        "habits:read",
        "habits:write",
        "checkins:write",
        "profile:read",
        "fitness:read",
        "fitness:write",
    ]
    described = schema["components"]["schemas"]["TokenCreate"]["properties"]["scopes"]
    assert "`checkins:write`: Record, change and delete check-ins" in described["description"]


async def test_an_unknown_scope_is_refused(client, accounts):
    alice = await accounts.create()
    body = {"name": "x", "scopes": ["habits:read", "everything"]}
    response = await client.post(TOKENS, json=body, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_token_without_scopes_is_refused(client, accounts):
    alice = await accounts.create()
    response = await client.post(TOKENS, json={"name": "x", "scopes": []}, headers=alice.auth)
    assert response.status_code == 422


async def test_repeated_scopes_are_refused(client, accounts):
    alice = await accounts.create()
    body = {"name": "x", "scopes": ["habits:read", "habits:read"]}
    response = await client.post(TOKENS, json=body, headers=alice.auth)
    assert response.status_code == 422


async def test_an_expiry_in_the_past_is_refused(client, accounts):
    alice = await accounts.create()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    body = {"name": "x", "scopes": ["habits:read"], "expires_at": yesterday}
    response = await client.post(TOKENS, json=body, headers=alice.auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_an_expiry_without_a_timezone_is_refused(client, accounts):
    alice = await accounts.create()
    body = {"name": "x", "scopes": ["habits:read"], "expires_at": "2999-01-01T00:00:00"}
    response = await client.post(TOKENS, json=body, headers=alice.auth)
    assert response.status_code == 422


async def test_a_future_expiry_is_kept_in_utc(client, accounts):
    alice = await accounts.create()
    body = {"name": "x", "scopes": ["habits:read"], "expires_at": "2999-01-01T02:00:00+02:00"}
    response = await client.post(TOKENS, json=body, headers=alice.auth)
    assert response.status_code == 201
    assert response.json()["expires_at"] == "2999-01-01T00:00:00Z"


async def test_a_token_works_as_a_bearer_credential(client, accounts):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "profile:read")
    response = await client.get(ME, headers=bearer(secret))
    assert response.status_code == 200
    assert response.json()["id"] == alice.id


async def test_a_token_whose_expiry_has_passed_is_401(client, accounts, runtime):
    alice = await accounts.create()
    body = {"name": "x", "scopes": ["profile:read"], "expires_at": in_an_hour()}
    secret = (await client.post(TOKENS, json=body, headers=alice.auth)).json()["token"]
    assert (await client.get(ME, headers=bearer(secret))).status_code == 200
    async with runtime.database.writer() as session, session.begin():
        await session.execute(
            update(PersonalAccessToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = await client.get(ME, headers=bearer(secret))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_using_a_token_records_when_it_was_last_used(client, accounts):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "profile:read")
    [before] = (await client.get(TOKENS, headers=alice.auth)).json()
    assert before["last_used_at"] is None
    started = datetime.now(UTC)
    await client.get(ME, headers=bearer(secret))
    [after] = (await client.get(TOKENS, headers=alice.auth)).json()
    assert after["last_used_at"].endswith("Z")
    last_used = datetime.fromisoformat(after["last_used_at"])
    assert started - timedelta(seconds=1) <= last_used <= datetime.now(UTC)


async def test_a_deleted_token_answers_204_and_stops_working(client, accounts):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "profile:read")
    [token] = (await client.get(TOKENS, headers=alice.auth)).json()
    response = await client.delete(f"{TOKENS}/{token['id']}", headers=alice.auth)
    assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(secret))).status_code == 401
    assert (await client.get(TOKENS, headers=alice.auth)).json() == []


async def test_deleting_another_users_token_is_404_and_it_keeps_working(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    secret = await accounts.personal_token(alice, "profile:read")
    [token] = (await client.get(TOKENS, headers=alice.auth)).json()
    response = await client.delete(f"{TOKENS}/{token['id']}", headers=bob.auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (await client.get(ME, headers=bearer(secret))).status_code == 200


async def test_deleting_an_unknown_token_is_404(client, accounts):
    alice = await accounts.create()
    response = await client.delete(f"{TOKENS}/999999", headers=alice.auth)
    assert response.status_code == 404


async def test_a_token_cannot_create_tokens_whatever_its_scopes(client, accounts):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    body = {"name": "escalate", "scopes": ["profile:read"]}
    response = await client.post(TOKENS, json=body, headers=bearer(secret))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_token_without_the_profile_scope_cannot_read_the_account(client, accounts):
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "habits:read")
    response = await client.get(ME, headers=bearer(secret))
    assert response.status_code == 403


async def test_an_unknown_token_is_401(client):
    response = await client.get(ME, headers=bearer("hab_pat_not-a-real-token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_deactivated_users_token_is_401(client, accounts):
    admin = await accounts.create_admin()
    alice = await accounts.create()
    secret = await accounts.personal_token(alice, "profile:read")
    await client.patch(
        f"{API}/admin/users/{alice.id}", json={"is_active": False}, headers=admin.auth
    )
    assert (await client.get(ME, headers=bearer(secret))).status_code == 401
