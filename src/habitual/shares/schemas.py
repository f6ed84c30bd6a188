from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import Field

from habitual.kit.schemas import InputModel, Instant, OutputModel


class ShareCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"expires_at"})

    expires_at: Instant | None = Field(
        default=None, description="When the link stops working (in the future); never if left out"
    )


class ShareRead(OutputModel):
    id: int
    habit_id: int
    created_at: datetime
    expires_at: datetime | None = Field(description="When the link stops working; null: never")


class ShareCreated(OutputModel):
    id: int
    url: str = Field(description="The public page of the link: {public_url}/s/{token}")
    token: str = Field(description="The link's secret; shown this once and never again")
    created_at: datetime
    expires_at: datetime | None = Field(description="When the link stops working; null: never")


class SharedHabit(OutputModel):
    """What anyone holding a share link sees: figures only, never notes, times or contacts."""

    name: str = Field(description="The habit's name")
    owner: str = Field(description="The owner's display name, or else their username")
    current_streak: int
    longest_streak: int
    streak_unit: str = Field(description="days, weeks or months")
    success_rate: float | None = Field(
        description="met / due over the habit's life; null: none due"
    )
    year: int = Field(description="The owner's current local year")
    met_days: list[date] = Field(description="The local dates of this year whose goal was met")
