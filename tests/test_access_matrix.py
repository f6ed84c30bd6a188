"""Who may call what: every /api/v1 route against anonymous, bad, wrong-role and right callers.

Each entry of ROUTES says how to make a valid request for a caller, what it answers and with
which fields, how to make it invalid, and how to point it at an object the caller cannot see.
A new route must get an entry: `test_every_api_route_is_in_the_matrix` fails until it has one.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from habitual.auth.scopes import Scope
from habitual.categories.schemas import CategoryWrite
from habitual.categories.service import category_service
from habitual.kit.clock import utcnow
from habitual.models import Channel, Event, TokenPurpose
from habitual.notifications.outbox import Notice, notify_many
from habitual.users import mail
from habitual.users.repository import UserRepository
from tests.factories import (
    API,
    CHECKIN_FIELDS,
    PROBLEM_JSON,
    USER_FIELDS,
    Account,
    Accounts,
    create_habit,
)

MISSING_ID = 987_654
EVERY_SCOPE = frozenset(Scope)

TOKEN_PAIR_FIELDS = frozenset({"access_token", "refresh_token", "token_type", "expires_in"})
LOGIN_FIELDS = TOKEN_PAIR_FIELDS | {"device_token"}
PROFILE_FIELDS = frozenset({"first_name", "last_name", "dob", "bio"})
TOKEN_FIELDS = frozenset(
    {
        "id",
        "name",
        "token_prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "rate_limit",
    }
)
# Admins see an account's usage plan, never its phone number.
ADMIN_USER_FIELDS = (USER_FIELDS - {"phone", "leaderboard_opt_in"}) | {"rate_limit"}
PAGE_FIELDS = frozenset({"items", "total", "page", "page_size"})
HABIT_FIELDS = frozenset(
    {
        "id",
        "name",
        "description",
        "frequency",
        "times_per_period",
        "target_days",
        "every_n_days",
        "kind",
        "goal_value",
        "goal_type",
        "unit",
        "start_date",
        "end_date",
        "color",
        "icon",
        "position",
        "archived",
        "archived_at",
        "category_ids",
        "data_source",
        "created_at",
        "updated_at",
    }
)
ADMIN_HABIT_FIELDS = HABIT_FIELDS | {"user_id", "username"}
CATEGORY_FIELDS = frozenset(
    {"id", "name", "description", "icon", "color", "created_at", "updated_at"}
)
RULE_FIELDS = frozenset(
    {
        "effective_from",
        "frequency",
        "times_per_period",
        "target_days",
        "every_n_days",
        "goal_value",
        "goal_type",
    }
)
TODAY_FIELDS = frozenset({"date", "timezone", "week_start", "day_start", "habits"})
TODAY_HABIT_FIELDS = frozenset(
    {
        "id",
        "name",
        "kind",
        "frequency",
        "unit",
        "color",
        "icon",
        "due",
        "status",
        "value",
        "goal_value",
        "goal_type",
        "met",
        "progress",
        "period",
    }
)
RANGE_FIELDS = frozenset({"from", "to"})
HABIT_STATS_FIELDS = RANGE_FIELDS | {
    "habit_id",
    "completed",
    "due",
    "met",
    "success_rate",
    "current_streak",
    "longest_streak",
    "streak_unit",
    "score",
    "total_value",
    "average_value",
    "by_week",
    "by_month",
}
PROGRESS_FIELDS = RANGE_FIELDS | {"habits"}
SUMMARY_FIELDS = RANGE_FIELDS | {
    "habits",
    "completed",
    "due",
    "met",
    "success_rate",
    "best_current_streak",
    "most_consistent",
    "least_consistent",
    "completions_by_weekday",
}
STREAKS_FIELDS = frozenset({"habit_id", "name", "unit", "current", "longest"})
SVG = "image/svg+xml"
REMINDER_FIELDS = frozenset(
    {
        "id",
        "habit_id",
        "time",
        "days",
        "message",
        "channels",
        "active",
        "next_fire_at",
        "last_fired_at",
        "created_at",
        "updated_at",
    }
)
NOTIFICATION_FIELDS = frozenset(
    {"id", "event", "habit_id", "title", "body", "data", "created_at", "read_at"}
)
GOAL_FIELDS = frozenset(
    {
        "id",
        "habit_id",
        "target",
        "consecutive",
        "start_date",
        "end_date",
        "unit",
        "met",
        "remaining",
        "percent",
        "status",
        "achieved_on",
        "on_track",
        "created_at",
    }
)
WEBHOOK_FIELDS = frozenset({"id", "url", "events", "active", "created_at"})
DELIVERY_FIELDS = frozenset(
    {
        "id",
        "notification_id",
        "channel",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    }
)


class Access(Enum):
    PUBLIC = "anyone, no token"
    LOGIN = "a password login"
    ADMIN = "a password login of an admin"


@dataclass(frozen=True)
class Call:
    """One concrete request: the path with its ids filled in, and what goes with it."""

    path: str
    json: Any = None
    data: dict[str, str] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None


# Builds a request for `caller`, creating whatever objects it needs on the way.
Builder = Callable[[Accounts, Account], Awaitable[Call]]
# The response body: None for 204, a key set for an object, [key set] for a list of objects,
# a media type (str) for a body that is not JSON.
Shape = frozenset[str] | list[frozenset[str]] | str | None


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    access: Access
    valid: Builder
    status: int
    shape: Shape
    # A request with one bad value, and the `loc` the 422 must point at; None: nothing to get wrong.
    invalid: Builder | None = None
    invalid_loc: tuple[str | int, ...] = ()
    # A request for an object that does not exist or is not the caller's; None: no such object.
    unseen: Builder | None = None
    # The scope a personal token needs here (one with it is accepted, one without it is 403);
    # None: personal tokens are refused outright, whatever their scopes.
    token_scope: str | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def fixed(call: Call) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        return call

    return build


async def _register(accounts: Accounts, caller: Account) -> Call:
    body = {"username": "newcomer", "email": "newcomer@example.com", "password": "a long password"}
    return Call(f"{API}/auth/register", json=body)


async def _login(accounts: Accounts, caller: Account) -> Call:
    return Call(
        f"{API}/auth/login", json={"username": caller.username, "password": caller.password}
    )


async def _login_without_identifier(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/auth/login", json={"password": caller.password})


async def _token_form(accounts: Accounts, caller: Account) -> Call:
    return Call(
        f"{API}/auth/token", data={"username": caller.username, "password": caller.password}
    )


async def _token_form_without_password(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/auth/token", data={"username": caller.username})


async def _refresh(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/auth/refresh", json={"refresh_token": caller.refresh_token})


async def _logout(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/auth/logout", json={"refresh_token": caller.refresh_token})


async def _logout_of_someone_else(accounts: Accounts, caller: Account) -> Call:
    other = await accounts.create()
    return Call(f"{API}/auth/logout", json={"refresh_token": other.refresh_token})


async def _mailed_token(accounts: Accounts, caller: Account, purpose: TokenPurpose) -> str:
    """A token as the worker mails it to the caller (tests/users send real emails)."""
    async with accounts.runtime.database.unit() as uow:
        user = await UserRepository(uow).get(caller.id)
        assert user is not None
        return await mail.mint(uow, accounts.runtime.settings, user, purpose, utcnow())


async def _confirm_reset(accounts: Accounts, caller: Account) -> Call:
    token = await _mailed_token(accounts, caller, TokenPurpose.password_reset)
    body = {"token": token, "new_password": "a brand new passphrase"}
    return Call(f"{API}/auth/password-reset/confirm", json=body)


async def _verify_email(accounts: Accounts, caller: Account) -> Call:
    token = await _mailed_token(accounts, caller, TokenPurpose.email_verification)
    return Call(f"{API}/auth/verify-email", json={"token": token})


async def _resend_for_a_new_address(accounts: Accounts, caller: Account) -> Call:
    """The caller's address changed (so it is unverified): a resend is what they may do."""
    response = await accounts.client.patch(
        f"{API}/users/me",
        json={"email": f"new.{caller.username}@example.com", "current_password": caller.password},
        headers=caller.auth,
    )
    assert response.status_code == 200, response.text
    return Call(f"{API}/users/me/verify-email/resend")


