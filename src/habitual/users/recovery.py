"""Account recovery and verified email: the rules behind the links that account emails carry.

Whether an address has an account is never told: asking for a reset answers the same and does
the same work either way; the worker looks the address up and sends the email.
"""

from __future__ import annotations

from datetime import datetime

from habitual.config import Settings
from habitual.db import UnitOfWork
from habitual.errors import Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.secrets import token_digest
from habitual.models import TokenPurpose, User
from habitual.runtime import Runtime
from habitual.users import mail
from habitual.users.repository import (
    OneTimeTokenRepository,
    PasswordResetRequestRepository,
    UserRepository,
)
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
        """Record that a reset was asked for this address; the worker looks it up and queues
        the email if an active account has it (`queue_reset_emails`). The request does the
        same work whatever the address, so neither its answer nor its time tells.

        Past the limit per client address: 429. Past the limit per address asked for (counted
        alike whether it has an account or not), nothing is recorded and the answer is
        unchanged: a 429 there would only tell a stranger that someone asks for this address,
        and let them stop its owner from asking.
        """
        await reset_requests_per_client(runtime).take_or_refuse(
            client_address, "Too many password reset requests; try again later."
        )
        email_key = email.strip().lower()
        if await reset_emails_per_recipient(runtime).take(email_key):
            await PasswordResetRequestRepository(uow).add(email_key)

    async def queue_reset_emails(
        self, uow: UnitOfWork, settings: Settings, now: datetime, limit: int
    ) -> int:
        """The worker's part: turn up to `limit` reset requests into reset emails to the active
        accounts that have their addresses; requests older than a link's lifetime are dropped
        (whoever asked has given up). How many requests were taken."""
        requests = await PasswordResetRequestRepository(uow).take(limit)
        stale_before = now - mail.token_lifetime(settings, TokenPurpose.password_reset)
        users = UserRepository(uow)
        for email_key, asked_at in requests:
            user = await users.by_email(email_key)
            if user is not None and user.is_active and asked_at >= stale_before:
                await mail.queue(uow, user, TokenPurpose.password_reset)
        return len(requests)

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
