"""Account recovery and verified email: the rules behind the links that account emails carry.

Whether an address has an account is never told: asking for a reset answers the same either
way, and the email is sent by the worker, not while the request waits.
"""

from __future__ import annotations

from habitual.db import UnitOfWork
from habitual.errors import Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.secrets import token_digest
from habitual.models import TokenPurpose, User
from habitual.runtime import Runtime
from habitual.users import mail
from habitual.users.repository import OneTimeTokenRepository, UserRepository
from habitual.users.service import user_service
from habitual.users.throttles import (
    reset_emails_per_recipient,
    reset_requests_per_client,
    token_attempts_per_client,
)

# One answer for a token that never existed, expired, or was used: which it was is not told.
INVALID_TOKEN = "This link is invalid or has expired; ask for a new one."  # noqa: S105


class RecoveryService:
    async def request_password_reset(
        self, uow: UnitOfWork, runtime: Runtime, email: str, client_address: str
    ) -> None:
        """Queue a reset email if an active account has this address; nothing tells which.

        Past the limit per client address: 429. Past the limit per address asked for (counted
        alike whether it has an account or not), nothing is sent and the answer is unchanged:
        a 429 there would only tell a stranger that someone asks for this address, and let them
        stop its owner from asking.
        """
        await reset_requests_per_client(runtime).take_or_refuse(
            client_address, "Too many password reset requests; try again later."
        )
        email_key = email.strip().lower()
        within_limit = await reset_emails_per_recipient(runtime).take(email_key)
        user = await UserRepository(uow).by_email(email_key)
        if user is None or not user.is_active or not within_limit:
            return
        await mail.queue(uow, user, TokenPurpose.password_reset)

    async def reset_password(
        self, uow: UnitOfWork, runtime: Runtime, token: str, new_password: str, client_address: str
    ) -> None:
        """Spend a reset token and set the new password, ending every login of the account."""
        user = await self._spend(uow, runtime, token, TokenPurpose.password_reset, client_address)
        await user_service.set_password(
            uow, runtime.passwords, user, new_password, reason="password_reset"
        )
        if not user.email_verified:
            # The link reached the address, which proves it as a verification link would.
            await user_service.mark_email_verified(uow, user)

    async def verify_email(
        self, uow: UnitOfWork, runtime: Runtime, token: str, client_address: str
    ) -> None:
        user = await self._spend(
            uow, runtime, token, TokenPurpose.email_verification, client_address
        )
        await user_service.mark_email_verified(uow, user)

    async def _spend(
        self,
        uow: UnitOfWork,
        runtime: Runtime,
        token: str,
        purpose: TokenPurpose,
        client_address: str,
    ) -> User:
        """The account whose unused, unexpired token of `purpose` this is; the token is used."""
        await token_attempts_per_client(runtime).take_or_refuse(
            client_address, "Too many attempts with account links; try again later."
        )
        spent = await OneTimeTokenRepository(uow).spend(token_digest(token), purpose, utcnow())
        user = None if spent is None else await UserRepository(uow).get(spent.user_id)
        if (
            spent is None
            or user is None
            or not user.is_active
            or user.email_key != spent.email.lower()
        ):
            raise Unprocessable(INVALID_TOKEN, field=("body", "token"))
        return user


recovery_service = RecoveryService()
