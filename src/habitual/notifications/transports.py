"""How a delivery reaches its channel: email over SMTP, signed webhooks over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

import httpx
from anyio import to_thread

from habitual.config import Settings
from habitual.kit.dns import Resolver

SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix


class DeliveryError(Exception):
    """A failed attempt; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False, status_code: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code


# --- webhooks ---------------------------------------------------------------------------------


def new_webhook_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


NAT64 = ipaddress.ip_network("64:ff9b::/96")

# One answer for every refusal: it must not tell what a name resolves to.
NOT_PUBLIC = (
    "The URL must point at a public address: private, loopback and link-local ones are refused."
)


def is_public_address(address: str) -> bool:
    """Whether an address is globally routable, looking through IPv6 wrappings of IPv4."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        else:
            ip = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None) or ip
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Destination:
    """Where a request to a webhook URL goes: the one address that was checked, and the host
    name it stands for (the Host header and the TLS server name)."""

    host: str  # as in the URL, IDNA-encoded; or an address literal
    port: int
    address: str

    @property
    def named(self) -> bool:
        """Whether the URL names a host (rather than giving an address)."""
        return not _is_address(self.host)


async def pin_destination(url: str, *, allow_private: bool, resolver: Resolver) -> Destination:
    """Resolve the URL's host once, check every address it resolves to, and choose one.

    Refuses a URL that is not http(s), and one whose host resolves to any private, loopback or
    link-local address (unless allowed): a webhook must not become a way into our own network.
    Whoever connects must connect to `address`: resolving the name again could give another
    answer (DNS rebinding).
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise DeliveryError("The URL must be http(s) with a host.", permanent=True) from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise DeliveryError("The URL must be http(s) with a host.", permanent=True)
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = [host] if _is_address(host) else list(await resolver(host, port))
    if not addresses:
        raise DeliveryError(f"Cannot resolve {host}.")
    if not allow_private and not all(map(is_public_address, addresses)):
        raise DeliveryError(NOT_PUBLIC, permanent=True)
    return Destination(host=host, port=port, address=addresses[0])


async def check_destination(url: str, *, allow_private: bool, resolver: Resolver) -> None:
    """The check at creation: the same as each delivery's (`pin_destination`); with private
    destinations allowed, only the scheme, so that a name may resolve later."""
    if allow_private:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError("The URL must be http(s) with a host.", permanent=True)
        return
    await pin_destination(url, allow_private=False, resolver=resolver)


class PinnedTransport(httpx.AsyncBaseTransport):
    """An HTTP transport that connects each request to the address its host was checked to
    resolve to (`pin_destination`, once per request), keeping the Host header and, for https,
    the TLS server name and the certificate's check for the host name of the URL."""

    def __init__(
        self, *, allow_private: bool, resolver: Resolver, verify: ssl.SSLContext | bool = True
    ):
        self.allow_private = allow_private
        self.resolver = resolver
        # No keep-alive: pooled connections are keyed by address, and one made for one host
        # name (its certificate checked for that name) must never carry another name's request.
        self._transport = httpx.AsyncHTTPTransport(
            verify=verify, limits=httpx.Limits(max_keepalive_connections=0)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        destination = await pin_destination(
            str(request.url), allow_private=self.allow_private, resolver=self.resolver
        )
        # The Host header was set from the URL when the request was built; it stays.
        request.url = request.url.copy_with(host=destination.address)
        if destination.named:
            request.extensions = {**request.extensions, "sni_hostname": destination.host}
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


def webhook_client(
    settings: Settings, resolver: Resolver, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncClient:
    """The client that delivers webhooks: every request pinned to a checked address, no
    redirects followed, no proxy from the environment (it would resolve the name again)."""
    transport = PinnedTransport(
        allow_private=settings.webhook_allow_private, resolver=resolver, verify=verify
    )
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False)


async def post_webhook(
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    url: str,
    secret: str,
    message_id: str,
    timestamp: int,
    payload: dict[str, Any],
) -> int:
    """POST a signed payload through a `webhook_client`; the response status, or
    DeliveryError (a refused destination among them)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "content-type": "application/json",
        "user-agent": "Habitual-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
    try:
        response = await client.post(
            url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        )
    except httpx.HTTPError as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None
    status = response.status_code
    if 200 <= status < 300:
        return status
    permanent = 400 <= status < 500 and status not in (408, 429)
    raise DeliveryError(f"The endpoint answered {status}.", permanent=permanent, status_code=status)


# --- email ------------------------------------------------------------------------------------


def _send_email(settings: Settings, to: str, subject: str, text: str, message_key: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = to
    # A line break in a title (a habit's name) would be refused as a header injection.
    message["Subject"] = " ".join(subject.splitlines())
    # A stable Message-ID: if a retry ever sends twice, mail clients can tell it is one message.
    message["Message-ID"] = make_msgid(idstring=message_key, domain="habitual")
    message.set_content(text)
    assert settings.smtp_host is not None
    timeout = settings.smtp_timeout_seconds
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


async def send_email(
    settings: Settings, *, to: str, subject: str, text: str, message_key: str
) -> None:
    """Send one plain-text email through the configured SMTP server, off the event loop."""
    if settings.smtp_host is None:
        raise DeliveryError("Email is not configured (HABITUAL_SMTP_HOST).", permanent=True)
    try:
        await to_thread.run_sync(_send_email, settings, to, subject, text, message_key)
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"Recipient refused: {error}", permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None
