"""Logging in and out, and refresh-token rotation with reuse detection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from habitual.auth.repository import AuthRepository
from habitual.auth.throttle import account_key
from habitual.db import UnitOfWork
from habitual.errors import NotFound, Unauthorized
from habitual.kit.clock import utcnow
from habitual.kit.secrets import new_token, token_digest
from habitual.models import User
from habitual.runtime import Runtime
from habitual.users.repository import UserRepository

REFRESH_TOKEN_PREFIX = "hab_rt_"  # noqa: S105 - a public prefix
BAD_CREDENTIALS = "Invalid username or password."


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class IssuedLogin(IssuedTokens):
    device_token: str


class RefreshTokenReused(Unauthorized):
    """A spent refresh token came back: someone holds a copy, so the whole login is ended."""

    keeps_changes = True  # the revocation must outlive this failed request


class LoginService:
    async def login(
        self,
        uow: UnitOfWork,
        runtime: Runtime,
        *,
        identifier: str,
        password: str,
        client_address: str,
        user_agent: str | None,
        device_token: str | None = None,
    ) -> IssuedLogin:
        """Check a password login; the attempt is counted before the password is checked."""
        throttle = runtime.login_throttle
        user = await UserRepository(uow).by_login(identifier)
        device = None
        if user is not None and device_token is not None:
            device = throttle.devices.device_of(device_token, user.id, user.password_hash)
        attempt = await throttle.login_attempt(
            account_key(None if user is None else user.id, identifier), client_address, device
        )
        valid, updated_hash = await runtime.passwords.verify(
            password, None if user is None else user.password_hash
        )
        if user is None or not valid or not user.is_active:
            raise Unauthorized(BAD_CREDENTIALS)
        await attempt.succeeded()
        if updated_hash is not None:
            user.password_hash = updated_hash
        auth_session = await AuthRepository(uow).add_session(user.id, (user_agent or "")[:255])
        tokens = await self._issue(uow, runtime, user, auth_session.id)
        device_token = throttle.devices.issue(user.id, user.password_hash)
        return IssuedLogin(**vars(tokens), device_token=device_token)

    async def refresh(self, uow: UnitOfWork, runtime: Runtime, token: str) -> IssuedTokens:
        repository = AuthRepository(uow)
        now = utcnow()
        digest = token_digest(token)
        session_id = await repository.spend_refresh_token(digest, now)
        if session_id is None:
            known = await repository.refresh_token(digest)
            if known is not None and known.spent_at is not None:
                await repository.revoke_session(known.session_id, "refresh_reuse", now)
                raise RefreshTokenReused("This refresh token was already used; log in again.")
            raise Unauthorized("Invalid or expired refresh token.")
        user = await repository.live_session_user(session_id)
        if user is None:
            raise Unauthorized("Invalid or expired refresh token.")
        return await self._issue(uow, runtime, user, session_id)

    async def logout(self, uow: UnitOfWork, user: User, token: str) -> None:
        repository = AuthRepository(uow)
        auth_session = await repository.refresh_token_session(token_digest(token), user.id)
        if auth_session is None:
            raise NotFound("No uow of yours has this refresh token.")
        await repository.revoke_session(auth_session.id, "logout", utcnow())

    async def logout_everywhere(self, uow: UnitOfWork, user: User) -> None:
        await AuthRepository(uow).revoke_all_sessions(user.id, "logout_all", utcnow())

    async def _issue(
        self, uow: UnitOfWork, runtime: Runtime, user: User, session_id: int
    ) -> IssuedTokens:
        now = utcnow()
        refresh_token = new_token(REFRESH_TOKEN_PREFIX)
        expires_at = now + timedelta(days=runtime.settings.refresh_token_ttl_days)
        await AuthRepository(uow).add_refresh_token(
            session_id, token_digest(refresh_token), expires_at
        )
        return IssuedTokens(
            access_token=runtime.access_tokens.issue(user.id, session_id, now),
            refresh_token=refresh_token,
            expires_in=runtime.access_tokens.ttl_seconds,
        )


login_service = LoginService()
