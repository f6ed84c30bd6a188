from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AnyHttpUrl, Field, field_validator

from habitual.kit.schemas import InputModel, OutputModel
from habitual.models import Channel, DeliveryStatus, Event


class NotificationRead(OutputModel):
    id: int
    event: Event
    habit_id: int | None
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class MarkedRead(OutputModel):
    marked: int = Field(description="How many notifications were newly marked read")


class WebhookCreate(InputModel):
    url: Annotated[AnyHttpUrl, Field(description="Where to POST; must be public (see docs)")]
    events: Annotated[list[Event], Field(min_length=1, max_length=len(Event))]

    @field_validator("events")
    @classmethod
    def _distinct(cls, events: list[Event]) -> list[Event]:
        if len(set(events)) != len(events):
            raise ValueError("must not repeat")
        return events

    @field_validator("url")
    @classmethod
    def _short_enough(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(url)) > 2048:
            raise ValueError("at most 2048 characters")
        return url


class WebhookRead(OutputModel):
    id: int
    url: str
    events: list[Event]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="The signing secret (`whsec_…`), shown this once: verify `webhook-signature`"
    )


class DeliveryRead(OutputModel):
    id: int
    notification_id: int
    channel: Literal[Channel.email, Channel.webhook] = Field(
        description="The in-app inbox needs no delivery, so only email and webhook occur"
    )
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


class Requeued(OutputModel):
    requeued: int = Field(description="Deliveries put back in the queue")


def _distinct_channels(
    preferences: dict[Event, list[Channel] | None],
) -> dict[Event, list[Channel] | None]:
    for channels in preferences.values():
        if channels is not None and len(set(channels)) != len(channels):
            raise ValueError("channels must not repeat")
    return preferences


class NotificationPreferencesWrite(InputModel):
    preferences: Annotated[
        dict[Event, list[Channel] | None],
        AfterValidator(_distinct_channels),
        Field(
            description="Channels by event: the events named change, the others keep theirs. "
            "`[]`: recorded, sent nowhere and left out of the inbox; `null`: back to the "
            "event's default",
            examples=[{"streak_milestone": ["inapp", "email"], "reminder": None}],
        ),
    ]


class NotificationPreferenceRead(OutputModel):
    event: Event
    channels: list[Channel] = Field(
        description="Where the event goes out; for `reminder` by default, each reminder's own"
    )
    default: bool = Field(description="true: the event's default; false: your choice")


class NotificationPreferencesRead(OutputModel):
    items: list[NotificationPreferenceRead] = Field(description="Every event, in a fixed order")
