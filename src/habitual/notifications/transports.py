"""How a delivery reaches its channel: email over SMTP, signed webhooks over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

import httpx
from anyio import to_thread

from habitual.config import Settings

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


def is_public_address(address: str) -> bool:
    """Whether an address is globally routable, looking through IPv6 wrappings of IPv4."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
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


async def check_destination(url: str, allow_private: bool) -> None:
    """Refuse URLs that are not http(s), or that resolve to a private, loopback or link-local
    address (unless allowed): a webhook must not become a way into our own network."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError("The URL must be http(s) with a host.", permanent=True)
    if allow_private:
        return
    try:
        infos = await to_thread.run_sync(
            socket.getaddrinfo, parts.hostname, parts.port or 443, 0, socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as error:
        raise DeliveryError(f"Cannot resolve {parts.hostname}: {error}") from None
    for info in infos:
        address = str(info[4][0])
        if not is_public_address(address):
            raise DeliveryError(
                f"{parts.hostname} resolves to {address}, a private or local address.",
                permanent=True,
            )


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
    """POST a signed payload; the response status, or DeliveryError."""
    await check_destination(url, settings.webhook_allow_private)
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
