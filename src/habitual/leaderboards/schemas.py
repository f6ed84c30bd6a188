"""A leaderboard, out: display names and values only."""

from __future__ import annotations

from pydantic import Field

from habitual.kit.schemas import OutputModel


class PlaceRead(OutputModel):
    rank: int = Field(description="1 for the best; equal values share a rank (1, 1, 3)")
    user_id: int
    display_name: str = Field(description="Their display name, or else their username")
    value: int = Field(description="Periods in a row, or met days this week")


class MyPlace(OutputModel):
    rank: int
    value: int


class BoardRead(OutputModel):
    items: list[PlaceRead] = Field(
        description="Best first; inside a tie, who reached the value first"
    )
    me: MyPlace | None = Field(description="Your place, or null when you are not on this board")
