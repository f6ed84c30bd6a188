"""Real collaborators for the outbox: an SMTP server, an HTTP receiver, a clock the test moves.

Nothing here is a mock: aiosmtpd speaks SMTP on a loopback port, and a stdlib HTTP server in a
thread answers webhooks with the statuses a test asks for.
"""

from __future__ import annotations

import email
import itertools
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from habitual.config import Settings
from habitual.db import UnitOfWork
from habitual.models import Channel, Delivery, Event
from habitual.notifications.outbox import Notice, notify_many
from habitual.runtime import Runtime
from tests.factories import API, Account

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback port that nothing listens on (for a moment: long enough for a test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


class Clock:
    """The worker's clock: starts a minute ahead of now (so new deliveries are due) and moves
    only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def move_past(self, instant: datetime) -> None:
        self.now = max(self.now, instant + timedelta(seconds=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


def configured(settings: Settings, **overrides: Any) -> Settings:
    """The test settings with some changed (webhooks to loopback allowed unless told)."""
    return settings.model_copy(update={"webhook_allow_private": True} | overrides)


# --- SMTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedEmail:
    sender: str
    recipients: list[str]
    message: Message


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.emails: list[ReceivedEmail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.emails.append(
            ReceivedEmail(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                message=email.message_from_bytes(envelope.original_content),
            )
        )
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    port: int
    mailbox: Mailbox

    def settings(self, settings: Settings, **overrides: Any) -> Settings:
        return configured(
            settings, smtp_host=LOOPBACK, smtp_port=self.port, smtp_security="none", **overrides
        )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        yield SmtpServer(port=port, mailbox=mailbox)
    finally:
        controller.stop()


# --- webhooks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """Records each POST and answers the next of `statuses` (204 once they run out).

    `hold_next()` makes the next request wait for the returned event before it is answered.
    """

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.statuses: list[int] = []
        self.arrived = threading.Event()
        self._gate: threading.Event | None = None
        self._gates: list[threading.Event] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}/hook"

    def answer(self, *statuses: int) -> None:
        with self._lock:
            self.statuses = list(statuses)

    def hold_next(self) -> threading.Event:
        release = threading.Event()
        with self._lock:
            self._gate = release
            self._gates.append(release)
            self.arrived.clear()
        return release

    def _record(self, request: ReceivedRequest) -> tuple[int, threading.Event | None]:
        with self._lock:
            self.requests.append(request)
            status = self.statuses.pop(0) if self.statuses else 204
            gate, self._gate = self._gate, None
        self.arrived.set()
        return status, gate

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, gate = receiver._record(ReceivedRequest(self.path, headers, body))
                if gate is not None:
                    gate.wait(timeout=15)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output quiet

        return Handler

    def start(self) -> None:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        for gate in self._gates:
            gate.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    webhook_receiver = WebhookReceiver()
    webhook_receiver.start()
    try:
        yield webhook_receiver
    finally:
        webhook_receiver.stop()


@pytest.fixture
async def private_client(app_factory: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API of a server that allows webhooks to loopback and private addresses."""
    async with app_factory(webhook_allow_private=True) as http:
        yield http


async def create_webhook(
    client: httpx.AsyncClient, owner: Account, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    body = {"url": url, "events": events or [event.value for event in Event]}
    response = await client.post(f"{API}/webhooks", json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    webhook: dict[str, Any] = response.json()
    return webhook


# --- the outbox -------------------------------------------------------------------------------

_keys = itertools.count(1)


async def notify_user(
    runtime: Runtime,
    user_id: int,
    *channels: Channel,
    event: Event = Event.reminder,
    title: str = "Reminder: Read",
    body: str = "Time for Read.",
    count: int = 1,
) -> list[int]:
    """Write `count` notifications (and their deliveries) for the user in one transaction."""
    notices = [
        Notice(
            user_id=user_id,
            habit_id=None,
            event=event,
            dedupe_key=f"test:{next(_keys)}",
            title=title,
            body=body,
            data={"source": "test"},
            channels=frozenset(channels),
        )
        for _ in range(count)
    ]
    async with runtime.database.writer() as session, session.begin():
        created = await notify_many(await UnitOfWork(session=session).connection(), notices)
    assert len(created) == count
    return [created[notice.dedupe_key] for notice in notices]


async def deliveries_of(runtime: Runtime, *notification_ids: int) -> list[Delivery]:
    """The deliveries (all of them, or of these notifications), oldest first."""
    statement = select(Delivery).order_by(Delivery.id)
    if notification_ids:
        statement = statement.where(Delivery.notification_id.in_(notification_ids))
    async with runtime.database.reader() as session:
        return list((await session.execute(statement)).scalars())


async def the_delivery(runtime: Runtime, notification_id: int) -> Delivery:
    (delivery,) = await deliveries_of(runtime, notification_id)
    return delivery
