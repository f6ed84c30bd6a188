"""Account emails: a password reset link or an email verification link.

A request only queues the email in the outbox (a notification for the email channel alone, in
the request's transaction), so answering takes as long whether or not anything is sent. The
worker makes the token when it sends (`account_email`): the token exists in the email and in
its memory, and the database keeps only the digest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from habitual.config import Settings
from habitual.db import Database, UnitOfWork
from habitual.kit.secrets import new_token, token_digest
from habitual.models import Notification, TokenPurpose, User
from habitual.notifications.repository import NotificationRepository
from habitual.users.repository import OneTimeTokenRepository

TOKEN_PREFIXES = {
    TokenPurpose.password_reset: "hab_pr_",
    TokenPurpose.email_verification: "hab_ev_",
}
SUBJECTS = {
    TokenPurpose.password_reset: "Reset your Habitual password",
    TokenPurpose.email_verification: "Confirm your email address for Habitual",
}
PAGES = {
    TokenPurpose.password_reset: "reset-password",
    TokenPurpose.email_verification: "verify-email",
}


class NotWorthSending(Exception):
    """The account email is moot by now (the address changed or was verified, the account was
    deactivated): the worker settles it for good, unsent."""


@dataclass(frozen=True)
class AccountEmail:
    to: str
    subject: str
    text: str


def is_account_email(notification: Notification) -> bool:
    return notification.event in TOKEN_PREFIXES


async def queue(uow: UnitOfWork, user: User, purpose: TokenPurpose) -> None:
    """Queue an account email to the user's current address, in the caller's transaction."""
    notification = Notification(
        user_id=user.id,
        habit_id=None,
        event=purpose.value,
        dedupe_key=f"{purpose.value}:{user.id}:{uuid.uuid4().hex}",
        title=SUBJECTS[purpose],
        body="",  # written when sent: it holds the token, which is never stored
        data={"email": user.email},
    )
    await NotificationRepository(uow).add_email_only(notification)


def token_lifetime(settings: Settings, purpose: TokenPurpose) -> timedelta:
    if purpose is TokenPurpose.password_reset:
        return timedelta(minutes=settings.password_reset_ttl_minutes)
    return timedelta(hours=settings.email_verification_ttl_hours)


async def mint(
    uow: UnitOfWork, settings: Settings, user: User, purpose: TokenPurpose, now: datetime
) -> str:
    """A new token for the user's current address; only its digest is stored."""
    token = new_token(TOKEN_PREFIXES[purpose])
    await OneTimeTokenRepository(uow).add(
        token_digest(token),
        purpose,
        user.id,
        user.email,
        now,
        now + token_lifetime(settings, purpose),
    )
    return token


def _lifetime_words(lifetime: timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


def _text(user: User, purpose: TokenPurpose, link: str, lifetime: str) -> str:
    if purpose is TokenPurpose.password_reset:
        return (
            f"Someone, hopefully you, asked to reset the password of the Habitual account "
            f"{user.username}.\n\n"
            f"To choose a new password, open this link within {lifetime}:\n\n{link}\n\n"
            "The link works once, and every device logged in to the account is logged out.\n"
            "If you did not ask for this, ignore this email: your password stays as it is.\n"
        )
    return (
        f"Please confirm that {user.email} is the email address of the Habitual account "
        f"{user.username}.\n\n"
        f"Open this link within {lifetime}:\n\n{link}\n\n"
        "Until then, Habitual sends this address no notifications.\n"
        "If you did not make this account, ignore this email.\n"
    )


async def account_email(
    database: Database, settings: Settings, notification: Notification, user: User, now: datetime
) -> AccountEmail:
    """The email to send for an account notification, with a new token stored by digest (in a
    transaction of its own, committed before sending, so the link works once it arrives).

    A retry makes a new token: one that went out before stays valid until it expires.
    """
    purpose = TokenPurpose(notification.event)
    asked_for = str(notification.data.get("email", ""))
    if not user.is_active or user.email_key != asked_for.lower():
        raise NotWorthSending("The account's address changed since, or it was deactivated.")
    if purpose is TokenPurpose.email_verification and user.email_verified:
        raise NotWorthSending("The address is verified already.")
    async with database.unit() as uow:
        token = await mint(uow, settings, user, purpose, now)
    link = f"{settings.public_url}/{PAGES[purpose]}?token={quote(token)}"
    lifetime = _lifetime_words(token_lifetime(settings, purpose))
    return AccountEmail(
        to=user.email, subject=notification.title, text=_text(user, purpose, link, lifetime)
    )


async def withdraw_verifications(uow: UnitOfWork, user: User) -> None:
    """Drop the user's verification emails not sent yet: the address is verified."""
    await NotificationRepository(uow).withdraw_unsent(
        user.id, TokenPurpose.email_verification.value
    )
