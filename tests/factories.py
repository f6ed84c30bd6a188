"""Factories: accounts made through the API, admins made through the service."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from habitual.errors import PROBLEM_JSON as PROBLEM_JSON  # re-exported for the tests
from habitual.models import Role
from habitual.runtime import Runtime
from habitual.users.repository import UserRepository
from habitual.users.service import user_service

API = "/api/v1"
# What a check-in answers, every route that answers one.
CHECKIN_FIELDS = frozenset(
    {"date", "status", "value", "note", "met", "origin", "created_at", "updated_at"}
)
USER_FIELDS = frozenset(
    {
        "id",
        "username",
        "email",
        "email_verified",
        "role",
        "is_active",
        "timezone",
        "week_start",
        "day_start",
        "display_name",
        "phone",
        "leaderboard_opt_in",
        "created_at",
        "updated_at",
    }
)
PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@dataclass
class Account:
    id: int
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class Accounts:
    def __init__(self, client: httpx.AsyncClient, runtime: Runtime):
        self.client = client
        self.runtime = runtime

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post(
            f"{API}/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    async def verify_email(self, user_id: int) -> None:
        """Mark the account's address verified, as opening its verification link does (which
        also drops the verification email not sent yet)."""
        async with self.runtime.database.unit() as uow:
            user = await UserRepository(uow).get(user_id)
            assert user is not None
            await user_service.mark_email_verified(uow, user)

    async def create(
        self,
        username: str | None = None,
        *,
        password: str = PASSWORD,
        verified: bool = True,
        **extra: Any,
    ) -> Account:
        """Register through the API and log in; the address verified unless told otherwise (so
        that email notifications reach it, and no verification email waits in the outbox)."""
        username = username or f"user{next(_numbers)}"
        body = {"username": username, "email": f"{username}@example.com", "password": password}
        response = await self.client.post(f"{API}/auth/register", json=body | extra)
        assert response.status_code == 201, response.text
        user = response.json()
        tokens = await self.login(username, password)
        if verified:
            await self.verify_email(user["id"])
            response = await self.client.get(
                f"{API}/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
            )
            user = response.json()
        return Account(
            id=user["id"],
            username=username,
            email=user["email"],
            password=password,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            data=user,
        )

    async def create_admin(self, username: str | None = None) -> Account:
        """An admin, made the way `habitual create-admin` makes one, then logged in."""
        username = username or f"admin{next(_numbers)}"
        async with self.runtime.database.unit() as uow:
            user = await user_service.create(
                uow,
                self.runtime.passwords,
                username=username,
                email=f"{username}@example.com",
                password=PASSWORD,
                role=Role.admin,
            )
            user_id = user.id
        await self.verify_email(user_id)
        tokens = await self.login(username)
        return Account(
            id=user_id,
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
            access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"],
        )

    async def personal_token(self, owner: Account, *scopes: str) -> str:
        response = await self.client.post(
            f"{API}/users/me/tokens",
            json={"name": "script", "scopes": list(scopes)},
            headers=owner.auth,
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token


async def create_habit(client: httpx.AsyncClient, owner: Account, **fields: Any) -> dict[str, Any]:
    """Create a habit through the API (a daily yes/no habit unless told otherwise)."""
    body = {"name": f"Habit {next(_numbers)}", "frequency": "daily"} | fields
    response = await client.post(f"{API}/habits", json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    habit: dict[str, Any] = response.json()
    return habit
