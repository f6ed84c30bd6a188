from __future__ import annotations

from pydantic import Field

from habitual.kit.schemas import OutputModel


class CalendarFeedCreated(OutputModel):
    url: str = Field(
        description="The subscription URL, {public_url}/api/v1/calendar/{token}.ics: paste it "
        "into a calendar app (add ?history=true for the past year's met days)"
    )
    token: str = Field(description="The feed's secret; shown this once and never again")
