"""/imports (under /api/v1): another app's file, or our own export, into your account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile, status
from fastapi.responses import JSONResponse

from habitual.deps import HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import NotFound, Unprocessable, problem_responses
from habitual.imports.schemas import ImportFormat, ImportPreview, ImportRead
from habitual.imports.service import import_service
from habitual.kit.middleware import BodyTooLarge
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import PathID
from habitual.models import HabitImport

router = APIRouter(prefix="/imports", tags=["imports"])
READ_PIECE = 1 << 20


def import_read(row: HabitImport) -> ImportRead:
    return ImportRead.model_validate(row)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportRead,
    summary="Import habits and their history from a file",
    responses={
        200: {"model": ImportPreview, "description": "A dry run: what the import would do"},
        **problem_responses(400, 401, 403, 409, 413, 422),
    },
)
async def create_import(
    file: Annotated[UploadFile, File(description="The file")],
    format: Annotated[
        ImportFormat,
        Form(
            description="`habitual_json` (our own `GET /export?format=json`), `loop_db` (Loop "
            "Habit Tracker's backup .db), `loop_csv` (Loop's CSV export zip) or "
            "`habitbull_csv` (HabitBull's CSV export)"
        ),
    ],
    user: HabitWriter,
    uow: UoW,
    runtime: RuntimeDep,
    dry_run: Annotated[
        bool, Form(description="true: answer 200 with what the import would do, write nothing")
    ] = False,
) -> ImportRead | JSONResponse:
    """Reads the file and adds its habits, check-ins and reminders to your account, in one
    transaction: a file that cannot be read (422, with the reason) writes nothing. Habits
    already here from an earlier import of the same source (or, for files without ids, of the
    same name) are matched, and only days not yet checked and reminders not yet set are added:
    importing the same file twice changes nothing the second time. Up to
    `HABITUAL_IMPORT_MAX_BYTES` (50 MB by default; larger is 413). docs/import-export.md says
    how each format maps. A personal access token needs `habits:write`."""
    limit = runtime.settings.import_max_bytes
    pieces: list[bytes] = []
    size = 0
    while piece := await file.read(READ_PIECE):
        size += len(piece)
        if size > limit:
            raise BodyTooLarge(
                f"The file is larger than the {limit // (1024 * 1024)} MB an import takes."
            )
        pieces.append(piece)
    data = b"".join(pieces)
    if not data.strip():
        raise Unprocessable("The file is empty.", field=("body", "file"))
    result = await import_service.run(
        uow, user, runtime.settings, format, data, file.filename, dry_run=dry_run
    )
    if isinstance(result, ImportPreview):
        return JSONResponse(result.model_dump(mode="json"), status_code=status.HTTP_200_OK)
    return import_read(result)


@router.get(
    "",
    response_model=Page[ImportRead],
    summary="Your imports",
    responses=problem_responses(401, 403, 422),
)
async def list_imports(
    user: HabitReader, uow: UoW, paging: Annotated[PageParams, Depends(page_params)]
) -> Page[ImportRead]:
    """Newest first; dry runs leave none. A personal access token needs `habits:read`."""
    rows, total = await import_service.page(uow, user, paging.offset, paging.page_size)
    return Page(
        items=[import_read(row) for row in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/{import_id}",
    response_model=ImportRead,
    summary="One import",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_import(import_id: PathID, user: HabitReader, uow: UoW) -> ImportRead:
    """What the import made and its warnings. A personal access token needs `habits:read`."""
    row = await import_service.get(uow, user, import_id)
    if row is None:
        raise NotFound("No such import.")
    return import_read(row)
