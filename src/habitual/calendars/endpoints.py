"""/calendar (under /api/v1): the secret feed URL, the ICS feed behind it, and the CalDAV
account the worker pushes the same events to."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, Path, Query, status
from fastapi.responses import Response

from habitual.calendars.schemas import CaldavAccountPut, CaldavAccountRead, CalendarFeedCreated
from habitual.calendars.service import calendar_service
from habitual.deps import AddressLimited, HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import problem_responses
from habitual.models import CaldavAccount

router = APIRouter(prefix="/calendar", tags=["calendar"])

FeedToken = Annotated[str, Path(description="The feed's token, as its owner got it")]
ICS_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}},
    304: {"description": "The calendar has not changed since the ETag in If-None-Match"},
}
FEED_HEADERS = {
    # Revalidated on every fetch (If-None-Match): a change shows at the calendar's next poll.
    "cache-control": "private, no-cache",
    "x-robots-tag": "noindex",
    "content-disposition": 'inline; filename="habitual.ics"',
}


async def _new_feed(user: HabitWriter, uow: UoW, runtime: RuntimeDep) -> CalendarFeedCreated:
    token = await calendar_service.new_feed(uow, user)
    base = runtime.settings.public_url.rstrip("/")
    return CalendarFeedCreated(url=f"{base}/api/v1/calendar/{token}.ics", token=token)


@router.post(
    "/feed",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarFeedCreated,
    summary="Make (or rotate) the calendar feed's URL",
    responses=problem_responses(401, 403),
)
async def create_feed(user: HabitWriter, uow: UoW, runtime: RuntimeDep) -> CalendarFeedCreated:
    """A secret, read-only subscription URL for calendar apps (iCalendar, RFC 5545) with every
    active habit and reminder. The token (it starts with `hab_cal_`) is in the response this
    once; only its SHA-256 digest is stored. Calling again makes a new one, and the old URL stops
    working. A personal access token needs the `habits:write` scope."""
    return await _new_feed(user, uow, runtime)


@router.post(
    "/sync",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarFeedCreated,
    summary="Make (or rotate) the calendar feed's URL (Django-style name)",
    responses=problem_responses(401, 403),
)
async def sync_calendar(user: HabitWriter, uow: UoW, runtime: RuntimeDep) -> CalendarFeedCreated:
    """The same as `POST /calendar/feed`, for clients written against `POST /api/calendar/sync`
    of the Django habit APIs."""
    return await _new_feed(user, uow, runtime)


@router.delete(
    "/feed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the calendar feed",
    responses=problem_responses(401, 403, 404),
)
async def delete_feed(user: HabitWriter, uow: UoW) -> None:
    """The feed's URL answers 404 from now on. 404 when there is no feed."""
    await calendar_service.revoke(uow, user)


@router.put(
    "/caldav",
    response_model=CaldavAccountRead,
    summary="Push the calendar to a CalDAV calendar",
    responses=problem_responses(401, 403, 422),
)
async def put_caldav(
    body: CaldavAccountPut, user: HabitWriter, uow: UoW, runtime: RuntimeDep
) -> CaldavAccountRead:
    """The worker writes the feed's events (one calendar object per event UID) into the CalDAV
    collection at `url`, signing in with `username` and `password`, within a minute, and keeps
    them in step: changed habits are written again, archived or deleted ones removed. Replaces
    any account before. The password is stored encrypted and never returned. The URL must be
    http(s) and public: one that resolves to a private, loopback or link-local address is a 422.
    A personal access token needs the `habits:write` scope."""
    return _read(await calendar_service.connect_caldav(uow, runtime, user, body))


@router.get(
    "/caldav",
    response_model=CaldavAccountRead,
    summary="The CalDAV account and how its last sync went",
    responses=problem_responses(401, 403, 404),
)
async def get_caldav(user: HabitReader, uow: UoW) -> CaldavAccountRead:
    """When the calendar last took every change, and why the last sync failed if it did (it is
    tried again each minute). 404 when there is none. A personal access token needs the
    `habits:read` scope."""
    return _read(await calendar_service.caldav_account(uow, user))


@router.delete(
    "/caldav",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop pushing to the CalDAV calendar",
    responses=problem_responses(401, 403, 404),
)
async def delete_caldav(user: HabitWriter, uow: UoW) -> None:
    """The account and its password are forgotten; events already written stay in that
    calendar. 404 when there is none. A personal access token needs the `habits:write` scope."""
    await calendar_service.forget_caldav(uow, user)


def _read(account: CaldavAccount) -> CaldavAccountRead:
    return CaldavAccountRead(
        url=account.url,
        username=account.username,
        last_synced_at=account.last_synced_at,
        last_error=account.last_error,
        events=len(account.pushed),
    )


@router.get(
    "/{token}.ics",
    response_class=Response,
    summary="The calendar feed",
    dependencies=[AddressLimited],
    responses={**ICS_OK, **problem_responses(404, 422, 429)},
)
async def get_feed(
    token: FeedToken,
    uow: UoW,
    runtime: RuntimeDep,
    history: Annotated[
        bool, Query(description="Also each met day of the past year, as an all-day event")
    ] = False,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """No authentication but the token in the URL. Per active habit, an all-day recurring event
    following its schedule from its start to its end (one per rule version); per reminder, a
    timed event at its local time with an alarm. Names, schedules and goals only, never notes.
    Sends an `ETag`; a matching `If-None-Match` gets 304. Unknown or revoked token: 404."""
    host = urlsplit(runtime.settings.public_url).hostname or "habitual"
    body = await calendar_service.feed(uow, token, host, history=history)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {**FEED_HEADERS, "etag": etag}
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: a weak comparison against each listed tag, or `*`."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
