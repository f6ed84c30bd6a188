"""/groups: invite-only groups, who may see and change what, and joins that hold their limits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from habitual.kit.clock import utcnow
from habitual.kit.secrets import token_digest
from habitual.models import GroupInvite, GroupMember
from tests.factories import API, PROBLEM_JSON, Account

GROUPS = f"{API}/groups"
GROUP_FIELDS = {
    "id",
    "owner_id",
    "name",
    "description",
    "members",
    "role",
    "created_at",
    "updated_at",
}
MEMBER_FIELDS = {"user_id", "display_name", "role", "joined_at"}


async def create_group(client: httpx.AsyncClient, owner: Account, **body: Any) -> dict[str, Any]:
    response = await client.post(GROUPS, json={"name": "Runners"} | body, headers=owner.auth)
    assert response.status_code == 201, response.text
    group: dict[str, Any] = response.json()
    return group


async def invite(
    client: httpx.AsyncClient, inviter: Account, group: dict[str, Any], **body: Any
) -> dict[str, Any]:
    response = await client.post(f"{GROUPS}/{group['id']}/invites", json=body, headers=inviter.auth)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def join(client: httpx.AsyncClient, user: Account, code: str) -> httpx.Response:
    return await client.post(f"{GROUPS}/join", json={"code": code}, headers=user.auth)


async def member_of(
    client: httpx.AsyncClient, owner: Account, user: Account, **group_fields: Any
) -> dict[str, Any]:
    """A group of `owner` that `user` joined."""
    group = await create_group(client, owner, **group_fields)
    response = await join(client, user, (await invite(client, owner, group))["code"])
    assert response.status_code == 201, response.text
    return group


# --- groups -----------------------------------------------------------------------------------


async def test_the_creator_owns_the_group_and_is_its_only_member(client, accounts):
    owner = await accounts.create()

    group = await create_group(client, owner, description="Morning runs")

    assert set(group) == GROUP_FIELDS
    assert (group["owner_id"], group["role"], group["members"]) == (owner.id, "owner", 1)
    members = (await client.get(f"{GROUPS}/{group['id']}/members", headers=owner.auth)).json()
    assert [(m["user_id"], m["role"]) for m in members["items"]] == [(owner.id, "owner")]


async def test_list_shows_only_the_groups_you_are_a_member_of(client, accounts):
    alice, bob = await accounts.create(), await accounts.create()
    mine = await create_group(client, alice, name="Mine")
    await create_group(client, bob, name="Bob's")
    joined = await member_of(client, bob, alice, name="Joined")

    body = (await client.get(GROUPS, headers=alice.auth)).json()

    assert body["total"] == 2
    assert [(g["id"], g["role"]) for g in body["items"]] == [
        (mine["id"], "owner"),
        (joined["id"], "member"),
    ]


async def test_a_non_member_gets_404_everywhere(client, accounts):
    owner, stranger = await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    path = f"{GROUPS}/{group['id']}"

    responses = [
        await client.get(path, headers=stranger.auth),
        await client.patch(path, json={"name": "Mine now"}, headers=stranger.auth),
        await client.delete(path, headers=stranger.auth),
        await client.get(f"{path}/members", headers=stranger.auth),
        await client.post(f"{path}/invites", json={}, headers=stranger.auth),
        await client.post(f"{path}/transfer", json={"user_id": stranger.id}, headers=stranger.auth),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert (await client.get(path, headers=owner.auth)).json()["name"] == "Runners"


async def test_a_member_who_is_not_owner_gets_403_for_owner_actions(client, accounts):
    owner, member = await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    await member_of_group(client, owner, member, group)
    path = f"{GROUPS}/{group['id']}"

    responses = [
        await client.patch(path, json={"name": "Mine now"}, headers=member.auth),
        await client.delete(path, headers=member.auth),
        await client.post(f"{path}/invites", json={}, headers=member.auth),
        await client.patch(
            f"{path}/members/{owner.id}", json={"role": "member"}, headers=member.auth
        ),
        await client.post(f"{path}/transfer", json={"user_id": member.id}, headers=member.auth),
        await client.delete(f"{path}/members/{owner.id}", headers=member.auth),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert responses[0].headers["content-type"] == PROBLEM_JSON
    seen = (await client.get(path, headers=member.auth)).json()
    assert (seen["name"], seen["owner_id"], seen["role"]) == ("Runners", owner.id, "member")


async def member_of_group(
    client: httpx.AsyncClient, owner: Account, user: Account, group: dict[str, Any]
) -> None:
    response = await join(client, user, (await invite(client, owner, group))["code"])
    assert response.status_code == 201, response.text


async def test_the_owner_renames_and_deletes_the_group(client, accounts):
    owner, member = await accounts.create(), await accounts.create()
    group = await member_of(client, owner, member)
    path = f"{GROUPS}/{group['id']}"

    renamed = await client.patch(
        path, json={"name": "Walkers", "description": None}, headers=owner.auth
    )
    deleted = await client.delete(path, headers=owner.auth)

    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["description"]) == ("Walkers", None)
    assert deleted.status_code == 204
    assert (await client.get(path, headers=member.auth)).status_code == 404


async def test_unknown_fields_are_422(client, accounts):
    owner = await accounts.create()

    response = await client.post(GROUPS, json={"name": "X", "owner_id": 1}, headers=owner.auth)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "owner_id"]


# --- invites ----------------------------------------------------------------------------------


async def test_an_invite_code_is_answered_once_and_stored_as_its_digest(client, accounts, runtime):
    owner = await accounts.create()
    group = await create_group(client, owner)

    created = await invite(client, owner, group, expires_in_hours=2, max_uses=5)

    assert set(created) == {
        "id",
        "group_id",
        "code",
        "expires_at",
        "max_uses",
        "uses",
        "created_at",
    }
    assert (created["max_uses"], created["uses"]) == (5, 0)
    async with runtime.database.unit() as uow:
        stored = await uow.session.get(GroupInvite, created["id"])
    assert stored is not None
    assert stored.code_hash == token_digest(created["code"])
    assert created["code"] not in stored.code_hash


async def test_joining_makes_you_a_member_and_joining_again_changes_nothing(client, accounts):
    owner, user = await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    code = (await invite(client, owner, group, max_uses=2))["code"]

    first = await join(client, user, code)
    again = await join(client, user, code)

    assert (first.status_code, again.status_code) == (201, 200)
    assert set(first.json()) == GROUP_FIELDS
    assert (first.json()["role"], first.json()["members"]) == ("member", 2)
    assert again.json()["members"] == 2
    # The second join used nothing of the code: one use is left for someone else.
    assert (await join(client, await accounts.create(), code)).status_code == 201


async def test_expired_used_up_revoked_and_unknown_codes_are_404(client, accounts, runtime):
    owner = await accounts.create()
    group = await create_group(client, owner)
    expiring = await invite(client, owner, group, expires_in_hours=1)
    single = (await invite(client, owner, group, max_uses=1))["code"]
    revoked = await invite(client, owner, group)
    assert (await join(client, await accounts.create(), single)).status_code == 201
    response = await client.delete(
        f"{GROUPS}/{group['id']}/invites/{revoked['id']}", headers=owner.auth
    )
    assert response.status_code == 204
    async with runtime.database.unit() as uow:
        stored = await uow.session.get(GroupInvite, expiring["id"])
        assert stored is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
    late = await accounts.create()

    responses = [
        await join(client, late, expiring["code"]),
        await join(client, late, single),
        await join(client, late, revoked["code"]),
        await join(client, late, "hab_inv_nothing"),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    assert (await client.get(f"{GROUPS}/{group['id']}", headers=owner.auth)).json()["members"] == 2


async def test_an_admin_invites_and_revokes_and_a_plain_member_may_not(client, accounts):
    owner, admin, member = await accounts.create(), await accounts.create(), await accounts.create()
    group = await create_group(client, owner)
    await member_of_group(client, owner, admin, group)
    await member_of_group(client, owner, member, group)
    path = f"{GROUPS}/{group['id']}"
    promoted = await client.patch(
        f"{path}/members/{admin.id}", json={"role": "admin"}, headers=owner.auth
    )
    assert promoted.status_code == 200
    assert set(promoted.json()) == MEMBER_FIELDS

    made = await invite(client, admin, group)
    by_member = await client.delete(f"{path}/invites/{made['id']}", headers=member.auth)
    by_admin = await client.delete(f"{path}/invites/{made['id']}", headers=admin.auth)

    assert (by_member.status_code, by_admin.status_code) == (403, 204)
    assert (await join(client, await accounts.create(), made["code"])).status_code == 404


async def test_an_invite_of_another_group_cannot_be_revoked_through_yours(client, accounts):
    alice, bob = await accounts.create(), await accounts.create()
    mine = await create_group(client, alice)
    theirs = await create_group(client, bob)
    their_invite = await invite(client, bob, theirs)

    response = await client.delete(
        f"{GROUPS}/{mine['id']}/invites/{their_invite['id']}", headers=alice.auth
    )

    assert response.status_code == 404
    assert (await join(client, await accounts.create(), their_invite["code"])).status_code == 201


async def test_parallel_joins_never_pass_max_uses(client, accounts, runtime):
    owner = await accounts.create()
    group = await create_group(client, owner)
    made = await invite(client, owner, group, max_uses=3)
    users = [await accounts.create() for _ in range(8)]

    responses = await asyncio.gather(*(join(client, user, made["code"]) for user in users))

    assert sorted(r.status_code for r in responses) == [201] * 3 + [404] * 5
    async with runtime.database.unit() as uow:
        stored = await uow.session.get(GroupInvite, made["id"])
        counted = await uow.session.scalar(
            select(func.count()).where(GroupMember.group_id == group["id"])
        )
    assert stored is not None
    assert stored.uses == 3
    assert counted == 4


# --- members ----------------------------------------------------------------------------------


async def test_members_show_display_names_and_never_contact_details(client, accounts):
    owner, user = await accounts.create(), await accounts.create()
    await client.patch(f"{API}/users/me", json={"display_name": "Ann"}, headers=owner.auth)
    group = await member_of(client, owner, user)

    body = (await client.get(f"{GROUPS}/{group['id']}/members", headers=user.auth)).json()

    assert body["total"] == 2
    assert all(set(item) == MEMBER_FIELDS for item in body["items"])
    assert [(m["user_id"], m["display_name"], m["role"]) for m in body["items"]] == [
        (owner.id, "Ann", "owner"),
        (user.id, user.username, "member"),
    ]


async def test_a_member_leaves_and_the_owner_cannot(client, accounts):
    owner, user = await accounts.create(), await accounts.create()
    group = await member_of(client, owner, user)
    path = f"{GROUPS}/{group['id']}"

    left = await client.delete(f"{path}/members/{user.id}", headers=user.auth)
    owner_leaves = await client.delete(f"{path}/members/{owner.id}", headers=owner.auth)

    assert left.status_code == 204
    assert (await client.get(path, headers=user.auth)).status_code == 404
    assert owner_leaves.status_code == 409
    assert "transfer" in owner_leaves.json()["detail"]
    assert (await client.get(path, headers=owner.auth)).json()["members"] == 1


async def test_an_admin_removes_members_but_not_other_admins(client, accounts):
    owner, admin, other_admin, member = [await accounts.create() for _ in range(4)]
    group = await create_group(client, owner)
    path = f"{GROUPS}/{group['id']}"
    for user in (admin, other_admin, member):
        await member_of_group(client, owner, user, group)
    for user in (admin, other_admin):
        response = await client.patch(
            f"{path}/members/{user.id}", json={"role": "admin"}, headers=owner.auth
        )
        assert response.status_code == 200

    removes_admin = await client.delete(f"{path}/members/{other_admin.id}", headers=admin.auth)
    removes_member = await client.delete(f"{path}/members/{member.id}", headers=admin.auth)

    assert (removes_admin.status_code, removes_member.status_code) == (403, 204)
    members = (await client.get(f"{path}/members", headers=owner.auth)).json()
    assert {m["user_id"] for m in members["items"]} == {owner.id, admin.id, other_admin.id}


async def test_the_owners_role_changes_only_by_transfer(client, accounts):
    owner, user = await accounts.create(), await accounts.create()
    group = await member_of(client, owner, user)
    path = f"{GROUPS}/{group['id']}"

    demote = await client.patch(
        f"{path}/members/{owner.id}", json={"role": "member"}, headers=owner.auth
    )
    owner_role = await client.patch(
        f"{path}/members/{user.id}", json={"role": "owner"}, headers=owner.auth
    )

    assert demote.status_code == 409
    assert owner_role.status_code == 422


async def test_transfer_hands_ownership_over_and_the_old_owner_may_then_leave(client, accounts):
    owner, user, stranger = (
        await accounts.create(),
        await accounts.create(),
        await accounts.create(),
    )
    group = await member_of(client, owner, user)
    path = f"{GROUPS}/{group['id']}"

    to_stranger = await client.post(
        f"{path}/transfer", json={"user_id": stranger.id}, headers=owner.auth
    )
    moved = await client.post(f"{path}/transfer", json={"user_id": user.id}, headers=owner.auth)

    assert to_stranger.status_code == 404
    assert moved.status_code == 200
    assert (moved.json()["owner_id"], moved.json()["role"]) == (user.id, "admin")
    assert (await client.get(path, headers=user.auth)).json()["role"] == "owner"
    assert (
        await client.delete(f"{path}/members/{owner.id}", headers=owner.auth)
    ).status_code == 204
    assert (await client.patch(path, json={"name": "New"}, headers=user.auth)).status_code == 200


async def test_joining_a_full_group_is_409(accounts, app_factory):
    async with app_factory(group_max_members=2) as client:
        owner = await accounts.create()
        group = await create_group(client, owner)
        code = (await invite(client, owner, group))["code"]
        assert (await join(client, await accounts.create(), code)).status_code == 201

        response = await join(client, await accounts.create(), code)

        assert response.status_code == 409
        assert response.headers["content-type"] == PROBLEM_JSON
        made = (await client.get(f"{GROUPS}/{group['id']}", headers=owner.auth)).json()
        assert made["members"] == 2


async def test_parallel_joins_never_pass_the_member_limit(accounts, app_factory, runtime):
    async with app_factory(group_max_members=4) as client:
        owner = await accounts.create()
        group = await create_group(client, owner)
        made = await invite(client, owner, group)
        users = [await accounts.create() for _ in range(8)]

        responses = await asyncio.gather(*(join(client, user, made["code"]) for user in users))

        assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 5
        members = (await client.get(f"{GROUPS}/{group['id']}/members", headers=owner.auth)).json()
        assert members["total"] == 4
    async with runtime.database.unit() as uow:
        stored = await uow.session.get(GroupInvite, made["id"])
    assert stored is not None
    assert stored.uses == 3  # the refused joins were rolled back with their use


async def test_a_member_who_deletes_their_account_frees_their_place(accounts, app_factory):
    async with app_factory(group_max_members=2) as client:
        owner, gone = await accounts.create(), await accounts.create()
        group = await create_group(client, owner)
        code = (await invite(client, owner, group))["code"]
        assert (await join(client, gone, code)).status_code == 201
        response = await client.request(
            "DELETE", f"{API}/users/me", json={"password": gone.password}, headers=gone.auth
        )
        assert response.status_code == 204, response.text

        response = await join(client, await accounts.create(), code)

        assert response.status_code == 201
        assert response.json()["members"] == 2


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_other_methods_on_the_join_path_are_405_not_a_group_id(client, method):
    response = await client.request(method, f"{API}/groups/join")

    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == "POST"
    assert response.headers["content-type"] == PROBLEM_JSON
