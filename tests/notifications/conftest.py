"""Real collaborators for the outbox: an SMTP server, an HTTP(S) receiver, a clock the test
moves, and a name resolver whose answers the test writes.

Nothing here is a mock: aiosmtpd speaks SMTP on a loopback port, and a stdlib HTTP server in a
thread answers webhooks with the statuses a test asks for, over TLS with a certificate made
here when asked. The resolver stands where DNS does (the seam `habitual.kit.dns.Resolver`):
a test names hosts under `.test`, which no real resolver answers, so a connection that reached
the receiver went to the address our resolver gave.
"""

from __future__ import annotations

import email
import itertools
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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
    With `tls`, it speaks https and records the TLS server name each client asked for.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[ReceivedRequest] = []
        self.statuses: list[int] = []
        self.server_names: list[str | None] = []
        self.arrived = threading.Event()
        self._gate: threading.Event | None = None
        self._gates: list[threading.Event] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self.port: int = self._server.server_address[1]
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{LOOPBACK}:{self.port}/hook"

    def url_for(self, host: str) -> str:
        """The receiver's URL under a host name (one the test's resolver answers)."""
        return self.url.replace(LOOPBACK, host)

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


# --- name resolution and TLS ------------------------------------------------------------------


@dataclass
class ScriptedResolver:
    """A resolver that gives each host the answers a test wrote, one per lookup (the last one
    again once they run out), and records every lookup."""

    answers: dict[str, list[list[str]]]
    lookups: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append((host, port))
        script = self.answers.get(host, [[]])
        return script.pop(0) if len(script) > 1 else script[0]


@dataclass(frozen=True)
class Certificates:
    """A certificate authority of the test's and a server certificate it signed."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def client_context(self) -> ssl.SSLContext:
        """Trusts only the test's authority, and checks host names as usual."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(directory: Path, host: str) -> Certificates:
    """A CA, and a certificate for `host` alone (a DNS name: not for any address)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Habitual test CA"))
        .issuer_name(_name("Habitual test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    certificates = Certificates(
        ca_file=directory / "ca.pem",
        cert_file=directory / "cert.pem",
        key_file=directory / "key.pem",
    )
    certificates.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certificates.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certificates.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificates


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