async def _delete_me(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/users/me", json={"password": caller.password})


async def _change_password(accounts: Accounts, caller: Account) -> Call:
    body = {"current_password": caller.password, "new_password": "a brand new password"}
    return Call(f"{API}/users/me/password", json=body)


async def _too_short_new_password(accounts: Accounts, caller: Account) -> Call:
    body = {"current_password": caller.password, "new_password": "short"}
    return Call(f"{API}/users/me/password", json=body)


async def _list_tokens(accounts: Accounts, caller: Account) -> Call:
    await accounts.personal_token(caller, "habits:read")
    return Call(f"{API}/users/me/tokens")


async def _delete_own_token(accounts: Accounts, caller: Account) -> Call:
    token_id = await _newest_token_id(accounts, caller)
    return Call(f"{API}/users/me/tokens/{token_id}")


async def _delete_someone_elses_token(accounts: Accounts, caller: Account) -> Call:
    token_id = await _newest_token_id(accounts, await accounts.create())
    return Call(f"{API}/users/me/tokens/{token_id}")


async def _newest_token_id(accounts: Accounts, owner: Account) -> int:
    await accounts.personal_token(owner, "habits:read")
    response = await accounts.client.get(f"{API}/users/me/tokens", headers=owner.auth)
    token_id: int = response.json()[0]["id"]
    return token_id


async def _admin_create_user(accounts: Accounts, caller: Account) -> Call:
    body = {"username": "hired", "email": "hired@example.com", "password": "a long password"}
    return Call(f"{API}/admin/users", json=body | {"role": "admin"})


async def _path_to_a_user(accounts: Accounts, caller: Account) -> Call:
    target = await accounts.create()
    return Call(f"{API}/admin/users/{target.id}")


async def _admin_give_user_a_plan(accounts: Accounts, caller: Account) -> Call:
    target = await accounts.create()
    return Call(f"{API}/admin/users/{target.id}", json={"rate_limit": "6000/minute"})


async def _admin_give_user_a_nonsense_plan(accounts: Accounts, caller: Account) -> Call:
    target = await accounts.create()
    return Call(f"{API}/admin/users/{target.id}", json={"rate_limit": "lots/minute"})


CATEGORIES = f"{API}/categories"
_category_names = itertools.count(1)


async def _category(accounts: Accounts) -> int:
    """A category, made as an admin makes one (whoever the caller is)."""
    body = CategoryWrite(name=f"Category {next(_category_names)}", color="#4caf50")
    async with accounts.runtime.database.unit() as uow:
        category = await category_service.create(uow, body)
        return category.id


def on_category(json: Any = None) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(f"{CATEGORIES}/{await _category(accounts)}", json=json)

    return build


async def _list_categories(accounts: Accounts, caller: Account) -> Call:
    await _category(accounts)
    return Call(CATEGORIES)


async def _put_someones_habit_in_a_category(accounts: Accounts, caller: Account) -> Call:
    habit = await create_habit(accounts.client, await accounts.create())
    category_id = await _category(accounts)
    return Call(
        f"{API}/admin/habits/{habit['id']}/categories", json={"category_ids": [category_id]}
    )


async def _put_someones_habit_in_no_such_category(accounts: Accounts, caller: Account) -> Call:
    habit = await create_habit(accounts.client, await accounts.create())
    return Call(f"{API}/admin/habits/{habit['id']}/categories", json={"category_ids": [MISSING_ID]})


# Makes a habit for the caller (or, for `unseen`, for someone else) and gives its id.
HabitMaker = Callable[[Accounts, Account], Awaitable[int]]


async def _own_habit(accounts: Accounts, caller: Account) -> int:
    habit_id: int = (await create_habit(accounts.client, caller))["id"]
    return habit_id


async def _own_checked_in_habit(accounts: Accounts, caller: Account) -> int:
    """A habit of the caller that has a check-in today."""
    habit_id = await _own_habit(accounts, caller)
    response = await accounts.client.put(
        f"{API}/habits/{habit_id}/checkins/today", json={"status": "done"}, headers=caller.auth
    )
    assert response.status_code == 201, response.text
    return habit_id


async def _own_measurable_habit(accounts: Accounts, caller: Account) -> int:
    habit = await create_habit(
        accounts.client, caller, kind="measurable", goal_value=10_000, unit="steps"
    )
    habit_id: int = habit["id"]
    return habit_id


async def _someone_elses_habit(accounts: Accounts, caller: Account) -> int:
    """Another user's habit, with a check-in today: there is something to find, but not ours."""
    return await _own_checked_in_habit(accounts, await accounts.create())


def on_habit(make_habit: HabitMaker, path: str, json: Any = None, **params: Any) -> Builder:
    """A request to `path` (holding `{habit_id}`) about a habit that `make_habit` makes."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        habit_id = await make_habit(accounts, caller)
        return Call(path.format(habit_id=habit_id), json=json, params=params)

    return build


async def _progress_of_someone_elses_habit(accounts: Accounts, caller: Account) -> Call:
    habit_id = await _someone_elses_habit(accounts, caller)
    return Call(f"{API}/progress", params={"habit_id": habit_id})


def own_address(path: str) -> Builder:
    """A request to `path` naming the caller's email address."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(path, json={"email": caller.email})

    return build


def own(path: str, json: Any = None, **params: Any) -> Builder:
    return on_habit(_own_checked_in_habit, path, json, **params)


def someone_elses(path: str, json: Any = None, **params: Any) -> Builder:
    return on_habit(_someone_elses_habit, path, json, **params)


HABIT = f"{API}/habits/{{habit_id}}"
NEW_HABIT = {"name": "Read", "frequency": "weekly", "times_per_period": 3}
HABIT_PATCH = {"name": "Read more", "color": "#4caf50"}
DONE = {"status": "done"}
STEPS = {"value": 2500}
FROM_AFTER_TO = {"from": "2026-02-01", "to": "2026-01-31"}

REMINDERS = f"{API}/reminders"
NEW_REMINDER = {"time": "07:30", "days": ["monday", "thursday"], "channels": ["inapp"]}
REMINDER_PATCH = {"time": "21:15", "message": "Ten pages before bed"}
NOTIFICATIONS = f"{API}/notifications"
WEBHOOKS = f"{API}/webhooks"
# A literal public address: it passes the destination check without a DNS lookup, and nothing
# is sent to it (no worker runs while a webhook delivery is pending).
PUBLIC_HOOK = "http://93.184.215.14/hook"
NEW_WEBHOOK = {"url": PUBLIC_HOOK, "events": ["reminder", "goal_reached"]}
_dedupe_keys = itertools.count(1)


def new_reminder(make_habit: HabitMaker, **changes: Any) -> Builder:
    """POST /reminders for a habit that `make_habit` makes."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        habit_id = await make_habit(accounts, caller)
        return Call(REMINDERS, json=NEW_REMINDER | {"habit_id": habit_id} | changes)

    return build


async def _reminder_of(accounts: Accounts, owner: Account) -> int:
    habit_id = await _own_habit(accounts, owner)
    response = await accounts.client.post(
        REMINDERS, json=NEW_REMINDER | {"habit_id": habit_id}, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    reminder_id: int = response.json()["id"]
    return reminder_id


async def _list_reminders(accounts: Accounts, caller: Account) -> Call:
    await _reminder_of(accounts, caller)
    return Call(REMINDERS)


def own_reminder(path: str = "", json: Any = None) -> Builder:
    """A request to /reminders/{id}`path` about a reminder of the caller."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(f"{REMINDERS}/{await _reminder_of(accounts, caller)}{path}", json=json)

    return build


def someone_elses_reminder(path: str = "", json: Any = None) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        other = await accounts.create()
        return Call(f"{REMINDERS}/{await _reminder_of(accounts, other)}{path}", json=json)

    return build


SHARES = f"{HABIT}/shares"
SHARE_CREATED_FIELDS = frozenset({"id", "url", "token", "created_at", "expires_at"})
SHARE_FIELDS = frozenset({"id", "habit_id", "created_at", "expires_at"})
SHARED_HABIT_FIELDS = frozenset(
    {
        "name",
        "owner",
        "current_streak",
        "longest_streak",
        "streak_unit",
        "success_rate",
        "year",
        "met_days",
    }
)


async def _share_of(accounts: Accounts, owner: Account) -> tuple[int, dict[str, Any]]:
    """A habit of `owner` and a share link of it (its id and token)."""
    habit_id = await _own_checked_in_habit(accounts, owner)
    response = await accounts.client.post(
        SHARES.format(habit_id=habit_id), json={}, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    return habit_id, response.json()


async def _list_shares(accounts: Accounts, caller: Account) -> Call:
    habit_id, _ = await _share_of(accounts, caller)
    return Call(SHARES.format(habit_id=habit_id))


async def _own_share(accounts: Accounts, caller: Account) -> Call:
    habit_id, created = await _share_of(accounts, caller)
    return Call(f"{SHARES.format(habit_id=habit_id)}/{created['id']}")


async def _someone_elses_share(accounts: Accounts, caller: Account) -> Call:
    habit_id, created = await _share_of(accounts, await accounts.create())
    return Call(f"{SHARES.format(habit_id=habit_id)}/{created['id']}")


async def _shared(accounts: Accounts, caller: Account) -> Call:
    _, created = await _share_of(accounts, caller)
    return Call(f"{API}/shared/{created['token']}")


CALENDAR_FEED = f"{API}/calendar/feed"
CALENDAR_FEED_FIELDS = frozenset({"url", "token"})


async def _calendar_token(accounts: Accounts, owner: Account) -> str:
    response = await accounts.client.post(CALENDAR_FEED, headers=owner.auth)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


async def _own_calendar_feed(accounts: Accounts, caller: Account) -> Call:
    await _calendar_token(accounts, caller)
    return Call(CALENDAR_FEED)


async def _calendar_ics(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/calendar/{await _calendar_token(accounts, caller)}.ics")


async def _calendar_ics_with_bad_history(accounts: Accounts, caller: Account) -> Call:
    token = await _calendar_token(accounts, caller)
    return Call(f"{API}/calendar/{token}.ics", params={"history": "maybe"})


CALDAV = f"{API}/calendar/caldav"
CALDAV_FIELDS = frozenset({"url", "username", "last_synced_at", "last_error", "events"})
# A literal public address, as for webhooks: no DNS lookup, and no worker runs to push to it.
NEW_CALDAV = {"url": "https://93.184.215.14/dav/habits/", "username": "u", "password": "pw"}


async def _own_caldav(accounts: Accounts, caller: Account) -> Call:
    response = await accounts.client.put(CALDAV, json=NEW_CALDAV, headers=caller.auth)
    assert response.status_code == 200, response.text
    return Call(CALDAV)


CHALLENGES = f"{API}/challenges"
# Far ahead of the real clock: the matrix runs without a frozen one.
NEW_CHALLENGE = {"name": "Read", "start_date": "2030-01-01", "end_date": "2030-01-31"}
CHALLENGE_FIELDS = frozenset(
    {
        "id",
        "owner_id",
        "name",
        "description",
        "start_date",
        "end_date",
        "frequency",
        "times_per_period",
        "target_days",
        "every_n_days",
        "kind",
        "goal_value",
        "goal_type",
        "unit",
        "metric",
        "visibility",
        "max_participants",
        "participants",
        "joined",
        "status",
        "invite_code",
        "created_at",
        "updated_at",
    }
)
PARTICIPATION_FIELDS = frozenset({"challenge_id", "user_id", "habit_id", "joined_at"})
STANDINGS_FIELDS = PAGE_FIELDS | {"final"}


async def _challenge_of(accounts: Accounts, owner: Account, **fields: Any) -> int:
    response = await accounts.client.post(
        CHALLENGES, json=NEW_CHALLENGE | fields, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    challenge_id: int = response.json()["id"]
    return challenge_id


async def _list_challenges(accounts: Accounts, caller: Account) -> Call:
    await _challenge_of(accounts, caller)
    return Call(CHALLENGES)


def own_challenge(path: str = "", json: Any = None, *, joined: bool = False) -> Builder:
    """A request to /challenges/{id}`path` about a challenge the caller owns (and is in)."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        challenge_id = await _challenge_of(accounts, caller)
        if joined:
            response = await accounts.client.post(
                f"{CHALLENGES}/{challenge_id}/join", json={}, headers=caller.auth
            )
            assert response.status_code == 201, response.text
        return Call(f"{CHALLENGES}/{challenge_id}{path}", json=json)

    return build


def someone_elses_private_challenge(path: str = "", json: Any = None) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        challenge_id = await _challenge_of(accounts, await accounts.create(), visibility="private")
        return Call(f"{CHALLENGES}/{challenge_id}{path}", json=json)

    return build


GROUPS = f"{API}/groups"
GROUP_FIELDS = frozenset(
    {"id", "owner_id", "name", "description", "members", "role", "created_at", "updated_at"}
)
GROUP_INVITE_FIELDS = frozenset(
    {"id", "group_id", "code", "expires_at", "max_uses", "uses", "created_at"}
)
GROUP_MEMBER_FIELDS = frozenset({"user_id", "display_name", "role", "joined_at"})


async def _group_of(accounts: Accounts, owner: Account) -> int:
    response = await accounts.client.post(GROUPS, json={"name": "Runners"}, headers=owner.auth)
    assert response.status_code == 201, response.text
    group_id: int = response.json()["id"]
    return group_id


async def _group_invite(accounts: Accounts, owner: Account, group_id: int) -> dict[str, Any]:
    response = await accounts.client.post(
        f"{GROUPS}/{group_id}/invites", json={}, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    invite: dict[str, Any] = response.json()
    return invite


async def _group_with_member(accounts: Accounts, owner: Account) -> tuple[int, int]:
    """A group of `owner` that someone else joined: its id and the member's."""
    group_id = await _group_of(accounts, owner)
    member = await accounts.create()
    code = (await _group_invite(accounts, owner, group_id))["code"]
    response = await accounts.client.post(
        f"{GROUPS}/join", json={"code": code}, headers=member.auth
    )
    assert response.status_code == 201, response.text
    return group_id, member.id


def own_group(path: str = "", json: Any = None) -> Builder:
    """A request to /groups/{id}`path` about a group the caller owns."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(f"{GROUPS}/{await _group_of(accounts, caller)}{path}", json=json)

    return build


def someone_elses_group(path: str = "", json: Any = None) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(
            f"{GROUPS}/{await _group_of(accounts, await accounts.create())}{path}", json=json
        )

    return build


def group_board(*, mine: bool) -> Builder:
    """The current-streak board of a group of the caller (mine) or of someone else's."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        owner = caller if mine else await accounts.create()
        group_id = await _group_of(accounts, owner)
        return Call(f"{API}/leaderboards/current_streak", params={"scope": f"group:{group_id}"})

    return build


BOARD_FIELDS = frozenset({"items", "me"})


def own_group_member(json: Any = None, *, path: str = "") -> Builder:
    """A request to /groups/{id}/members/{member}`path` of a group the caller owns."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        group_id, member_id = await _group_with_member(accounts, caller)
        return Call(f"{GROUPS}/{group_id}/members/{member_id}{path}", json=json)

    return build


def someone_elses_group_member(json: Any = None) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        group_id, member_id = await _group_with_member(accounts, await accounts.create())
        return Call(f"{GROUPS}/{group_id}/members/{member_id}", json=json)

    return build


async def _own_group_invite(accounts: Accounts, caller: Account) -> Call:
    group_id = await _group_of(accounts, caller)
    invite = await _group_invite(accounts, caller, group_id)
    return Call(f"{GROUPS}/{group_id}/invites/{invite['id']}")


async def _someone_elses_group_invite(accounts: Accounts, caller: Account) -> Call:
    other = await accounts.create()
    group_id = await _group_of(accounts, other)
    invite = await _group_invite(accounts, other, group_id)
    return Call(f"{GROUPS}/{group_id}/invites/{invite['id']}")


async def _join_group(accounts: Accounts, caller: Account) -> Call:
    other = await accounts.create()
    invite = await _group_invite(accounts, other, await _group_of(accounts, other))
    return Call(f"{GROUPS}/join", json={"code": invite["code"]})


async def _transfer_group(accounts: Accounts, caller: Account) -> Call:
    group_id, member_id = await _group_with_member(accounts, caller)
    return Call(f"{GROUPS}/{group_id}/transfer", json={"user_id": member_id})


async def _transfer_someone_elses_group(accounts: Accounts, caller: Account) -> Call:
    group_id, member_id = await _group_with_member(accounts, await accounts.create())
    return Call(f"{GROUPS}/{group_id}/transfer", json={"user_id": member_id})


async def _list_groups(accounts: Accounts, caller: Account) -> Call:
    await _group_of(accounts, caller)
    return Call(GROUPS)


GROUP_HABIT_FIELDS = frozenset({"group_id", "habit_id", "user_id", "habit_name", "shared_at"})
GROUP_PROGRESS_FIELDS = frozenset({"group_id", "members"})


async def _group_habit(accounts: Accounts, owner: Account, *, shared: bool) -> Call:
    """/groups/{id}/habits/{habit_id} of a group and a habit of `owner`, shared or not yet."""
    group_id = await _group_of(accounts, owner)
    habit_id = (await create_habit(accounts.client, owner))["id"]
    path = f"{GROUPS}/{group_id}/habits/{habit_id}"
    if shared:
        response = await accounts.client.put(path, headers=owner.auth)
        assert response.status_code == 201, response.text
    return Call(path)


async def _share_own_habit(accounts: Accounts, caller: Account) -> Call:
    return await _group_habit(accounts, caller, shared=False)


async def _unshare_own_habit(accounts: Accounts, caller: Account) -> Call:
    return await _group_habit(accounts, caller, shared=True)


async def _share_into_someone_elses_group(accounts: Accounts, caller: Account) -> Call:
    """The caller's own habit, into a group they are not a member of."""
    group_id = await _group_of(accounts, await accounts.create())
    habit_id = (await create_habit(accounts.client, caller))["id"]
    return Call(f"{GROUPS}/{group_id}/habits/{habit_id}")


async def _unshare_in_someone_elses_group(accounts: Accounts, caller: Account) -> Call:
    return await _group_habit(accounts, await accounts.create(), shared=True)


FITNESS = f"{API}/fitness"
FITNESS_SAMPLE = {
    "metric": "steps",
    "value": 1200,
    "start": "2026-03-01T09:00:00+01:00",
    "source": "watch",
    "external_id": "w-1",
}
INGEST_FIELDS = frozenset({"accepted", "updated", "duplicates", "rejected"})
FITNESS_DAILY_FIELDS = frozenset({"metric", "items"})
FITNESS_SUMMARY_FIELDS = RANGE_FIELDS | {
    "metric",
    "days",
    "total",
    "daily_average",
    "best_day",
    "goal",
    "days_met",
    "current_run",
    "longest_run",
}
FITNESS_GOAL_FIELDS = frozenset({"metric", "daily_target"})
FITNESS_SOURCES_FIELDS = frozenset({"priority", "merge", "known"})


FITNESS_IMPORT_FIELDS = frozenset(
    {
        "id",
        "format",
        "status",
        "filename",
        "size_bytes",
        "samples_read",
        "accepted",
        "updated",
        "duplicates",
        "rejected",
        "warnings",
        "error",
        "created_at",
        "updated_at",
        "finished_at",
    }
)
FITNESS_CSV = {"file": ("days.csv", b"date,metric,value\n2026-03-01,steps,100\n", "text/csv")}


async def _fitness_import_of(accounts: Accounts, owner: Account) -> int:
    response = await accounts.client.post(
        f"{FITNESS}/imports", data={"format": "csv"}, files=FITNESS_CSV, headers=owner.auth
    )
    assert response.status_code == 202, response.text
    import_id: int = response.json()["id"]
    return import_id


async def _get_fitness_import(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{FITNESS}/imports/{await _fitness_import_of(accounts, caller)}")


async def _get_someone_elses_fitness_import(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{FITNESS}/imports/{await _fitness_import_of(accounts, await accounts.create())}")


HABIT_IMPORT_CSV = {
    "file": (
        "habitbull.csv",
        b"HabitName,HabitDescription,HabitCategory,CalendarDate,Value,CommentText\n"
        b"Run,,,2026-01-05,1,\n",
        "text/csv",
    )
}
HABIT_IMPORT_FIELDS = frozenset(
    {
        "id",
        "format",
        "filename",
        "size_bytes",
        "file_sha256",
        "created_at",
        "habits_created",
        "habits_updated",
        "checkins_created",
        "reminders_created",
        "warnings",
    }
)


async def _habit_import_of(accounts: Accounts, owner: Account) -> int:
    response = await accounts.client.post(
        f"{API}/imports",
        data={"format": "habitbull_csv"},
        files=HABIT_IMPORT_CSV,
        headers=owner.auth,
    )
    assert response.status_code == 201, response.text
    import_id: int = response.json()["id"]
    return import_id


async def _get_habit_import(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/imports/{await _habit_import_of(accounts, caller)}")


async def _get_someone_elses_habit_import(accounts: Accounts, caller: Account) -> Call:
    return Call(f"{API}/imports/{await _habit_import_of(accounts, await accounts.create())}")


async def _fitness_goal_of(accounts: Accounts, owner: Account) -> None:
    response = await accounts.client.put(
        f"{FITNESS}/goals/steps", json={"daily_target": 10_000}, headers=owner.auth
    )
    assert response.status_code == 200, response.text


async def _list_fitness_goals(accounts: Accounts, caller: Account) -> Call:
    await _fitness_goal_of(accounts, caller)
    return Call(f"{FITNESS}/goals")


async def _delete_fitness_goal(accounts: Accounts, caller: Account) -> Call:
    await _fitness_goal_of(accounts, caller)
    return Call(f"{FITNESS}/goals/steps")


async def _delete_someone_elses_fitness_goal(accounts: Accounts, caller: Account) -> Call:
    """Another user's goal for steps: the caller has none of their own to delete."""
    await _fitness_goal_of(accounts, await accounts.create())
    return Call(f"{FITNESS}/goals/steps")


async def _notify(accounts: Accounts, owner: Account, *channels: Channel) -> int:
    """A notification for `owner` on these channels (the outbox holds its email and webhooks)."""
    dedupe_key = f"matrix-{next(_dedupe_keys)}"
    notice = Notice(
        user_id=owner.id,
        habit_id=None,
        event=Event.reminder,
        dedupe_key=dedupe_key,
        title="Time to read",
        body="Ten pages before bed.",
        data={},
        channels=frozenset(channels),
    )
    async with accounts.runtime.database.unit() as uow:
        created = await notify_many(await uow.connection(), [notice])
    return created[dedupe_key]


async def _inbox_notification_of(accounts: Accounts, owner: Account) -> int:
    """A notification in `owner`'s inbox: one for the in-app channel is there once committed."""
    return await _notify(accounts, owner, Channel.inapp)


def own_notification(path: str) -> Builder:
    """A request to /notifications/{id}`path` about a notification in the caller's inbox."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(f"{NOTIFICATIONS}/{await _inbox_notification_of(accounts, caller)}{path}")

    return build


def someone_elses_notification(path: str) -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        other = await accounts.create()
        return Call(f"{NOTIFICATIONS}/{await _inbox_notification_of(accounts, other)}{path}")

    return build


def _inbox_then(path: str) -> Builder:
    """A request to `path` with a notification in the caller's inbox."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        await _inbox_notification_of(accounts, caller)
        return Call(path)

    return build


async def _retry_a_notification(accounts: Accounts, caller: Account) -> Call:
    # Anyone's notification: an admin retries for every user.
    notification_id = await _inbox_notification_of(accounts, await accounts.create())
    return Call(f"{API}/admin/notifications/{notification_id}/retry")


async def _webhook_of(accounts: Accounts, owner: Account) -> int:
    response = await accounts.client.post(WEBHOOKS, json=NEW_WEBHOOK, headers=owner.auth)
    assert response.status_code == 201, response.text
    webhook_id: int = response.json()["id"]
    return webhook_id


async def _list_webhooks(accounts: Accounts, caller: Account) -> Call:
    await _webhook_of(accounts, caller)
    return Call(WEBHOOKS)


def own_webhook(path: str = "") -> Builder:
    """A request to /webhooks/{id}`path` about a webhook of the caller."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(f"{WEBHOOKS}/{await _webhook_of(accounts, caller)}{path}")

    return build


def someone_elses_webhook(path: str = "") -> Builder:
    async def build(accounts: Accounts, caller: Account) -> Call:
        return Call(f"{WEBHOOKS}/{await _webhook_of(accounts, await accounts.create())}{path}")

    return build


GOALS = f"{HABIT}/goals"
NEW_GOAL = {"target": 30}


async def _goal_of(accounts: Accounts, owner: Account) -> tuple[int, int]:
    """A habit of `owner` with a goal: (habit id, goal id)."""
    habit_id = await _own_habit(accounts, owner)
    response = await accounts.client.post(
        GOALS.format(habit_id=habit_id), json=NEW_GOAL, headers=owner.auth
    )
    assert response.status_code == 201, response.text
    goal_id: int = response.json()["id"]
    return habit_id, goal_id


async def _list_goals(accounts: Accounts, caller: Account) -> Call:
    habit_id, _ = await _goal_of(accounts, caller)
    return Call(GOALS.format(habit_id=habit_id))


def own_goal() -> Builder:
    """A request about a goal of the caller's."""

    async def build(accounts: Accounts, caller: Account) -> Call:
        habit_id, goal_id = await _goal_of(accounts, caller)
        return Call(f"{GOALS.format(habit_id=habit_id)}/{goal_id}")

    return build


async def _someone_elses_goal(accounts: Accounts, caller: Account) -> Call:
    habit_id, goal_id = await _goal_of(accounts, await accounts.create())
    return Call(f"{GOALS.format(habit_id=habit_id)}/{goal_id}")


async def _own_habit_with_a_word_for_goal(accounts: Accounts, caller: Account) -> Call:
    habit_id, _ = await _goal_of(accounts, caller)
    return Call(f"{GOALS.format(habit_id=habit_id)}/first")


ROUTES = [
    Route(
        "POST",
        "/api/v1/auth/register",
        Access.PUBLIC,
        valid=_register,
        status=201,
        shape=USER_FIELDS,
        invalid=fixed(
            Call(
                f"{API}/auth/register",
                json={"username": "x", "email": "x@example.com", "password": "a long password"},
            )
        ),
        invalid_loc=("body", "username"),
    ),
    Route(
        "POST",
        "/api/v1/auth/login",
        Access.PUBLIC,
        valid=_login,
        status=200,
        shape=LOGIN_FIELDS,
        invalid=_login_without_identifier,
        invalid_loc=("body",),
    ),
    Route(
        "POST",
        "/api/v1/auth/token",
        Access.PUBLIC,
        valid=_token_form,
        status=200,
        shape=LOGIN_FIELDS,
        invalid=_token_form_without_password,
        invalid_loc=("body", "password"),
    ),
    Route(
        "POST",
        "/api/v1/auth/refresh",
        Access.PUBLIC,
        valid=_refresh,
        status=200,
        shape=TOKEN_PAIR_FIELDS,
        invalid=fixed(Call(f"{API}/auth/refresh", json={"refresh_token": ""})),
        invalid_loc=("body", "refresh_token"),
    ),
    Route(
        "POST",
        "/api/v1/auth/logout",
        Access.LOGIN,
        valid=_logout,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{API}/auth/logout", json={"refresh_token": ""})),
        invalid_loc=("body", "refresh_token"),
        unseen=_logout_of_someone_else,
    ),
    Route(
        "POST",
        "/api/v1/auth/password-reset",
        Access.PUBLIC,
        valid=own_address(f"{API}/auth/password-reset"),
        status=202,
        shape=frozenset({"detail"}),
        invalid=fixed(Call(f"{API}/auth/password-reset", json={"email": "not an address"})),
        invalid_loc=("body", "email"),
    ),
    Route(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        Access.PUBLIC,
        valid=_confirm_reset,
        status=204,
        shape=None,
        invalid=fixed(
            Call(
                f"{API}/auth/password-reset/confirm",
                json={"token": "hab_pr_x", "new_password": "short"},
            )
        ),
        invalid_loc=("body", "new_password"),
    ),
    Route(
        "POST",
        "/api/v1/auth/verify-email",
        Access.PUBLIC,
        valid=_verify_email,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{API}/auth/verify-email", json={"token": ""})),
        invalid_loc=("body", "token"),
    ),
    Route(
        "POST",
        "/api/v1/auth/logout-all",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/auth/logout-all")),
        status=204,
        shape=None,
    ),
    Route(
        "GET",
        "/api/v1/users/me",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/users/me")),
        status=200,
        shape=USER_FIELDS,
        token_scope="profile:read",
    ),
    Route(
        "PATCH",
        "/api/v1/users/me",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/users/me", json={"timezone": "Europe/Berlin", "day_start": 4})),
        status=200,
        shape=USER_FIELDS,
        invalid=fixed(Call(f"{API}/users/me", json={"day_start": 24})),
        invalid_loc=("body", "day_start"),
    ),
    Route(
        "DELETE",
        "/api/v1/users/me",
        Access.LOGIN,
        valid=_delete_me,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{API}/users/me", json={})),
        invalid_loc=("body", "password"),
    ),
    Route(
        "PUT",
        "/api/v1/users/me/password",
        Access.LOGIN,
        valid=_change_password,
        status=204,
        shape=None,
        invalid=_too_short_new_password,
        invalid_loc=("body", "new_password"),
    ),
    Route(
        "POST",
        "/api/v1/users/me/verify-email/resend",
        Access.LOGIN,
        valid=_resend_for_a_new_address,
        status=202,
        shape=frozenset({"detail"}),
    ),
    Route(
        "GET",
        "/api/v1/users/me/profile",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/users/me/profile")),
        status=200,
        shape=PROFILE_FIELDS,
        token_scope="profile:read",
    ),
    Route(
        "PUT",
        "/api/v1/users/me/profile",
        Access.LOGIN,
        valid=fixed(
            Call(f"{API}/users/me/profile", json={"first_name": "Ada", "dob": "1990-12-10"})
        ),
        status=200,
        shape=PROFILE_FIELDS,
        invalid=fixed(Call(f"{API}/users/me/profile", json={"dob": "2999-01-01"})),
        invalid_loc=("body", "dob"),
    ),
    Route(
        "GET",
        "/api/v1/users/me/notification-preferences",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/users/me/notification-preferences")),
        status=200,
        shape=frozenset({"items"}),
        token_scope="profile:read",
    ),
    Route(
        "PUT",
        "/api/v1/users/me/notification-preferences",
        Access.LOGIN,
        valid=fixed(
            Call(
                f"{API}/users/me/notification-preferences",
                json={"preferences": {"streak_milestone": ["inapp", "email"]}},
            )
        ),
        status=200,
        shape=frozenset({"items"}),
        invalid=fixed(
            Call(
                f"{API}/users/me/notification-preferences",
                json={"preferences": {"reminder": ["sms"]}},
            )
        ),
        invalid_loc=("body", "preferences", "reminder", 0),
    ),
    Route(
        "GET",
        "/api/v1/users/me/tokens",
        Access.LOGIN,
        valid=_list_tokens,
        status=200,
        shape=[TOKEN_FIELDS],
    ),
    Route(
        "POST",
        "/api/v1/users/me/tokens",
        Access.LOGIN,
        valid=fixed(
            Call(f"{API}/users/me/tokens", json={"name": "cron", "scopes": ["habits:read"]})
        ),
        status=201,
        shape=TOKEN_FIELDS | {"token"},
        invalid=fixed(Call(f"{API}/users/me/tokens", json={"name": "cron", "scopes": ["root"]})),
        invalid_loc=("body", "scopes", 0),
    ),
    Route(
        "DELETE",
        "/api/v1/users/me/tokens/{token_id}",
        Access.LOGIN,
        valid=_delete_own_token,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{API}/users/me/tokens/first")),
        invalid_loc=("path", "token_id"),
        unseen=_delete_someone_elses_token,
    ),
    Route(
        "GET",
        "/api/v1/admin/users",
        Access.ADMIN,
        valid=fixed(Call(f"{API}/admin/users")),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{API}/admin/users", params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
    ),
    Route(
        "POST",
        "/api/v1/admin/users",
        Access.ADMIN,
        valid=_admin_create_user,
        status=201,
        shape=ADMIN_USER_FIELDS,
        invalid=fixed(
            Call(
                f"{API}/admin/users",
                json={"username": "hired", "email": "not-an-email", "password": "a long password"},
            )
        ),
        invalid_loc=("body", "email"),
    ),
    Route(
        "GET",
        "/api/v1/admin/users/{user_id}",
        Access.ADMIN,
        valid=_path_to_a_user,
        status=200,
        shape=ADMIN_USER_FIELDS,
        invalid=fixed(Call(f"{API}/admin/users/first")),
        invalid_loc=("path", "user_id"),
        unseen=fixed(Call(f"{API}/admin/users/{MISSING_ID}")),
    ),
    Route(
        "PATCH",
        "/api/v1/admin/users/{user_id}",
        Access.ADMIN,
        valid=_admin_give_user_a_plan,
        status=200,
        shape=ADMIN_USER_FIELDS,
        invalid=_admin_give_user_a_nonsense_plan,
        invalid_loc=("body", "rate_limit"),
        unseen=fixed(Call(f"{API}/admin/users/{MISSING_ID}", json={"rate_limit": "6000/minute"})),
    ),
    Route(
        "DELETE",
        "/api/v1/admin/users/{user_id}",
        Access.ADMIN,
        valid=_path_to_a_user,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{API}/admin/users/first")),
        invalid_loc=("path", "user_id"),
        unseen=fixed(Call(f"{API}/admin/users/{MISSING_ID}")),
    ),
    Route(
        "GET",
        "/api/v1/habits",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/habits")),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{API}/habits", params={"sort": "colour"})),
        invalid_loc=("query", "sort"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/habits",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/habits", json=NEW_HABIT)),
        status=201,
        shape=HABIT_FIELDS,
        invalid=fixed(Call(f"{API}/habits", json=NEW_HABIT | {"times_per_period": 8})),
        invalid_loc=("body", "times_per_period"),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}",
        Access.LOGIN,
        valid=own(HABIT),
        status=200,
        shape=HABIT_FIELDS,
        invalid=fixed(Call(f"{API}/habits/first")),
        invalid_loc=("path", "habit_id"),
        unseen=someone_elses(HABIT),
        token_scope="habits:read",
    ),
    Route(
        "PATCH",
        "/api/v1/habits/{habit_id}",
        Access.LOGIN,
        valid=own(HABIT, HABIT_PATCH),
        status=200,
        shape=HABIT_FIELDS,
        invalid=own(HABIT, {"color": "green"}),
        invalid_loc=("body", "color"),
        unseen=someone_elses(HABIT, HABIT_PATCH),
        token_scope="habits:write",
    ),
    Route(
        "PUT",
        "/api/v1/habits/{habit_id}",
        Access.LOGIN,
        valid=own(HABIT, NEW_HABIT),
        status=200,
        shape=HABIT_FIELDS,
        invalid=own(HABIT, NEW_HABIT | {"name": ""}),
        invalid_loc=("body", "name"),
        unseen=someone_elses(HABIT, NEW_HABIT),
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/habits/{habit_id}",
        Access.LOGIN,
        valid=own(HABIT),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{API}/habits/0")),
        invalid_loc=("path", "habit_id"),
        unseen=someone_elses(HABIT),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/rules",
        Access.LOGIN,
        valid=own(f"{HABIT}/rules"),
        status=200,
        shape=[RULE_FIELDS],
        invalid=fixed(Call(f"{API}/habits/first/rules")),
        invalid_loc=("path", "habit_id"),
        unseen=someone_elses(f"{HABIT}/rules"),
        token_scope="habits:read",
    ),
    Route(
        "PUT",
        "/api/v1/habits/{habit_id}/checkins/{date}",
        Access.LOGIN,
        valid=on_habit(_own_habit, f"{HABIT}/checkins/today", DONE),
        status=201,
        shape=CHECKIN_FIELDS,
        invalid=own(f"{HABIT}/checkins/today", {"status": "maybe"}),
        invalid_loc=("body", "status"),
        unseen=someone_elses(f"{HABIT}/checkins/today", DONE),
        token_scope="checkins:write",
    ),
    Route(
        "DELETE",
        "/api/v1/habits/{habit_id}/checkins/{date}",
        Access.LOGIN,
        valid=own(f"{HABIT}/checkins/today"),
        status=204,
        shape=None,
        invalid=own(f"{HABIT}/checkins/yesterday"),
        invalid_loc=("path", "date"),
        unseen=someone_elses(f"{HABIT}/checkins/today"),
        token_scope="checkins:write",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/checkins",
        Access.LOGIN,
        valid=own(f"{HABIT}/checkins"),
        status=200,
        shape=[CHECKIN_FIELDS],
        invalid=own(f"{HABIT}/checkins", **{"from": "2026-13-01"}),
        invalid_loc=("query", "from"),
        unseen=someone_elses(f"{HABIT}/checkins"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/habits/{habit_id}/entries",
        Access.LOGIN,
        valid=on_habit(_own_measurable_habit, f"{HABIT}/entries", STEPS),
        status=201,
        shape=CHECKIN_FIELDS,
        invalid=on_habit(_own_measurable_habit, f"{HABIT}/entries", {"value": 0}),
        invalid_loc=("body", "value"),
        unseen=someone_elses(f"{HABIT}/entries", STEPS),
        token_scope="checkins:write",
    ),
    Route(
        "GET",
        "/api/v1/today",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/today")),
        status=200,
        shape=TODAY_FIELDS,
        invalid=fixed(Call(f"{API}/today", params={"tz": "Mars/Olympus_Mons"})),
        invalid_loc=("query", "tz"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/progress",
        Access.LOGIN,
        valid=own(f"{API}/progress"),
        status=200,
        shape=PROGRESS_FIELDS,
        invalid=fixed(Call(f"{API}/progress", params={"from": "2025-01-01", "to": "2026-01-02"})),
        invalid_loc=("query", "from"),
        unseen=_progress_of_someone_elses_habit,
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/stats",
        Access.LOGIN,
        valid=own(f"{HABIT}/stats"),
        status=200,
        shape=HABIT_STATS_FIELDS,
        invalid=own(f"{HABIT}/stats", **FROM_AFTER_TO),
        invalid_loc=("query", "from"),
        unseen=someone_elses(f"{HABIT}/stats"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/stats",
        Access.LOGIN,
        valid=own(f"{API}/stats"),
        status=200,
        shape=SUMMARY_FIELDS,
        invalid=fixed(Call(f"{API}/stats", params=FROM_AFTER_TO)),
        invalid_loc=("query", "from"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/streaks",
        Access.LOGIN,
        valid=own(f"{API}/streaks"),
        status=200,
        shape=[STREAKS_FIELDS],
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/calendar.svg",
        Access.LOGIN,
        valid=own(f"{HABIT}/calendar.svg"),
        status=200,
        shape=SVG,
        invalid=own(f"{HABIT}/calendar.svg", year=1800),
        invalid_loc=("query", "year"),
        unseen=someone_elses(f"{HABIT}/calendar.svg"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/trend.svg",
        Access.LOGIN,
        valid=own(f"{HABIT}/trend.svg"),
        status=200,
        shape=SVG,
        invalid=own(f"{HABIT}/trend.svg", metric="value"),
        invalid_loc=("query", "metric"),
        unseen=someone_elses(f"{HABIT}/trend.svg"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/reminders",
        Access.LOGIN,
        valid=_list_reminders,
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(REMINDERS, params={"sort": "habit"})),
        invalid_loc=("query", "sort"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/reminders",
        Access.LOGIN,
        valid=new_reminder(_own_habit),
        status=201,
        shape=REMINDER_FIELDS,
        invalid=new_reminder(_own_habit, time="7:5"),
        invalid_loc=("body", "time"),
        unseen=new_reminder(_someone_elses_habit),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/reminders/{reminder_id}",
        Access.LOGIN,
        valid=own_reminder(),
        status=200,
        shape=REMINDER_FIELDS,
        invalid=fixed(Call(f"{REMINDERS}/first")),
        invalid_loc=("path", "reminder_id"),
        unseen=someone_elses_reminder(),
        token_scope="habits:read",
    ),
    Route(
        "PATCH",
        "/api/v1/reminders/{reminder_id}",
        Access.LOGIN,
        valid=own_reminder(json=REMINDER_PATCH),
        status=200,
        shape=REMINDER_FIELDS,
        invalid=own_reminder(json={"days": []}),
        invalid_loc=("body", "days"),
        unseen=someone_elses_reminder(json=REMINDER_PATCH),
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/reminders/{reminder_id}",
        Access.LOGIN,
        valid=own_reminder(),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{REMINDERS}/0")),
        invalid_loc=("path", "reminder_id"),
        unseen=someone_elses_reminder(),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/habits/{habit_id}/shares",
        Access.LOGIN,
        valid=own(SHARES, json={}),
        status=201,
        shape=SHARE_CREATED_FIELDS,
        invalid=own(SHARES, json={"expires_at": "2099-01-01T00:00:00"}),
        invalid_loc=("body", "expires_at"),
        unseen=someone_elses(SHARES, json={}),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/shares",
        Access.LOGIN,
        valid=_list_shares,
        status=200,
        shape=[SHARE_FIELDS],
        invalid=fixed(Call(f"{API}/habits/first/shares")),
        invalid_loc=("path", "habit_id"),
        unseen=someone_elses(SHARES),
        token_scope="habits:read",
    ),
    Route(
        "DELETE",
        "/api/v1/habits/{habit_id}/shares/{share_id}",
        Access.LOGIN,
        valid=_own_share,
        status=204,
        shape=None,
        invalid=own(f"{SHARES}/0"),
        invalid_loc=("path", "share_id"),
        unseen=_someone_elses_share,
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/shared/{token}",
        Access.PUBLIC,
        valid=_shared,
        status=200,
        shape=SHARED_HABIT_FIELDS,
        unseen=fixed(Call(f"{API}/shared/hab_sh_unknown")),
    ),
    Route(
        "POST",
        "/api/v1/calendar/feed",
        Access.LOGIN,
        valid=fixed(Call(CALENDAR_FEED)),
        status=201,
        shape=CALENDAR_FEED_FIELDS,
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/calendar/sync",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/calendar/sync")),
        status=201,
        shape=CALENDAR_FEED_FIELDS,
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/calendar/feed",
        Access.LOGIN,
        valid=_own_calendar_feed,
        status=204,
        shape=None,
        token_scope="habits:write",
    ),
    Route(
        "PUT",
        "/api/v1/calendar/caldav",
        Access.LOGIN,
        valid=fixed(Call(CALDAV, json=NEW_CALDAV)),
        status=200,
        shape=CALDAV_FIELDS,
        invalid=fixed(Call(CALDAV, json=NEW_CALDAV | {"url": "http://127.0.0.1:5232/dav/"})),
        invalid_loc=("body", "url"),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/calendar/caldav",
        Access.LOGIN,
        valid=_own_caldav,
        status=200,
        shape=CALDAV_FIELDS,
        token_scope="habits:read",
    ),
    Route(
        "DELETE",
        "/api/v1/calendar/caldav",
        Access.LOGIN,
        valid=_own_caldav,
        status=204,
        shape=None,
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/imports",
        Access.LOGIN,
        valid=fixed(
            Call(f"{API}/imports", data={"format": "habitbull_csv"}, files=HABIT_IMPORT_CSV)
        ),
        status=201,
        shape=HABIT_IMPORT_FIELDS,
        invalid=fixed(Call(f"{API}/imports", data={"format": "tsv"}, files=HABIT_IMPORT_CSV)),
        invalid_loc=("body", "format"),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/imports",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/imports")),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{API}/imports", params={"page": 0})),
        invalid_loc=("query", "page"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/imports/{import_id}",
        Access.LOGIN,
        valid=_get_habit_import,
        status=200,
        shape=HABIT_IMPORT_FIELDS,
        invalid=fixed(Call(f"{API}/imports/abc")),
        invalid_loc=("path", "import_id"),
        unseen=_get_someone_elses_habit_import,
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/export",
        Access.LOGIN,
        valid=fixed(Call(f"{API}/export", params={"format": "json"})),
        status=200,
        shape="application/json",
        invalid=fixed(Call(f"{API}/export", params={"format": "xml"})),
        invalid_loc=("query", "format"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/calendar/{token}.ics",
        Access.PUBLIC,
        valid=_calendar_ics,
        status=200,
        shape="text/calendar; charset=utf-8",
        invalid=_calendar_ics_with_bad_history,
        invalid_loc=("query", "history"),
        unseen=fixed(Call(f"{API}/calendar/hab_cal_unknown.ics")),
    ),
    Route(
        "GET",
        "/api/v1/notifications",
        Access.LOGIN,
        valid=_inbox_then(NOTIFICATIONS),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(NOTIFICATIONS, params={"unread": "maybe"})),
        invalid_loc=("query", "unread"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/notifications/{notification_id}/read",
        Access.LOGIN,
        valid=own_notification("/read"),
        status=200,
        shape=NOTIFICATION_FIELDS,
        invalid=fixed(Call(f"{NOTIFICATIONS}/first/read")),
        invalid_loc=("path", "notification_id"),
        unseen=someone_elses_notification("/read"),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/notifications/read-all",
        Access.LOGIN,
        valid=_inbox_then(f"{NOTIFICATIONS}/read-all"),
        status=200,
        shape=frozenset({"marked"}),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/challenges",
        Access.LOGIN,
        valid=_list_challenges,
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(CHALLENGES, params={"status": "over"})),
        invalid_loc=("query", "status"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/challenges",
        Access.LOGIN,
        valid=fixed(Call(CHALLENGES, json=NEW_CHALLENGE)),
        status=201,
        shape=CHALLENGE_FIELDS,
        invalid=fixed(Call(CHALLENGES, json=NEW_CHALLENGE | {"metric": "total_value"})),
        invalid_loc=("body", "metric"),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/challenges/{challenge_id}",
        Access.LOGIN,
        valid=own_challenge(),
        status=200,
        shape=CHALLENGE_FIELDS,
        invalid=fixed(Call(f"{CHALLENGES}/first")),
        invalid_loc=("path", "challenge_id"),
        unseen=someone_elses_private_challenge(),
        token_scope="habits:read",
    ),
    Route(
        "PATCH",
        "/api/v1/challenges/{challenge_id}",
        Access.LOGIN,
        valid=own_challenge(json={"name": "Read more"}),
        status=200,
        shape=CHALLENGE_FIELDS,
        invalid=own_challenge(json={"name": ""}),
        invalid_loc=("body", "name"),
        unseen=someone_elses_private_challenge(json={"name": "Read more"}),
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/challenges/{challenge_id}",
        Access.LOGIN,
        valid=own_challenge(),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{CHALLENGES}/0")),
        invalid_loc=("path", "challenge_id"),
        unseen=someone_elses_private_challenge(),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/challenges/{challenge_id}/join",
        Access.LOGIN,
        valid=own_challenge("/join", json={}),
        status=201,
        shape=PARTICIPATION_FIELDS,
        invalid=own_challenge("/join", json={"habit_id": "1"}),
        invalid_loc=("body", "habit_id"),
        unseen=someone_elses_private_challenge("/join", json={}),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/challenges/{challenge_id}/leave",
        Access.LOGIN,
        valid=own_challenge("/leave", joined=True),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{CHALLENGES}/first/leave")),
        invalid_loc=("path", "challenge_id"),
        unseen=someone_elses_private_challenge("/leave"),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/challenges/{challenge_id}/standings",
        Access.LOGIN,
        valid=own_challenge("/standings", joined=True),
        status=200,
        shape=STANDINGS_FIELDS,
        invalid=fixed(Call(f"{CHALLENGES}/1/standings", params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
        unseen=someone_elses_private_challenge("/standings"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/groups",
        Access.LOGIN,
        valid=_list_groups,
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(GROUPS, params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/groups",
        Access.LOGIN,
        valid=fixed(Call(GROUPS, json={"name": "Runners"})),
        status=201,
        shape=GROUP_FIELDS,
        invalid=fixed(Call(GROUPS, json={"name": ""})),
        invalid_loc=("body", "name"),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/groups/join",
        Access.LOGIN,
        valid=_join_group,
        status=201,
        shape=GROUP_FIELDS,
        invalid=fixed(Call(f"{GROUPS}/join", json={"code": ""})),
        invalid_loc=("body", "code"),
        unseen=fixed(Call(f"{GROUPS}/join", json={"code": "hab_inv_unknown"})),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/groups/{group_id}",
        Access.LOGIN,
        valid=own_group(),
        status=200,
        shape=GROUP_FIELDS,
        invalid=fixed(Call(f"{GROUPS}/first")),
        invalid_loc=("path", "group_id"),
        unseen=someone_elses_group(),
        token_scope="habits:read",
    ),
    Route(
        "PATCH",
        "/api/v1/groups/{group_id}",
        Access.LOGIN,
        valid=own_group(json={"name": "Walkers"}),
        status=200,
        shape=GROUP_FIELDS,
        invalid=own_group(json={"name": ""}),
        invalid_loc=("body", "name"),
        unseen=someone_elses_group(json={"name": "Walkers"}),
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/groups/{group_id}",
        Access.LOGIN,
        valid=own_group(),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{GROUPS}/0")),
        invalid_loc=("path", "group_id"),
        unseen=someone_elses_group(),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/groups/{group_id}/invites",
        Access.LOGIN,
        valid=own_group("/invites", json={"expires_in_hours": 24, "max_uses": 5}),
        status=201,
        shape=GROUP_INVITE_FIELDS,
        invalid=own_group("/invites", json={"max_uses": 0}),
        invalid_loc=("body", "max_uses"),
        unseen=someone_elses_group("/invites", json={}),
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/groups/{group_id}/invites/{invite_id}",
        Access.LOGIN,
        valid=_own_group_invite,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{GROUPS}/1/invites/first")),
        invalid_loc=("path", "invite_id"),
        unseen=_someone_elses_group_invite,
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/leaderboards/{board}",
        Access.LOGIN,
        valid=group_board(mine=True),
        status=200,
        shape=BOARD_FIELDS,
        invalid=fixed(Call(f"{API}/leaderboards/current_streak", params={"scope": "team:1"})),
        invalid_loc=("query", "scope"),
        unseen=group_board(mine=False),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/groups/{group_id}/members",
        Access.LOGIN,
        valid=own_group("/members"),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{GROUPS}/1/members", params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
        unseen=someone_elses_group("/members"),
        token_scope="habits:read",
    ),
    Route(
        "PATCH",
        "/api/v1/groups/{group_id}/members/{user_id}",
        Access.LOGIN,
        valid=own_group_member(json={"role": "admin"}),
        status=200,
        shape=GROUP_MEMBER_FIELDS,
        invalid=own_group_member(json={"role": "owner"}),
        invalid_loc=("body", "role"),
        unseen=someone_elses_group_member(json={"role": "admin"}),
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/groups/{group_id}/members/{user_id}",
        Access.LOGIN,
        valid=own_group_member(),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{GROUPS}/1/members/first")),
        invalid_loc=("path", "user_id"),
        unseen=someone_elses_group_member(),
        token_scope="habits:write",
    ),
    Route(
        "POST",
        "/api/v1/groups/{group_id}/transfer",
        Access.LOGIN,
        valid=_transfer_group,
        status=200,
        shape=GROUP_FIELDS,
        invalid=own_group("/transfer", json={"user_id": "1"}),
        invalid_loc=("body", "user_id"),
        unseen=_transfer_someone_elses_group,
        token_scope="habits:write",
    ),
    Route(
        "PUT",
        "/api/v1/groups/{group_id}/habits/{habit_id}",
        Access.LOGIN,
        valid=_share_own_habit,
        status=201,
        shape=GROUP_HABIT_FIELDS,
        invalid=fixed(Call(f"{GROUPS}/1/habits/first")),
        invalid_loc=("path", "habit_id"),
        unseen=_share_into_someone_elses_group,
        token_scope="habits:write",
    ),
    Route(
        "DELETE",
        "/api/v1/groups/{group_id}/habits/{habit_id}",
        Access.LOGIN,
        valid=_unshare_own_habit,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{GROUPS}/1/habits/first")),
        invalid_loc=("path", "habit_id"),
        unseen=_unshare_in_someone_elses_group,
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/groups/{group_id}/habits",
        Access.LOGIN,
        valid=own_group("/habits"),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{GROUPS}/1/habits", params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
        unseen=someone_elses_group("/habits"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/groups/{group_id}/progress",
        Access.LOGIN,
        valid=own_group("/progress"),
        status=200,
        shape=GROUP_PROGRESS_FIELDS,
        invalid=fixed(
            Call(f"{GROUPS}/1/progress", params={"from": "2025-01-01", "to": "2026-01-02"})
        ),
        invalid_loc=("query", "from"),
        unseen=someone_elses_group("/progress"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/groups/{group_id}/feed",
        Access.LOGIN,
        valid=own_group("/feed"),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{GROUPS}/1/feed", params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
        unseen=someone_elses_group("/feed"),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/webhooks",
        Access.LOGIN,
        valid=_list_webhooks,
        status=200,
        shape=[WEBHOOK_FIELDS],
    ),
    Route(
        "POST",
        "/api/v1/webhooks",
        Access.LOGIN,
        valid=fixed(Call(WEBHOOKS, json=NEW_WEBHOOK)),
        status=201,
        shape=WEBHOOK_FIELDS | {"secret"},
        # Loopback: refused by the destination check (the test app allows no private addresses).
        invalid=fixed(Call(WEBHOOKS, json=NEW_WEBHOOK | {"url": "http://127.0.0.1:8000/hook"})),
        invalid_loc=("body", "url"),
    ),
    Route(
        "DELETE",
        "/api/v1/webhooks/{webhook_id}",
        Access.LOGIN,
        valid=own_webhook(),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{WEBHOOKS}/first")),
        invalid_loc=("path", "webhook_id"),
        unseen=someone_elses_webhook(),
    ),
    Route(
        "GET",
        "/api/v1/webhooks/{webhook_id}/deliveries",
        Access.LOGIN,
        valid=own_webhook("/deliveries"),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{WEBHOOKS}/0/deliveries")),
        invalid_loc=("path", "webhook_id"),
        unseen=someone_elses_webhook("/deliveries"),
    ),
    Route(
        "POST",
        "/api/v1/admin/notifications/{notification_id}/retry",
        Access.ADMIN,
        valid=_retry_a_notification,
        status=200,
        shape=frozenset({"requeued"}),
        invalid=fixed(Call(f"{API}/admin/notifications/first/retry")),
        invalid_loc=("path", "notification_id"),
        unseen=fixed(Call(f"{API}/admin/notifications/{MISSING_ID}/retry")),
    ),
    Route(
        "POST",
        "/api/v1/habits/{habit_id}/goals",
        Access.LOGIN,
        valid=on_habit(_own_habit, GOALS, NEW_GOAL),
        status=201,
        shape=GOAL_FIELDS,
        invalid=on_habit(_own_habit, GOALS, {"target": 0}),
        invalid_loc=("body", "target"),
        unseen=someone_elses(GOALS, NEW_GOAL),
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/goals",
        Access.LOGIN,
        valid=_list_goals,
        status=200,
        shape=PAGE_FIELDS,
        invalid=own(GOALS, page_size=101),
        invalid_loc=("query", "page_size"),
        unseen=someone_elses(GOALS),
        token_scope="habits:read",
    ),
    Route(
        "GET",
        "/api/v1/habits/{habit_id}/goals/{goal_id}",
        Access.LOGIN,
        valid=own_goal(),
        status=200,
        shape=GOAL_FIELDS,
        invalid=_own_habit_with_a_word_for_goal,
        invalid_loc=("path", "goal_id"),
        unseen=_someone_elses_goal,
        token_scope="habits:read",
    ),
    Route(
        "DELETE",
        "/api/v1/habits/{habit_id}/goals/{goal_id}",
        Access.LOGIN,
        valid=own_goal(),
        status=204,
        shape=None,
        invalid=_own_habit_with_a_word_for_goal,
        invalid_loc=("path", "goal_id"),
        unseen=_someone_elses_goal,
        token_scope="habits:write",
    ),
    Route(
        "GET",
        "/api/v1/categories",
        Access.LOGIN,
        valid=_list_categories,
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(CATEGORIES, params={"page_size": 101})),
        invalid_loc=("query", "page_size"),
        token_scope="habits:read",
    ),
    Route(
        "POST",
        "/api/v1/categories",
        Access.ADMIN,
        valid=fixed(Call(CATEGORIES, json={"name": "Health", "icon": "heart"})),
        status=201,
        shape=CATEGORY_FIELDS,
        invalid=fixed(Call(CATEGORIES, json={"name": "Health", "color": "green"})),
        invalid_loc=("body", "color"),
    ),
    Route(
        "PATCH",
        "/api/v1/categories/{category_id}",
        Access.ADMIN,
        valid=on_category({"name": "Mind", "color": None}),
        status=200,
        shape=CATEGORY_FIELDS,
        invalid=on_category({"name": ""}),
        invalid_loc=("body", "name"),
        unseen=fixed(Call(f"{CATEGORIES}/{MISSING_ID}", json={"name": "Mind"})),
    ),
    Route(
        "DELETE",
        "/api/v1/categories/{category_id}",
        Access.ADMIN,
        valid=on_category(),
        status=204,
        shape=None,
        invalid=fixed(Call(f"{CATEGORIES}/first")),
        invalid_loc=("path", "category_id"),
        unseen=fixed(Call(f"{CATEGORIES}/{MISSING_ID}")),
    ),
    Route(
        "GET",
        "/api/v1/admin/habits",
        Access.ADMIN,
        valid=fixed(Call(f"{API}/admin/habits")),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{API}/admin/habits", params={"user_id": "first"})),
        invalid_loc=("query", "user_id"),
    ),
    Route(
        "PUT",
        "/api/v1/admin/habits/{habit_id}/categories",
        Access.ADMIN,
        valid=_put_someones_habit_in_a_category,
        status=200,
        shape=ADMIN_HABIT_FIELDS,
        invalid=_put_someones_habit_in_no_such_category,
        invalid_loc=("body", "category_ids"),
        unseen=fixed(
            Call(f"{API}/admin/habits/{MISSING_ID}/categories", json={"category_ids": []})
        ),
    ),
    Route(
        "POST",
        "/api/v1/fitness/samples",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/samples", json={"samples": [FITNESS_SAMPLE]})),
        status=200,
        shape=INGEST_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/samples", json={"samples": []})),
        invalid_loc=("body", "samples"),
        token_scope="fitness:write",
    ),
    Route(
        "POST",
        "/api/v1/fitness/imports",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/imports", data={"format": "csv"}, files=FITNESS_CSV)),
        status=202,
        shape=FITNESS_IMPORT_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/imports", data={"format": "gpx"}, files=FITNESS_CSV)),
        invalid_loc=("body", "format"),
        token_scope="fitness:write",
    ),
    Route(
        "GET",
        "/api/v1/fitness/imports",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/imports")),
        status=200,
        shape=PAGE_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/imports", params={"page": 0})),
        invalid_loc=("query", "page"),
        token_scope="fitness:read",
    ),
    Route(
        "GET",
        "/api/v1/fitness/imports/{import_id}",
        Access.LOGIN,
        valid=_get_fitness_import,
        status=200,
        shape=FITNESS_IMPORT_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/imports/abc")),
        invalid_loc=("path", "import_id"),
        unseen=_get_someone_elses_fitness_import,
        token_scope="fitness:read",
    ),
    Route(
        "POST",
        "/api/v1/fitness",
        Access.LOGIN,
        valid=fixed(Call(FITNESS, json={"steps": 5000})),
        status=200,
        shape=INGEST_FIELDS,
        invalid=fixed(Call(FITNESS, json={"steps": -1})),
        invalid_loc=("body", "steps"),
        token_scope="fitness:write",
    ),
    Route(
        "GET",
        "/api/v1/fitness/daily",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/daily", params={"metric": "steps"})),
        status=200,
        shape=FITNESS_DAILY_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/daily", params={"metric": "steps"} | FROM_AFTER_TO)),
        invalid_loc=("query", "from"),
        token_scope="fitness:read",
    ),
    Route(
        "GET",
        "/api/v1/fitness/summary",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/summary", params={"metric": "steps"})),
        status=200,
        shape=FITNESS_SUMMARY_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/summary", params={"metric": "floors"})),
        invalid_loc=("query", "metric"),
        token_scope="fitness:read",
    ),
    Route(
        "GET",
        "/api/v1/fitness/goals",
        Access.LOGIN,
        valid=_list_fitness_goals,
        status=200,
        shape=[FITNESS_GOAL_FIELDS],
        token_scope="fitness:read",
    ),
    Route(
        "PUT",
        "/api/v1/fitness/goals/{metric}",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/goals/steps", json={"daily_target": 10_000})),
        status=200,
        shape=FITNESS_GOAL_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/goals/steps", json={"daily_target": 0})),
        invalid_loc=("body", "daily_target"),
        token_scope="fitness:write",
    ),
    Route(
        "DELETE",
        "/api/v1/fitness/goals/{metric}",
        Access.LOGIN,
        valid=_delete_fitness_goal,
        status=204,
        shape=None,
        invalid=fixed(Call(f"{FITNESS}/goals/floors")),
        invalid_loc=("path", "metric"),
        unseen=_delete_someone_elses_fitness_goal,
        token_scope="fitness:write",
    ),
    Route(
        "GET",
        "/api/v1/fitness/sources",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/sources")),
        status=200,
        shape=FITNESS_SOURCES_FIELDS,
        token_scope="fitness:read",
    ),
    Route(
        "PUT",
        "/api/v1/fitness/sources",
        Access.LOGIN,
        valid=fixed(Call(f"{FITNESS}/sources", json={"priority": ["watch", "phone"]})),
        status=200,
        shape=FITNESS_SOURCES_FIELDS,
        invalid=fixed(Call(f"{FITNESS}/sources", json={"priority": [""]})),
        invalid_loc=("body", "priority", 0),
        token_scope="fitness:write",
    ),
]

PROTECTED = [route for route in ROUTES if route.access is not Access.PUBLIC]
ADMIN_ONLY = [route for route in ROUTES if route.access is Access.ADMIN]
TOKENS_REFUSED = [route for route in PROTECTED if route.token_scope is None]
TOKENS_SCOPED = [route for route in PROTECTED if route.token_scope is not None]
WITH_INPUT = [route for route in ROUTES if route.invalid is not None]
WITH_UNSEEN = [route for route in ROUTES if route.unseen is not None]
WITH_ID = [route for route in ROUTES if "_id}" in route.template]
# Routes about one habit: only its owner sees it; an admin has no special access to habits
# (but on the admin routes, which take no personal token).
ABOUT_A_HABIT = [
    route
    for route in WITH_UNSEEN
    if "{habit_id}" in route.template and route.access is not Access.ADMIN
]


def routes(selection: list[Route]) -> Any:
    return pytest.mark.parametrize("route", selection, ids=str)


async def caller_for(route: Route, accounts: Accounts) -> Account:
    """Someone the route is meant for: an admin for /admin, any user otherwise."""
    if route.access is Access.ADMIN:
        return await accounts.create_admin()
    return await accounts.create()


async def send(
    client: httpx.AsyncClient, route: Route, call: Call, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.request(
        route.method,
        call.path,
        json=call.json,
        data=call.data,
        files=call.files,
        params=call.params,
        headers=headers,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)


def assert_shape(response: httpx.Response, shape: Shape) -> None:
    if shape is None:
        assert response.content == b""
        return
    if isinstance(shape, str):
        assert response.headers["content-type"] == shape
        assert response.content
        return
    body = response.json()
    if isinstance(shape, list):
        assert body, "a list to check needs at least one item"
        assert [set(item) for item in body] == shape * len(body)
    else:
        assert set(body) == shape


def test_every_api_route_is_in_the_matrix(app):
    # app.routes holds each included router unflattened; this walks them with their prefixes.
    served = {
        f"{method} {route.path}"
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        and (route.path or "").startswith(API)
        # Hidden routes are no operations: the 405 of a literal segment (`/groups/join`).
        and route.original_route.include_in_schema
        for method in route.methods or ()
    }
    listed = [str(route) for route in ROUTES]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert sorted(served - set(listed)) == [], "add these routes to ROUTES"
    assert sorted(set(listed) - served) == [], "these ROUTES entries match no route of the app"


@routes(ROUTES)
async def test_valid_request_answers_with_exactly_the_documented_fields(route, client, accounts):
    caller = await caller_for(route, accounts)
    call = await route.valid(accounts, caller)
    headers = None if route.access is Access.PUBLIC else caller.auth

    response = await send(client, route, call, headers)

    assert response.status_code == route.status, response.text
    assert_shape(response, route.shape)


@routes(ROUTES)
async def test_every_route_counts_against_a_rate_limit(route, client, accounts):
    caller = await caller_for(route, accounts)
    call = await route.valid(accounts, caller)
    headers = None if route.access is Access.PUBLIC else caller.auth

    response = await send(client, route, call, headers)

    assert response.status_code == route.status, response.text
    limit = int(response.headers["RateLimit-Limit"])
    assert 0 <= int(response.headers["RateLimit-Remaining"]) < limit
    assert int(response.headers["RateLimit-Reset"]) >= 1


async def test_admin_user_list_items_carry_exactly_the_user_fields(client, accounts):
    admin = await accounts.create_admin()
    await accounts.create()

    response = await client.get(f"{API}/admin/users", headers=admin.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 2
    assert [set(item) for item in items] == [ADMIN_USER_FIELDS, ADMIN_USER_FIELDS]


async def test_admin_habit_list_items_carry_exactly_the_admin_habit_fields(client, accounts):
    admin = await accounts.create_admin()
    await create_habit(client, await accounts.create(), name="Read")
    await create_habit(client, await accounts.create(), name="Walk")

    response = await client.get(f"{API}/admin/habits", headers=admin.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [set(item) for item in items] == [ADMIN_HABIT_FIELDS, ADMIN_HABIT_FIELDS]


async def test_category_list_items_carry_exactly_the_category_fields(client, accounts):
    user = await accounts.create()
    await _category(accounts)
    await _category(accounts)

    response = await client.get(CATEGORIES, headers=user.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [set(item) for item in items] == [CATEGORY_FIELDS, CATEGORY_FIELDS]


async def test_habit_list_items_carry_exactly_the_habit_fields(client, accounts):
    user = await accounts.create()
    await create_habit(client, user, name="Read")
    await create_habit(client, user, name="Walk", kind="measurable", goal_value=8000, unit="steps")

    response = await client.get(f"{API}/habits", headers=user.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [set(item) for item in items] == [HABIT_FIELDS, HABIT_FIELDS]


async def test_today_habits_carry_exactly_the_today_habit_fields(client, accounts):
    user = await accounts.create()
    await create_habit(client, user, name="Read")
    await create_habit(client, user, name="Swim", frequency="weekly", times_per_period=2)

    response = await client.get(f"{API}/today", headers=user.auth)

    assert response.status_code == 200
    habits = response.json()["habits"]
    assert [set(habit) for habit in habits] == [TODAY_HABIT_FIELDS, TODAY_HABIT_FIELDS]
    assert habits[0]["period"] is None
    assert set(habits[1]["period"]) == {"start", "end", "done", "target", "remaining"}


async def test_reminder_list_items_carry_exactly_the_reminder_fields(client, accounts):
    user = await accounts.create()
    await _reminder_of(accounts, user)
    await _reminder_of(accounts, user)

    response = await client.get(REMINDERS, headers=user.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [set(item) for item in items] == [REMINDER_FIELDS, REMINDER_FIELDS]


async def test_inbox_items_carry_exactly_the_notification_fields(client, accounts):
    user = await accounts.create()
    await _inbox_notification_of(accounts, user)
    await _inbox_notification_of(accounts, user)

    response = await client.get(NOTIFICATIONS, headers=user.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [set(item) for item in items] == [NOTIFICATION_FIELDS, NOTIFICATION_FIELDS]


async def test_webhook_delivery_items_carry_exactly_the_delivery_fields(client, accounts):
    user = await accounts.create()
    webhook_id = await _webhook_of(accounts, user)
    # No worker runs: the deliveries stay pending and nothing is sent.
    await _notify(accounts, user, Channel.inapp, Channel.webhook)
    await _notify(accounts, user, Channel.webhook)

    response = await client.get(f"{WEBHOOKS}/{webhook_id}/deliveries", headers=user.auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [set(item) for item in items] == [DELIVERY_FIELDS, DELIVERY_FIELDS]


@routes(PROTECTED)
async def test_anonymous_caller_is_unauthorized(route, client, accounts):
    call = await route.valid(accounts, await caller_for(route, accounts))

    response = await send(client, route, call)

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@routes(PROTECTED)
async def test_garbage_bearer_token_is_unauthorized(route, client, accounts):
    call = await route.valid(accounts, await caller_for(route, accounts))

    response = await send(client, route, call, bearer("not.a.jwt"))

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@routes(PROTECTED)
async def test_unknown_personal_token_is_unauthorized(route, client, accounts):
    call = await route.valid(accounts, await caller_for(route, accounts))

    response = await send(client, route, call, bearer("hab_pat_" + "0" * 40))

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@routes(ADMIN_ONLY)
async def test_normal_user_is_forbidden_on_admin_routes(route, client, accounts):
    user = await accounts.create()
    call = await route.valid(accounts, user)

    response = await send(client, route, call, user.auth)

    assert_problem(response, 403)


@routes(TOKENS_REFUSED)
async def test_personal_token_cannot_manage_accounts_or_tokens(route, client, accounts):
    owner = await caller_for(route, accounts)
    token = await accounts.personal_token(owner, *sorted(EVERY_SCOPE))
    call = await route.valid(accounts, owner)

    response = await send(client, route, call, bearer(token))

    assert_problem(response, 403)


@routes(TOKENS_SCOPED)
async def test_personal_token_without_the_needed_scope_is_forbidden(route, client, accounts):
    owner = await caller_for(route, accounts)
    token = await accounts.personal_token(owner, *sorted(EVERY_SCOPE - {route.token_scope}))
    call = await route.valid(accounts, owner)

    response = await send(client, route, call, bearer(token))

    assert_problem(response, 403)


@routes(TOKENS_SCOPED)
async def test_personal_token_with_the_needed_scope_is_accepted(route, client, accounts):
    owner = await caller_for(route, accounts)
    token = await accounts.personal_token(owner, str(route.token_scope))
    call = await route.valid(accounts, owner)

    response = await send(client, route, call, bearer(token))

    assert response.status_code == route.status, response.text
    assert_shape(response, route.shape)


@routes(WITH_UNSEEN)
async def test_object_the_caller_cannot_see_is_not_found(route, client, accounts):
    caller = await caller_for(route, accounts)
    assert route.unseen is not None
    call = await route.unseen(accounts, caller)

    response = await send(client, route, call, caller.auth)

    assert_problem(response, 404)


@routes(ABOUT_A_HABIT)
async def test_admin_cannot_see_another_users_habit_either(route, client, accounts):
    admin = await accounts.create_admin()
    assert route.unseen is not None
    call = await route.unseen(accounts, admin)

    response = await send(client, route, call, admin.auth)

    assert_problem(response, 404)


@routes(ABOUT_A_HABIT)
async def test_personal_token_of_another_user_finds_no_habit(route, client, accounts):
    caller = await caller_for(route, accounts)
    token = await accounts.personal_token(caller, *sorted(EVERY_SCOPE))
    assert route.unseen is not None
    call = await route.unseen(accounts, caller)

    response = await send(client, route, call, bearer(token))

    assert_problem(response, 404)


@routes(WITH_INPUT)
async def test_invalid_input_is_422_with_the_offending_field(route, client, accounts):
    caller = await caller_for(route, accounts)
    assert route.invalid is not None
    call = await route.invalid(accounts, caller)
    headers = None if route.access is Access.PUBLIC else caller.auth

    response = await send(client, route, call, headers)

    assert_problem(response, 422)
    errors = response.json()["errors"]
    assert errors
    assert all(set(error) == {"loc", "msg"} for error in errors)
    assert list(route.invalid_loc) in [error["loc"] for error in errors]


@routes(WITH_ID)
async def test_id_too_big_for_the_database_is_422_not_a_crash(route, client, accounts):
    caller = await caller_for(route, accounts)
    call = await route.valid(accounts, caller)
    # The last `{..._id}` of the template; the concrete path has the same segments.
    segments = route.template.split("/")
    index = max(i for i, segment in enumerate(segments) if segment.endswith("_id}"))
    id_name = segments[index].strip("{}")
    path_segments = call.path.split("/")
    path_segments[index] = str(2**63)
    too_big = replace(call, path="/".join(path_segments))

    response = await send(client, route, too_big, caller.auth)

    assert_problem(response, 422)
    assert ["path", id_name] in [error["loc"] for error in response.json()["errors"]]
