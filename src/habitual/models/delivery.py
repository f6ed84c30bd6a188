from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.clock import utcnow
from habitual.kit.types import BigID, UTCDateTime
from habitual.models.base import Base


class Channel(StrEnum):
    """How a notification reaches its user: the values of `deliveries.channel`."""

    inapp = "inapp"
    email = "email"
    webhook = "webhook"


class DeliveryStatus(StrEnum):
    """Where a delivery stands: the values of `deliveries.status`."""

    pending = "pending"  # waiting for its first attempt, or for a retry at `next_attempt_at`
    sending = "sending"  # claimed by a worker until `lease_until`
    delivered = "delivered"
    dead = "dead"  # failed for good; an admin may put it back in the queue


class Delivery(Base):
    """The outbox: one notification by email or to one webhook, until delivered or dead.

    The in-app inbox needs no delivery: it reads the notifications themselves.

    A worker claims a row by setting `status='sending'`, `claimed_by` and `lease_until`; a
    claim whose lease ran out (the worker died) is taken again by the next worker.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'webhook')", name="channel"),
        CheckConstraint("status IN ('pending', 'sending', 'delivered', 'dead')", name="status"),
        Index("ix_deliveries_ready", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    webhook_id: Mapped[int | None] = mapped_column(
        BigID, ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(
        String(16), default=DeliveryStatus.pending, server_default=DeliveryStatus.pending.value
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None]
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
