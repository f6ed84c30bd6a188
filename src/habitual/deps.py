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
from habitual.auth.usage import Bucket, Quota, plan_of
from habitual.db import UnitOfWork, request_unit
from habitual.errors import Forbidden, TooManyRequests, Unauthorized
from habitual.kit.clock import utcnow
from habitual.kit.middleware import RATE_LIMIT_HEADERS, USER_ID
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
    rate_limit: str | None  # the user's plan; None: the server's default
    scopes: frozenset[str] | None  # None: a password login


async def _charge(request: Request, *buckets: Bucket | None) -> None:
    """Count the request in each bucket given, then report the one closest to running out in the
    RateLimit header fields; 429 if any is used up."""
    limiter = runtime_of(request).usage_limiter
    tightest: Quota | None = None
    for bucket in buckets:
        if bucket is None:
            continue
        quota = await limiter.hit(bucket)
        if quota is None:  # uncounted: the shared count is out of reach
            continue
        if tightest is None or quota.exhausted or quota.remaining < tightest.remaining:
            tightest = quota
        if quota.exhausted:
            break
    if tightest is None:
        return
    request.scope[RATE_LIMIT_HEADERS] = tightest.headers()
    if tightest.exhausted:
        raise TooManyRequests(
            f"Rate limit of {tightest.limit} requests used up; try again later.",
            retry_after=tightest.reset_seconds,
        )


def client_address(request: Request) -> str:
    """The address the request came from (the proxy's, unless uvicorn is told to trust it)."""
    return request.client.host if request.client else "unknown"


async def limit_by_address(request: Request) -> None:
    """Count a request without credentials against its client address."""
    limit = runtime_of(request).usage_limiter.anonymous
    if limit is not None:
        await _charge(request, Bucket(limit, "address:" + client_address(request)))


# For the routes anyone may call (register, log in, refresh); every other route authenticates.
AddressLimited = Depends(limit_by_address)


async def _personal_token_caller(runtime: Runtime, token: str) -> tuple[Caller, Bucket | None]:
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
    caller = Caller(*found.caller, scopes=frozenset(found.scopes))
    # A token is counted on its own only if it has a limit of its own: with its user's limit, it
    # could never run out before its user does.
    if found.rate_limit is None:
        return caller, None
    return caller, Bucket(plan_of(found.rate_limit), f"token:{token_id}")


async def _identify(runtime: Runtime, token: str | None) -> tuple[Caller, Bucket | None]:
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
    return Caller(*found, scopes=None), None


async def authenticate(request: Request, token: str | None) -> Caller:
    """The caller `token` names, with this request counted against their limits (the user's
    and the token's own); a request without valid credentials counts against its address."""
    runtime = runtime_of(request)
    try:
        caller, token_bucket = await _identify(runtime, token)
    except Unauthorized:
        await limit_by_address(request)
        raise
    request.scope[USER_ID] = caller.id  # for the access line (kit/middleware.py)
    user_limit = runtime.usage_limiter.user_limit(caller.rate_limit)
    user_bucket = None if user_limit is None else Bucket(user_limit, f"user:{caller.id}")
    await _charge(request, token_bucket, user_bucket)
    return caller


async def get_caller(
    request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Caller:
    """The caller of this request (see `authenticate`)."""
    return await authenticate(request, token)


class CallerScheme(SecurityBase):
    """The bearer scheme and the caller it names, as one dependency."""

    def __init__(self, scope: Scope):
        self.model = bearer_scheme.model
        self.scheme_name = bearer_scheme.scheme_name
        self.scope = scope

    async def __call__(self, request: Request) -> Caller:
        authorization = request.headers.get("authorization")
        scheme, _, token = (authorization or "").partition(" ")
        caller = await authenticate(request, token if scheme.lower() == "bearer" else None)
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
