"""Rules for accounts: creation, preferences, profile, password, deletion."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from habitual.auth.passwords import Passwords
from habitual.auth.repository import AuthRepository
from habitual.db import UnitOfWork
from habitual.errors import Conflict, Forbidden, Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.timezones import Weekday
from habitual.models import REFRESH_BOARDS, Profile, Role, TokenPurpose, User
from habitual.reminders.service import reschedule_all
from habitual.runtime import Runtime
from habitual.users import mail
from habitual.users.repository import OneTimeTokenRepository, UserRepository
from habitual.users.schemas import ProfileWrite, UserUpdate
from habitual.users.throttles import verification_emails_per_account

# Preferences that change what the boards show of someone: the opt-in, and their day and week.
BOARD_FIELDS = frozenset({"leaderboard_opt_in", "timezone", "week_start", "day_start"})

TOO_MANY_VERIFICATION_EMAILS = "Too many verification emails for this account; try again later."

WEEKDAY_NUMBERS = {day: number for number, day in enumerate(Weekday)}


class UserService:
    async def create(
        self,
        uow: UnitOfWork,
        passwords: Passwords,
        *,
        username: str,
        email: str,
        password: str,
        timezone: str = "UTC",
        role: Role = Role.user,
        is_active: bool = True,
        rate_limit: str | None = None,
    ) -> User:
        repository = UserRepository(uow)
        username_key, email_key = username.lower(), email.lower()
        taken = await repository.taken(username_key=username_key, email_key=email_key)
        if taken is not None:
            raise Conflict(f"That {taken} is already registered.")
        user = User(
            username=username,
            username_key=username_key,
            email=email,
            email_key=email_key,
            password_hash=await passwords.hash(password),
            role=role,
            is_active=is_active,
            timezone=timezone,
            rate_limit=rate_limit,
        )
        try:
            await repository.add(user)
        except IntegrityError:
            raise Conflict("That username or email is already registered.") from None
        await mail.queue(uow, user, TokenPurpose.email_verification)
        return user

    async def update_preferences(
        self, uow: UnitOfWork, runtime: Runtime, user: User, changes: UserUpdate
    ) -> User:
        fields = changes.model_fields_set - {"current_password"}
        if "current_password" in changes.model_fields_set and "email" not in fields:
            raise Unprocessable(
                "current_password is only needed to change the email.",
                field=("body", "current_password"),
            )
        if "email" in fields and changes.email is not None:
            await self._change_email(uow, runtime, user, changes.email, changes.current_password)
        if changes.timezone is not None and changes.timezone != user.timezone:
            user.timezone = changes.timezone
            await reschedule_all(uow, user)
        if changes.week_start is not None:
            user.week_start = WEEKDAY_NUMBERS[changes.week_start]
        if changes.day_start is not None:
            user.day_start = changes.day_start
        if "phone" in fields:
            user.phone = changes.phone
        if "display_name" in fields:
            user.display_name = changes.display_name
        if changes.leaderboard_opt_in is not None:
            user.leaderboard_opt_in = changes.leaderboard_opt_in
        await uow.session.flush()
        if fields & BOARD_FIELDS:
            uow.tell(REFRESH_BOARDS, user.id)
        return user

    async def _change_email(
        self,
        uow: UnitOfWork,
        runtime: Runtime,
        user: User,
        email: str,
        current_password: str | None,
    ) -> None:
        """A new address starts unverified and is sent a verification email; the links sent to
        the old one stop working. Only the spelling changing (case) changes nothing else."""
        if current_password is None:
            raise Unprocessable(
                "Changing the email needs current_password.", field=("body", "current_password")
            )
        await self.check_password(runtime, user, current_password)
        repository = UserRepository(uow)
        if await repository.taken(email_key=email.lower(), except_user_id=user.id):
            raise Conflict("That email is already registered.")
        if email.lower() == user.email_key:
            user.email = email
            return
        await verification_emails_per_account(runtime).take_or_refuse(
            str(user.id), TOO_MANY_VERIFICATION_EMAILS
        )
        user.email, user.email_key, user.email_verified = email, email.lower(), False
        await OneTimeTokenRepository(uow).spend_outstanding(user.id, utcnow())
        await uow.session.flush()
        await mail.queue(uow, user, TokenPurpose.email_verification)

    async def send_verification(self, uow: UnitOfWork, runtime: Runtime, user: User) -> None:
        """Mail a new verification link to the user's address (limited per account)."""
        if user.email_verified:
            raise Conflict("Your email address is verified already.")
        await verification_emails_per_account(runtime).take_or_refuse(
            str(user.id), TOO_MANY_VERIFICATION_EMAILS
        )
        await mail.queue(uow, user, TokenPurpose.email_verification)

    async def mark_email_verified(self, uow: UnitOfWork, user: User) -> None:
        """The user showed they read mail at their address: notifications may go there now."""
        user.email_verified = True
        await OneTimeTokenRepository(uow).spend_outstanding(
            user.id, utcnow(), TokenPurpose.email_verification
        )
        await mail.withdraw_verifications(uow, user)
        await uow.session.flush()

    async def check_password(self, runtime: Runtime, user: User, password: str) -> None:
        """403 for a wrong password; counted per user before the check, 429 past the limit."""
        attempt = await runtime.login_throttle.password_attempt(user.id)
        valid, _ = await runtime.passwords.verify(password, user.password_hash)
        if not valid:
            raise Forbidden("The password is incorrect.")
        await attempt.succeeded()

    async def change_password(
        self, uow: UnitOfWork, runtime: Runtime, user: User, current: str, new: str
    ) -> None:
        await self.check_password(runtime, user, current)
        await self.set_password(uow, runtime.passwords, user, new, reason="password_changed")

    async def set_password(
        self, uow: UnitOfWork, passwords: Passwords, user: User, new: str, *, reason: str
    ) -> None:
        """Set a new password and end every login: whoever knew the old one is logged out, and
        no reset link sent before works any more. The one way a password changes."""
        now = utcnow()
        user.password_hash = await passwords.hash(new)
        await AuthRepository(uow).revoke_all_sessions(user.id, reason, now)
        await OneTimeTokenRepository(uow).spend_outstanding(
            user.id, now, TokenPurpose.password_reset
        )
        await uow.session.flush()

    async def delete_account(
        self, uow: UnitOfWork, runtime: Runtime, user: User, password: str
    ) -> None:
        await self.check_password(runtime, user, password)
        await self.delete(uow, user)

    async def delete(self, uow: UnitOfWork, user: User) -> None:
        """Remove the account and, by cascade, everything it owns."""
        await UserRepository(uow).delete(user)

    async def profile(self, uow: UnitOfWork, user: User) -> Profile:
        profile = await UserRepository(uow).profile(user.id)
        return Profile(user_id=user.id) if profile is None else profile

    async def replace_profile(
        self, uow: UnitOfWork, user: User, profile_data: ProfileWrite
    ) -> Profile:
        profile = await self.profile(uow, user)
        uow.session.add(profile)
        profile.first_name = profile_data.first_name
        profile.last_name = profile_data.last_name
        profile.dob = profile_data.dob
        profile.bio = profile_data.bio
        await uow.session.flush()
        return profile


user_service = UserService()
