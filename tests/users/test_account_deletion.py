from __future__ import annotations

from sqlalchemy import func, select

from habitual.models import AuthSession, PersonalAccessToken, Profile, RefreshToken, User
from tests.factories import API, PROBLEM_JSON

ME = f"{API}/users/me"


async def rows_of(runtime, user_id: int) -> dict[str, int]:
    """How many rows each table holds for the account."""
    sessions = select(AuthSession.id).where(AuthSession.user_id == user_id)
    statements = {
        "users": select(func.count()).select_from(User).where(User.id == user_id),
        "profiles": select(func.count()).select_from(Profile).where(Profile.user_id == user_id),
        "auth_sessions": select(func.count()).select_from(sessions.subquery()),
        "refresh_tokens": select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.session_id.in_(sessions)),
        "personal_access_tokens": select(func.count())
        .select_from(PersonalAccessToken)
        .where(PersonalAccessToken.user_id == user_id),
    }
    async with runtime.database.reader() as session:
        return {
            table: (await session.execute(statement)).scalar_one()
            for table, statement in statements.items()
        }


async def test_deleting_the_account_with_a_wrong_password_is_forbidden(client, accounts):
    alice = await accounts.create()
    response = await client.request(
        "DELETE", ME, json={"password": "not the password"}, headers=alice.auth
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_a_refused_deletion_deletes_nothing(client, accounts, runtime):
    alice = await accounts.create()
    await accounts.personal_token(alice, "profile:read")
    before = await rows_of(runtime, alice.id)
    await client.request("DELETE", ME, json={"password": "not the password"}, headers=alice.auth)
    assert await rows_of(runtime, alice.id) == before
    assert (await client.get(ME, headers=alice.auth)).status_code == 200


async def test_deleting_the_account_with_its_password_answers_204(client, accounts):
    alice = await accounts.create()
    response = await client.request(
        "DELETE", ME, json={"password": alice.password}, headers=alice.auth
    )
    assert response.status_code == 204
    assert response.content == b""


async def test_a_deleted_account_can_no_longer_log_in(client, accounts):
    alice = await accounts.create()
    await client.request("DELETE", ME, json={"password": alice.password}, headers=alice.auth)
    login = await client.post(
        f"{API}/auth/login", json={"username": alice.username, "password": alice.password}
    )
    assert login.status_code == 401


async def test_a_deleted_accounts_access_token_stops_working(client, accounts):
    alice = await accounts.create()
    await client.request("DELETE", ME, json={"password": alice.password}, headers=alice.auth)
    assert (await client.get(ME, headers=alice.auth)).status_code == 401


async def test_deleting_the_account_removes_all_its_rows(client, accounts, runtime):
    alice = await accounts.create()
    await accounts.login(alice.username)
    await accounts.personal_token(alice, "profile:read")
    await client.put(f"{ME}/profile", json={"first_name": "Alice"}, headers=alice.auth)
    before = await rows_of(runtime, alice.id)
    assert all(count > 0 for count in before.values()), before
    await client.request("DELETE", ME, json={"password": alice.password}, headers=alice.auth)
    assert await rows_of(runtime, alice.id) == dict.fromkeys(before, 0)


async def test_deleting_an_account_leaves_other_accounts_alone(client, accounts, runtime):
    alice = await accounts.create()
    bob = await accounts.create()
    await accounts.personal_token(bob, "profile:read")
    before = await rows_of(runtime, bob.id)
    await client.request("DELETE", ME, json={"password": alice.password}, headers=alice.auth)
    assert await rows_of(runtime, bob.id) == before
    assert (await client.get(ME, headers=bob.auth)).status_code == 200


async def test_a_personal_token_cannot_delete_the_account(client, accounts):
    alice = await accounts.create()
    token = await accounts.personal_token(alice, "profile:read")
    response = await client.request(
        "DELETE",
        ME,
        json={"password": alice.password},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert (await client.get(ME, headers=alice.auth)).status_code == 200
