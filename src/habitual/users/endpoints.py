"""/users/me: the caller's account, preferences, profile and password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from habitual.auth.scopes import Scope
from habitual.deps import CurrentUser, RuntimeDep, Scoped, UoW
from habitual.errors import problem_responses
from habitual.models import Profile, User
from habitual.users.schemas import (
    Accepted,
    AccountDelete,
    PasswordChange,
    ProfileRead,
    ProfileWrite,
    UserRead,
    UserUpdate,
)
from habitual.users.service import user_service

router = APIRouter(prefix="/users/me", tags=["account"])

ProfileReader = Annotated[User, Scoped(Scope.profile_read)]


@router.get(
    "", response_model=UserRead, summary="Your account", responses=problem_responses(401, 403)
)
async def get_me(user: ProfileReader) -> User:
    """The current user. Personal access tokens need the `profile:read` scope."""
    return user


@router.patch(
    "",
    response_model=UserRead,
    summary="Change your preferences",
    responses=problem_responses(400, 401, 403, 409, 413, 422, 429),
)
async def update_me(body: UserUpdate, user: CurrentUser, uow: UoW, runtime: RuntimeDep) -> User:
    """Change `timezone`, `week_start`, `day_start`, `phone`, `display_name`, or `email` (which
    needs `current_password`). Past check-ins keep their dates when the time zone changes. A new
    email is unverified until the link mailed to it is opened (verification emails are limited
    per account: 429). `phone` is taken with its country code and kept in E.164; it is shown to
    you alone. `display_name` (1..50 characters, trimmed) is what other people see of you;
    `null` clears either."""
    return await user_service.update_preferences(uow, runtime, user, body)


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Send the verification email again",
    responses=problem_responses(401, 403, 409, 429),
)
async def resend_verification(user: CurrentUser, uow: UoW, runtime: RuntimeDep) -> Accepted:
    """Mail a new verification link to your address; one sent before keeps working until it
    expires. 409 if the address is verified already; 429 past the limit per account."""
    await user_service.send_verification(uow, runtime, user)
    return Accepted(detail=f"A verification link is on its way to {user.email}.")


@router.put(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your password",
    responses=problem_responses(400, 401, 403, 413, 422, 429),
)
async def change_password(
    body: PasswordChange, user: CurrentUser, uow: UoW, runtime: RuntimeDep
) -> None:
    """Set a new password. Every login ends, this one included: log in again.

    Wrong current passwords are counted per user (with email changes and deletions); past the
    limit the answer is 429 with `Retry-After`, even for the right one."""
    await user_service.change_password(uow, runtime, user, body.current_password, body.new_password)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete your account",
    responses=problem_responses(400, 401, 403, 413, 422, 429),
)
async def delete_me(body: AccountDelete, user: CurrentUser, uow: UoW, runtime: RuntimeDep) -> None:
    """Delete the account and everything it owns, for good. Needs the password; wrong ones
    are counted as for `PUT /users/me/password`."""
    await user_service.delete_account(uow, runtime, user, body.password)


@router.get(
    "/profile",
    response_model=ProfileRead,
    summary="Your profile",
    responses=problem_responses(401, 403),
)
async def get_profile(user: ProfileReader, uow: UoW) -> Profile:
    """Names, date of birth and bio. Personal access tokens need the `profile:read` scope."""
    return await user_service.profile(uow, user)


@router.put(
    "/profile",
    response_model=ProfileRead,
    summary="Replace your profile",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def put_profile(body: ProfileWrite, user: CurrentUser, uow: UoW) -> Profile:
    """Replace the whole profile; fields left out are cleared."""
    return await user_service.replace_profile(uow, user, body)
