"""Account emails go through the outbox to a real SMTP server: the notifications' fixtures."""

from __future__ import annotations

import re
from dataclasses import dataclass

from habitual.config import Settings
from habitual.jobs.worker import Worker
from habitual.runtime import Runtime
from tests.notifications.conftest import Clock, SmtpServer, clock, smtp_server

__all__ = ["Clock", "MailedLink", "clock", "run_worker", "smtp_server"]

PUBLIC_URL = "https://habits.example.com"
LINK = re.compile(r"(?P<base>https://[^/\s]+)/(?P<page>[a-z-]+)\?token=(?P<token>[\w-]+)")


@dataclass(frozen=True)
class MailedLink:
    to: list[str]
    subject: str
    text: str
    page: str
    token: str


async def run_worker(runtime: Runtime, settings: Settings, smtp: SmtpServer, clock: Clock) -> int:
    """One worker round, sending email to the test's SMTP server; how much work it did."""
    worker_settings = smtp.settings(settings, public_url=PUBLIC_URL)
    async with Worker(runtime.database, worker_settings, clock=clock) as worker:
        return await worker.run_once()


def links(smtp: SmtpServer) -> list[MailedLink]:
    """Every email the SMTP server received, with the link it carries."""
    found = []
    for received in smtp.mailbox.emails:
        payload = received.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        text = payload.decode()
        match = LINK.search(text)
        assert match is not None, text
        assert match["base"] == PUBLIC_URL
        found.append(
            MailedLink(
                received.recipients,
                received.message["Subject"],
                text,
                match["page"],
                match["token"],
            )
        )
    return found
