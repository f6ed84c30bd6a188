"""The dependency vocabulary every endpoint speaks: Session, CurrentUser, AdminUser, Scoped."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase

from habitual.auth.jwt import InvalidToken
from habitual.auth.repository import AuthRepository
from habitual.auth.scopes import Scope
from habitual.db import UnitOfWork, request_unit
from habitual.errors import Forbidden, Unauthorized
from habitual.kit.clock import utcnow
from habitual.kit.schemas import PathID
from habitual.kit.secrets import token_digest
from habitual.models import Role, User
from habitual.runtime import Runtime

PERSONAL_TOKEN_PREFIX = "hab_pat_"  # noqa: S105 - a public prefix
# A personal token's last use is recorded at most this often, to keep reads free of writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)

bearer_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="An access token from /auth/login, or a personal access token (`hab_pat_…`).",
)


# Every dependency here is `async def`, even with nothing to await: FastAPI runs a plain `def`
# dependency on a worker thread, a hop that cost more than the rest of the dependency tree.


def runtime_of(request: Request) -> Runtime:
    """The app's runtime. Hot paths take `request` and call this: as a dependency of its own
    (`RuntimeDep`) it cost ~2% of a `GET /today` (callgrind)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_uow(request: Request, runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    write = request.method not in {"GET", "HEAD", "OPTIONS"}
    # `async with`, not `async for`: the endpoint's error must reach request_unit's handler.
    async with request_unit(runtime.database, write=write) as uow:
        yield uow


# scope="function": the transaction ends (commit or rollback) before the response is sent.
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller of a hot path: who, and the settings that decide their day.

    Read with one statement on the driver instead of loading the ORM `User`; hot paths
    (today, check-ins, stats) take this, everything else takes `CurrentUser` or `Scoped`.
    """

    id: int
    role: str
    timezone: str
    week_start: int
    day_start: int
    scopes: frozenset[str] | None  # None: a password login


async def _personal_token_caller(runtime: Runtime, token: str) -> Caller:
    database = runtime.database
    token_hash = token_digest(token)
    found = await database.read(
        lambda uow: AuthRepository(uow).caller_of_personal_token(token_hash)
    )
    now = utcnow()
    if found is None or not found.is_active or (found.expires_at and found.expires_at <= now):
        raise Unauthorized("Invalid or expired token.")
    last_used, token_id = found.last_used_at, found.token_id
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        # A busy database only costs us a last-used timestamp, never the request.
        with contextlib.suppress(sqlite3.OperationalError):
            await database.write(
                lambda uow: AuthRepository(uow).touch_personal_token(token_id, now)
            )
    return Caller(*found.caller, scopes=frozenset(found.scopes))


async def get_caller(
    runtime: RuntimeDep, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Caller:
    """The token, then the live login or personal token, in one statement without a session."""
    if not token:
        raise Unauthorized("Missing bearer token.")
    if token.startswith(PERSONAL_TOKEN_PREFIX):
        return await _personal_token_caller(runtime, token)
    try:
        claims = runtime.access_tokens.verify(token)
    except InvalidToken:
        raise Unauthorized("Invalid or expired token.") from None
    found = await runtime.database.read(
        lambda uow: AuthRepository(uow).caller_of_session(claims.user_id, claims.session_id)
    )
    if found is None:
        raise Unauthorized("Invalid or expired token.")
    return Caller(*found, scopes=None)


class CallerScheme(SecurityBase):
    """The bearer scheme and the caller it names, as one dependency."""

    def __init__(self, scope: Scope):
        self.model = bearer_scheme.model
        self.scheme_name = bearer_scheme.scheme_name
        self.scope = scope

    async def __call__(self, request: Request) -> Caller:
        authorization = request.headers.get("authorization")
        scheme, _, token = (authorization or "").partition(" ")
        caller = await get_caller(
            runtime_of(request), token if scheme.lower() == "bearer" else None
        )
        if caller.scopes is not None and self.scope not in caller.scopes:
            raise Forbidden(f"This token lacks the {self.scope.value!r} scope.")
        return caller


def ScopedCaller(scope: Scope) -> Any:  # noqa: N802 - reads as a type, like Scoped
    """The caller, if a personal token carries `scope` (logins always do)."""
    return Depends(CallerScheme(scope))


@dataclass(frozen=True)
class Principal:
    """The caller with their ORM `User`, for endpoints that read or change the account."""

    user: User
    scopes: frozenset[str] | None  # None: a password login, which may do anything the user may

    @property
    def is_personal_token(self) -> bool:
        return self.scopes is not None


async def get_principal(caller: Annotated[Caller, Depends(get_caller)], uow: UoW) -> Principal:
    """`get_caller`'s checks, then the user loaded into the request's session."""
    user = await uow.session.get(User, caller.id)
    if user is None:  # deleted since the caller was read
        raise Unauthorized("Invalid or expired token.")
    return Principal(user=user, scopes=caller.scopes)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def require_password_login(principal: CurrentPrincipal) -> User:
    if principal.is_personal_token:
        raise Forbidden("Personal access tokens cannot manage accounts or tokens.")
    return principal.user


CurrentUser = Annotated[User, Depends(require_password_login)]


async def require_admin(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("This needs the admin role.")
    return user


AdminUser = Annotated[User, Depends(require_admin)]


def Scoped(scope: Scope) -> Any:  # noqa: N802 - reads as a type: Annotated[User, Scoped(...)]
    """A dependency giving the user, if a personal token carries `scope` (logins always do)."""

    async def require_scope(principal: CurrentPrincipal) -> User:
        if principal.scopes is not None and scope not in principal.scopes:
            raise Forbidden(f"This token lacks the {scope.value!r} scope.")
        return principal.user

    return Depends(require_scope)


# Habits are what most features hang from: their endpoints share these with /habits.
HabitID = PathID
HabitReader = Annotated[User, Scoped(Scope.habits_read)]
HabitWriter = Annotated[User, Scoped(Scope.habits_write)]
