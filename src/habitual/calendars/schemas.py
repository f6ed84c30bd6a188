from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, Field, field_validator

from habitual.kit.schemas import InputModel, OutputModel


class CalendarFeedCreated(OutputModel):
    url: str = Field(
        description="The subscription URL, {public_url}/api/v1/calendar/{token}.ics: paste it "
        "into a calendar app (add ?history=true for the past year's met days)"
    )
    token: str = Field(description="The feed's secret; shown this once and never again")


class CaldavAccountPut(InputModel):
    url: Annotated[
        AnyHttpUrl,
        Field(
            description="The calendar collection's URL, e.g. "
            "https://dav.example.com/alice/habits/; it must be public (see docs)"
        ),
    ]
    username: Annotated[str, Field(min_length=1, max_length=255)]
    password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=1024,
            description="Stored encrypted, used only to sign in to the calendar, never returned",
        ),
    ]

    @field_validator("url")
    @classmethod
    def _short_enough(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(url)) > 2048:
            raise ValueError("at most 2048 characters")
        return url


class CaldavAccountRead(OutputModel):
    url: str = Field(description="The calendar collection the events are written to")
    username: str
    last_synced_at: datetime | None = Field(
        description="When the calendar last took every change; null before the first sync"
    )
    last_error: str | None = Field(
        description="Why the last sync failed (tried again within a minute); null after a success"
    )
    events: int = Field(description="How many events the calendar holds from us, as last pushed")
