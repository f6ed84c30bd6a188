# mypy: disable-error-code="union-attr"
# (icalendar types a property as the union of every value type; a test knows which it holds)
"""CalDAV push, end to end against a real CalDAV server: Radicale, started here on loopback.

The events are read back from Radicale (a GET of the collection gives all its objects as one
calendar) and compared with the ICS feed's: the push writes the same events."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import select

from habitual.calendars.caldav import resource_name
from habitual.config import Settings
from habitual.jobs.worker import Worker
from habitual.kit.clock import utcnow
from habitual.models import CaldavAccount
from habitual.runtime import Runtime
from tests.factories import API, PROBLEM_JSON, Account, create_habit

CALDAV = f"{API}/calendar/caldav"
USER, PASSWORD = "alice", "radicale-password-1"
FIELDS = {"url", "username", "last_synced_at", "last_error", "events"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Radicale server on a free loopback port, plain htpasswd users; its base URL."""
    folder = tmp_path_factory.mktemp("radicale")
    (folder / "users").write_text(f"{USER}:{PASSWORD}\n")
    port = _free_port()
    (folder / "config").write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {folder / 'users'}\n"
        "htpasswd_encryption = plain\ndelay = 0\n"
        f"[storage]\nfilesystem_folder = {folder / 'storage'}\n"
        "[rights]\ntype = owner_only\n[logging]\nlevel = warning\n"
    )
    log = (folder / "log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(folder / "config")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, process, folder / "log")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Radicale stopped: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    pytest.fail("Radicale did not start")


@pytest.fixture
async def collection(radicale: str) -> str:
    """A new, empty calendar collection of alice's."""
    url = f"{radicale}/{USER}/{uuid.uuid4().hex}/"
    async with httpx.AsyncClient(auth=(USER, PASSWORD)) as dav:
        response = await dav.request("MKCALENDAR", url)
    assert response.status_code == 201, response.text
    return url


@pytest.fixture
def caldav_settings(settings: Settings) -> Settings:
    """The tests' settings, with CalDAV allowed on loopback (where Radicale is)."""
    return Settings(_env_file=None, **(settings.model_dump() | {"caldav_allow_private": True}))


@pytest.fixture
async def client(app_factory: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with app_factory(caldav_allow_private=True) as http:
        yield http


async def sync(runtime: Runtime, settings: Settings, at: datetime | None = None) -> int:
    """One worker round's CalDAV part, at `at` (now by default)."""
    moment = at or utcnow()
    async with Worker(runtime.database, settings, clock=lambda: moment) as worker:
        return await worker.push_calendars()


async def server_events(collection: str) -> dict[str, Any]:
    """What the CalDAV server holds, by UID."""
    async with httpx.AsyncClient(auth=(USER, PASSWORD)) as dav:
        response = await dav.get(collection)
    assert response.status_code == 200, response.text
    return {str(event["UID"]): event for event in Calendar.from_ical(response.text).walk("VEVENT")}


async def feed_events(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    created = await client.post(f"{API}/calendar/feed", headers=owner.auth)
    response = await client.get(f"{API}/calendar/{created.json()['token']}.ics")
    assert response.status_code == 200, response.text
    return {str(event["UID"]): event for event in Calendar.from_ical(response.text).walk("VEVENT")}


async def connect(
    client: httpx.AsyncClient, owner: Account, url: str, password: str = PASSWORD
) -> dict[str, Any]:
    body = {"url": url, "username": USER, "password": password}
    response = await client.put(CALDAV, json=body, headers=owner.auth)
    assert response.status_code == 200, response.text
    assert password not in response.text
    shown: dict[str, Any] = response.json()
    return shown


async def shown(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    response = await client.get(CALDAV, headers=owner.auth)
    assert response.status_code == 200, response.text
    assert PASSWORD not in response.text
    account: dict[str, Any] = response.json()
    return account


async def test_the_worker_writes_the_feeds_events_into_the_calendar(
    client, accounts, runtime, caldav_settings, collection
):
    alice = await accounts.create()
    await create_habit(client, alice, name="Read")
    run = await create_habit(client, alice, name="Run", target_days=["mon", "thu"])
    reminder = {"habit_id": run["id"], "time": "07:30", "days": ["mon"], "message": "Shoes"}
    response = await client.post(f"{API}/reminders", json=reminder, headers=alice.auth)
    assert response.status_code == 201, response.text

    account = await connect(client, alice, collection)
    async with Worker(runtime.database, caldav_settings) as worker:
        await worker.run_once()

    assert set(account) == FIELDS
    assert account == {
        "url": collection,
        "username": USER,
        "last_synced_at": None,
        "last_error": None,
        "events": 0,
    }
    pushed, fed = await server_events(collection), await feed_events(client, alice)
    assert set(pushed) == set(fed)
    assert len(pushed) == 3
    for uid, event in fed.items():
        assert str(pushed[uid]["SUMMARY"]) == str(event["SUMMARY"])
        assert pushed[uid].get("RRULE") == event.get("RRULE")
    assert pushed[f"habit-{run['id']}@localhost"]["RRULE"]["BYDAY"] == ["MO", "TH"]
    now = await shown(client, alice)
    assert now["last_error"] is None
    assert now["events"] == 3
    assert now["last_synced_at"] is not None
    async with httpx.AsyncClient(auth=(USER, PASSWORD)) as dav:
        one = await dav.get(collection + resource_name(f"habit-{run['id']}@localhost"))
    assert one.status_code == 200
    assert one.text.count("BEGIN:VEVENT") == 1


async def test_a_renamed_habit_is_rewritten_and_an_archived_one_deleted(
    client, accounts, runtime, caldav_settings, collection
):
    alice = await accounts.create()
    read = await create_habit(client, alice, name="Read")
    old = await create_habit(client, alice, name="Old")
    await connect(client, alice, collection)
    assert await sync(runtime, caldav_settings) == 1
    assert await sync(runtime, caldav_settings) == 0  # checked less than a minute ago

    for habit, change in ((read, {"name": "Read a book"}), (old, {"archived": True})):
        response = await client.patch(
            f"{API}/habits/{habit['id']}", json=change, headers=alice.auth
        )
        assert response.status_code == 200, response.text
    assert await sync(runtime, caldav_settings, at=utcnow() + timedelta(minutes=2)) == 1

    pushed = await server_events(collection)
    assert {uid: str(event["SUMMARY"]) for uid, event in pushed.items()} == {
        f"habit-{read['id']}@localhost": "Read a book"
    }
    assert (await shown(client, alice))["events"] == 1


async def test_a_wrong_password_is_the_last_error_until_a_sync_succeeds(
    client, accounts, runtime, caldav_settings, collection
):
    alice = await accounts.create()
    await create_habit(client, alice, name="Read")
    await connect(client, alice, collection, password="not-the-password")

    assert await sync(runtime, caldav_settings) == 1

    failed = await shown(client, alice)
    assert "401" in failed["last_error"]
    assert failed["last_synced_at"] is None
    assert failed["events"] == 0
    assert await server_events(collection) == {}
    await connect(client, alice, collection)
    await sync(runtime, caldav_settings)
    recovered = await shown(client, alice)
    assert recovered["last_error"] is None
    assert recovered["events"] == 1


async def test_an_unreachable_server_is_the_last_error(client, accounts, runtime, caldav_settings):
    alice = await accounts.create()
    await create_habit(client, alice, name="Read")
    await connect(client, alice, f"http://127.0.0.1:{_free_port()}/alice/habits/")

    await sync(runtime, caldav_settings)

    assert "Cannot reach the CalDAV server" in (await shown(client, alice))["last_error"]


async def test_the_password_is_stored_sealed(client, accounts, runtime, collection):
    alice = await accounts.create()

    await connect(client, alice, collection)

    async with runtime.database.unit() as uow:
        stored = (await uow.session.execute(select(CaldavAccount))).scalar_one()
    assert PASSWORD not in stored.sealed_password
    assert runtime.secret_box.open(stored.sealed_password) == PASSWORD


async def test_a_private_address_is_refused_by_default(accounts, app_factory, collection):
    async with app_factory() as default_client:
        alice = await accounts.create()
        body = {"url": collection, "username": USER, "password": PASSWORD}
        response = await default_client.put(CALDAV, json=body, headers=alice.auth)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "public address" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://dav.example.com/cal/", "username": USER, "password": PASSWORD},
        {"url": "https://dav.example.com/cal/", "username": USER},
        {"url": "https://dav.example.com/", "username": USER, "password": "x", "user_id": 1},
    ],
)
async def test_a_bad_body_is_refused(client, accounts, body):
    alice = await accounts.create()

    response = await client.put(CALDAV, json=body, headers=alice.auth)

    assert response.status_code == 422


async def test_a_forgotten_account_is_not_found(client, accounts, collection):
    alice = await accounts.create()
    assert (await client.get(CALDAV, headers=alice.auth)).status_code == 404
    assert (await client.delete(CALDAV, headers=alice.auth)).status_code == 404
    await connect(client, alice, collection)

    assert (await client.delete(CALDAV, headers=alice.auth)).status_code == 204

    assert (await client.get(CALDAV, headers=alice.auth)).status_code == 404
