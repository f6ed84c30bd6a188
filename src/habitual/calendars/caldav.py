"""CalDAV push: the worker writes the calendar feed's events into a person's own CalDAV calendar
and keeps them in step.

Each event is one calendar object, `{collection}/{uid}.ics` (RFC 4791 4.1: one UID per object),
written with a plain WebDAV `PUT` and removed with `DELETE`. The SHA-256 of what was last written
for each UID is kept (`CaldavAccount.pushed`), so a sync writes only the objects that changed and
deletes those whose habit is gone or archived. The requests go through the webhooks' pinned
transport (notifications/transports.py): every request is sent to an address checked to be
public (unless HABITUAL_CALDAV_ALLOW_PRIVATE), no redirect is followed and no proxy is taken
from the environment, so a user's URL cannot reach into our own network.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import httpx

from habitual.calendars.ics import calendar_objects
from habitual.calendars.repository import CaldavAccountRepository
from habitual.calendars.service import calendar_service
from habitual.config import Settings
from habitual.db import Database
from habitual.kit.dns import Resolver
from habitual.kit.secrets import SecretBox, UnreadableSecret
from habitual.models import CaldavAccount, User
from habitual.notifications.transports import DeliveryError, PinnedTransport

logger = logging.getLogger(__name__)

# An account is looked at again this long after its last check, and at once when asked for.
CHECK_INTERVAL = timedelta(minutes=1)
MAX_ERROR_LENGTH = 1000


class CaldavError(Exception):
    """A sync that stopped: the server refused, answered an error, or could not be reached."""


@dataclass(frozen=True)
class Calendar:
    """Where to write and as whom."""

    url: str
    username: str
    password: str


def resource_name(uid: str) -> str:
    """The object's name in the collection: its UID, percent-encoded where a path needs it."""
    return quote(uid, safe="-._~@") + ".ics"


def caldav_client(
    settings: Settings, resolver: Resolver, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncClient:
    """The client that talks to CalDAV servers, each request pinned to a checked address."""
    transport = PinnedTransport(
        allow_private=settings.caldav_allow_private, resolver=resolver, verify=verify
    )
    return httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=settings.caldav_timeout_seconds,
        headers={"user-agent": "Habitual-CalDAV/1"},
    )


async def push(
    client: httpx.AsyncClient,
    calendar: Calendar,
    objects: dict[str, bytes],
    pushed: dict[str, str],
) -> tuple[dict[str, str], str | None]:
    """Write the objects that are new or changed since `pushed`, and delete those no longer
    among `objects`. What the calendar now holds (UID to digest), and why it stopped, if it did:
    what was written before a failure is kept, so the next try takes up from there."""
    holds = dict(pushed)
    collection = calendar.url.rstrip("/")
    auth = httpx.BasicAuth(calendar.username, calendar.password)
    try:
        for uid, body in objects.items():
            digest = hashlib.sha256(body).hexdigest()
            if holds.get(uid) == digest:
                continue
            response = await _send(
                client,
                "PUT",
                f"{collection}/{resource_name(uid)}",
                auth,
                content=body,
                headers={"content-type": "text/calendar; charset=utf-8"},
            )
            _check(response, "PUT", uid)
            holds[uid] = digest
        for uid in sorted(set(holds) - set(objects)):
            response = await _send(client, "DELETE", f"{collection}/{resource_name(uid)}", auth)
            if response.status_code != 404:  # already gone is as good as deleted
                _check(response, "DELETE", uid)
            del holds[uid]
    except CaldavError as error:
        return holds, str(error)[:MAX_ERROR_LENGTH]
    return holds, None


async def _send(
    client: httpx.AsyncClient, method: str, url: str, auth: httpx.Auth, **options: object
) -> httpx.Response:
    try:
        return await client.request(method, url, auth=auth, **options)  # type: ignore[arg-type]
    except DeliveryError as refused:  # the pinned transport's: not public, or not resolvable
        raise CaldavError(str(refused)) from None
    except httpx.HTTPError as error:
        raise CaldavError(f"Cannot reach the CalDAV server ({type(error).__name__}).") from None


def _check(response: httpx.Response, method: str, uid: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise CaldavError(
            f"The CalDAV server refused the user name or password ({status}); "
            "set the account again with PUT /calendar/caldav."
        )
    raise CaldavError(f"The CalDAV server answered {status} to {method} of {uid}.")


async def sync_due(
    database: Database,
    settings: Settings,
    now: datetime,
    *,
    resolver: Resolver,
    verify: ssl.SSLContext | bool = True,
) -> int:
    """Sync every account due (asked for, or not checked for `CHECK_INTERVAL`), one after the
    other; how many were synced. A failure is written to the account, never raised."""
    checked_before = now - CHECK_INTERVAL
    async with database.unit() as uow:
        due = await CaldavAccountRepository(uow).due(checked_before, settings.worker_batch_size)
    if not due:
        return 0
    box = SecretBox.for_settings(settings)
    host = urlsplit(settings.public_url).hostname or "habitual"
    synced = 0
    async with caldav_client(settings, resolver, verify) as client:
        for user_id in due:
            try:
                synced += await _sync(database, box, client, host, user_id, checked_before, now)
            except Exception:  # a bug must not stop the other accounts nor the worker
                logger.exception("CalDAV sync of user %s failed unexpectedly", user_id)
    return synced


async def _sync(
    database: Database,
    box: SecretBox,
    client: httpx.AsyncClient,
    host: str,
    user_id: int,
    checked_before: datetime,
    now: datetime,
) -> int:
    async with database.unit() as uow:
        accounts = CaldavAccountRepository(uow)
        if not await accounts.claim(user_id, checked_before, now):
            return 0  # another worker took it, or it was forgotten
        account = await accounts.get(user_id)
        owner = await uow.session.get(User, user_id)
        if account is None or owner is None:
            return 0
        owner_and_habits = await calendar_service.feed_habits(uow, owner, history=False)
        uow.session.expunge(account)
    objects = calendar_objects(*owner_and_habits, host)
    pushed, error = await _push_account(client, box, account, objects)
    async with database.unit() as uow:
        await CaldavAccountRepository(uow).record(
            account, pushed, error=error, synced_at=None if error else now
        )
    return 1


async def _push_account(
    client: httpx.AsyncClient, box: SecretBox, account: CaldavAccount, objects: dict[str, bytes]
) -> tuple[dict[str, str], str | None]:
    try:
        password = box.open(account.sealed_password)
    except UnreadableSecret:
        return account.pushed, (
            "The password was sealed under a key the server no longer has "
            "(HABITUAL_PREVIOUS_SECRET_KEYS); set the account again."
        )
    calendar = Calendar(url=account.url, username=account.username, password=password)
    return await push(client, calendar, objects, dict(account.pushed))
