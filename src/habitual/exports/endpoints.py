"""/export (under /api/v1): the caller's whole account as JSON, as CSV files, or for Loop."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from habitual.deps import HabitReader, RuntimeDep
from habitual.errors import problem_responses
from habitual.exports.service import MEDIA_TYPES, ExportFormat, export_filename, export_service
from habitual.kit.timezones import local_today

router = APIRouter(prefix="/export", tags=["export"])

EXPORT_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export, as an attachment",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
FormatQuery = Annotated[
    ExportFormat,
    Query(
        alias="format",
        description="`json` (default): one document; `csv`: a zip of CSV files; `loop`: a zip "
        "in Loop Habit Tracker's CSV layout",
    ),
]


@router.get(
    "",
    response_class=StreamingResponse,
    summary="Export your account",
    responses={**EXPORT_OK, **problem_responses(401, 403, 422, 429)},
)
async def export_account(
    user: HabitReader, runtime: RuntimeDep, export_format: FormatQuery = ExportFormat.json
) -> StreamingResponse:
    """Everything of your account, streamed as a download. `json`: `schema_version` 1, with
    your profile and preferences, the categories your habits use, every habit (archived ones
    too) with its rule versions, check-ins, reminders and goals, and your fitness samples and
    goals; never passwords, tokens or your phone number. `csv`: a zip of habits.csv,
    checkins.csv, reminders.csv and fitness.csv. `loop`: a zip that Loop Habit Tracker's
    users can read (Habits.csv, Checkmarks.csv, Scores.csv and a folder per habit). A personal
    access token needs the `habits:read` scope."""
    filename = export_filename(user, export_format, local_today(user))
    return StreamingResponse(
        export_service.stream(runtime.database, user, export_format),
        media_type=MEDIA_TYPES[export_format],
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )
