"""/auth: register, log in (JSON or OAuth2 form), refresh, log out, reset a forgotten password
and verify an email address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from habitual.db import UnitOfWork
from habitual.deps import AddressLimited, CurrentUser, RuntimeDep, UoW, client_address
from habitual.errors import Forbidden, problem_responses
from habitual.fitness.service import fitness_service
from habitual.login.schemas import (
    EmailVerification,
    Login,
    LoginTokens,
    LogoutRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    Registration,
    TokenPair,
)
from habitual.login.service import IssuedTokens, login_service
from habitual.models import User
from habitual.runtime import Runtime
from habitual.users.recovery import recovery_service
from habitual.users.schemas import Accepted, UserRead
from habitual.users.service import user_service

router = APIRouter(prefix="/auth", tags=["auth"])


def _token_pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post(
    "/register",
    dependencies=[AddressLimited],
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    summary="Create an account",
    responses=problem_responses(400, 403, 409, 413, 422, 429),
)
async def register(body: Registration, request: Request, uow: UoW, runtime: RuntimeDep) -> User:
    """Register with a username and email (both unique regardless of case) and a password.

    The address starts unverified, and a verification email with a link is sent to it.
    `fitness_goals` sets daily fitness goals at once (as `PUT /fitness/goals/{metric}` does).
    Registrations are counted per client address; past the limit the answer is 429 with
    `Retry-After`.
    """
    if not runtime.settings.registration_open:
        raise Forbidden("Registration is closed on this server; ask an administrator.")
    await runtime.login_throttle.registration(client_address(request))
    user = await user_service.create(
        uow,
        runtime.passwords,
        username=body.username,
        email=str(body.email),
        password=body.password,
        timezone=body.timezone,
    )
    await fitness_service.put_goals(uow, user, body.fitness_goals)
    return user


async def _log_in(
    uow: UnitOfWork,
    runtime: Runtime,
    request: Request,
    identifier: str,
    password: str,
    device_token: str | None = None,
) -> LoginTokens:
    """A password login from either form, counted against this client's address."""
    issued = await login_service.login(
        uow,
        runtime,
        identifier=identifier,
        password=password,
        client_address=client_address(request),
        user_agent=request.headers.get("user-agent"),
        device_token=device_token,
    )
    return LoginTokens(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        device_token=issued.device_token,
    )


@router.post(
    "/login",
    dependencies=[AddressLimited],
    response_model=LoginTokens,
    summary="Log in with a password",
    responses=problem_responses(400, 401, 413, 422, 429),
)
async def login(body: Login, request: Request, uow: UoW, runtime: RuntimeDep) -> LoginTokens:
    """Exchange username (or email) and password for an access token, a refresh token and a
    device token.

    Failed attempts are counted before the password is checked: per account from this client
    (or this device token), per account from anywhere, and per client address. Past a limit the
    answer is 429 with `Retry-After`, even for the right password; a client that sends the
    `device_token` of an earlier login of the account is counted only on its own. An unknown
    user and a wrong password get the same 401.
    """
    return await _log_in(uow, runtime, request, body.identifier, body.password, body.device_token)


@router.post(
    "/token",
    dependencies=[AddressLimited],
    response_model=LoginTokens,
    summary="Log in with the OAuth2 password form",
    responses=problem_responses(400, 401, 413, 422, 429),
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    uow: UoW,
    runtime: RuntimeDep,
    device_token: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=200,
            description="The `device_token` of an earlier login of this account on this client",
        ),
    ] = None,
) -> LoginTokens:
    """The same as `/auth/login`, as an OAuth2 password grant (what Swagger UI's Authorize
    uses); `device_token` is an extra form field."""
    return await _log_in(uow, runtime, request, form.username, form.password, device_token)


@router.post(
    "/refresh",
    dependencies=[AddressLimited],
    response_model=TokenPair,
    summary="Rotate a refresh token",
    responses=problem_responses(400, 401, 413, 422, 429),
)
async def refresh(body: RefreshRequest, uow: UoW, runtime: RuntimeDep) -> TokenPair:
    """Spend a refresh token for a new pair. Each refresh token works once: presenting a spent
    one again ends its whole login (every token descended from it), as it may have been stolen."""
    return _token_pair(await login_service.refresh(uow, runtime, body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this login",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def logout(body: LogoutRequest, user: CurrentUser, uow: UoW) -> None:
    """Revoke the login that `refresh_token` belongs to; its access tokens stop working at once."""
    await login_service.logout(uow, user, body.refresh_token)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End every login",
    responses=problem_responses(401, 403),
)
async def logout_all(user: CurrentUser, uow: UoW) -> None:
    """Revoke every login of the current user, on every device."""
    await login_service.logout_everywhere(uow, user)


RESET_REQUESTED = Accepted(
    detail="If an account has this email address, a link to reset its password is on its way."
)


@router.post(
    "/password-reset",
    dependencies=[AddressLimited],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Ask for a password reset link",
    responses=problem_responses(400, 413, 422, 429),
)
async def request_password_reset(
    body: PasswordResetRequest, request: Request, uow: UoW, runtime: RuntimeDep
) -> Accepted:
    """Email a single-use link to reset the password, valid for 30 minutes (the server's
    `HABITUAL_PASSWORD_RESET_TTL_MINUTES`), if an active account has this address.

    The answer is the same whether or not one has: whether an address is registered is not
    told. Requests are limited per client address (429 with `Retry-After`) and per address
    asked for (past that, no more emails are sent; the answer stays the same).
    """
    await recovery_service.request_password_reset(
        uow, runtime, str(body.email), client_address(request)
    )
    return RESET_REQUESTED


@router.post(
    "/password-reset/confirm",
    dependencies=[AddressLimited],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with a reset link",
    responses=problem_responses(400, 413, 422, 429),
)
async def confirm_password_reset(
    body: PasswordResetConfirm, request: Request, uow: UoW, runtime: RuntimeDep
) -> None:
    """Set `new_password` with the `token` of a reset link. Every login of the account ends,
    and the token, like any other reset link of the account, cannot be used again.

    A token that is unknown, expired or used is a 422 with one and the same detail.
    """
    await recovery_service.reset_password(
        uow, runtime, body.token, body.new_password, client_address(request)
    )


@router.post(
    "/verify-email",
    dependencies=[AddressLimited],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Verify an email address with its link",
    responses=problem_responses(400, 413, 422, 429),
)
async def verify_email(
    body: EmailVerification, request: Request, uow: UoW, runtime: RuntimeDep
) -> None:
    """Mark the account's address verified with the `token` of the link mailed to it (valid
    48 hours, the server's `HABITUAL_EMAIL_VERIFICATION_TTL_HOURS`). A link mailed to an
    address the account no longer has does not work.

    A token that is unknown, expired or used is a 422 with one and the same detail.
    """
    await recovery_service.verify_email(uow, runtime, body.token, client_address(request))
