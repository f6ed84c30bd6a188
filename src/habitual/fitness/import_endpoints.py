"""/fitness/imports (under /api/v1): a wearable's export file read into samples."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Response, UploadFile, status
from pydantic import Field

from habitual.auth.scopes import Scope
from habitual.deps import RuntimeDep, Scoped, UoW
from habitual.errors import problem_responses
from habitual.fitness.importing import (
    ImportFormat,
    ImportStatus,
    effective_status,
    import_service,
    save_upload,
)
from habitual.kit.clock import utcnow
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import OutputModel, PathID
from habitual.models import FitnessImport, User

router = APIRouter(prefix="/fitness/imports", tags=["fitness"])

FitnessWriter = Annotated[User, Scoped(Scope.fitness_write)]
FitnessReader = Annotated[User, Scoped(Scope.fitness_read)]


class ImportRead(OutputModel):
    id: int
    format: ImportFormat
    status: ImportStatus = Field(
        description="`pending`, `processing`, then `done` or `failed` (`error` says why)"
    )
    filename: str | None
    size_bytes: int
    samples_read: int = Field(description="Samples found in the file so far")
    accepted: int = Field(description="New samples stored")
    updated: int = Field(description="Samples that replaced an older version of themselves")
    duplicates: int = Field(description="Samples already stored (a re-import adds nothing)")
    rejected: int = Field(description="Samples the ingestion refused (see `warnings`)")
    warnings: list[str] = Field(description="What was skipped and why, at most 50 lines")
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def import_read(row: FitnessImport) -> ImportRead:
    shown, error = effective_status(row, utcnow())
    return ImportRead(
        id=row.id,
        format=ImportFormat(row.format),
        status=ImportStatus(shown),
        filename=row.filename,
        size_bytes=row.size_bytes,
        samples_read=row.samples_read,
        accepted=row.accepted,
        updated=row.updated,
        duplicates=row.duplicates,
        rejected=row.rejected,
        warnings=[str(line) for line in row.warnings],
        error=error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportRead,
    summary="Import a wearable's export",
    responses=problem_responses(400, 401, 403, 413, 422),
)
async def create_import(
    file: Annotated[UploadFile, File(description="The export file")],
    format: Annotated[
        ImportFormat,
        Form(
            description="`apple_health` (Apple's export.zip or its export.xml), "
            "`health_connect` (Health Connect records as JSON) or `csv` (`date,metric,value`)"
        ),
    ],
    user: FitnessWriter,
    uow: UoW,
    runtime: RuntimeDep,
    background: BackgroundTasks,
    response: Response,
) -> ImportRead:
    """Answers 202 at once with the import's id; the file is read after the answer, and
    `GET /fitness/imports/{id}` follows it. Samples go through the same rules as
    `POST /fitness/samples`: sending a file again adds nothing twice. Up to
    `HABITUAL_MAX_IMPORT_BYTES` (1 GiB by default). A personal token needs `fitness:write`."""
    path, size = await save_upload(file, format, runtime.settings.import_directory)
    row = await import_service.create(uow, user, format, file.filename, size)
    background.add_task(import_service.run, runtime.database, row.id, user.id, format, path)
    response.headers["Location"] = f"/api/v1/fitness/imports/{row.id}"
    return import_read(row)


@router.get(
    "",
    response_model=Page[ImportRead],
    summary="Your imports",
    responses=problem_responses(401, 403, 422),
)
async def list_imports(
    user: FitnessReader, uow: UoW, paging: Annotated[PageParams, Depends(page_params)]
) -> Page[ImportRead]:
    """Newest first. A personal token needs `fitness:read`."""
    rows, total = await import_service.page(uow, user, paging)
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
async def get_import(import_id: PathID, user: FitnessReader, uow: UoW) -> ImportRead:
    """Its status, counts and warnings. An import cut off by its server process stopping
    reads as `failed`. A personal token needs `fitness:read`."""
    return import_read(await import_service.get(uow, user, import_id))
