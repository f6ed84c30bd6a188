"""Importing a wearable's export: the file is kept on disk, read as a stream in the background,
and fed to the samples' ingestion in chunks, each its own transaction.

The request that sends the file copies it to a private temporary file (in pieces: a 500 MB
export never sits in memory) and answers 202; the process that took it then reads it. Every
chunk commits on its own and moves the import's `updated_at`: a process that stops mid-file
leaves an import that reads as failed once `updated_at` is older than `STALLED_AFTER`, and
sending the file again adds only what had not been stored (a re-import adds nothing twice:
the samples' identity rules, docs/fitness.md).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import structlog
from anyio import to_thread
from fastapi import UploadFile

from habitual.db import Database, UnitOfWork
from habitual.errors import NotFound, Unprocessable
from habitual.fitness import formats
from habitual.fitness.formats import Note, Parsed, Sample
from habitual.kit.clock import utcnow
from habitual.kit.pagination import PageParams
from habitual.models import FitnessImport, User

log = structlog.get_logger(__name__)

CHUNK = 5_000  # samples per transaction
COPY_PIECE = 1 << 20
STALLED_AFTER = timedelta(minutes=10)
MAX_WARNINGS = 50


class ImportFormat(StrEnum):
    apple_health = "apple_health"
    health_connect = "health_connect"
    csv = "csv"


class ImportStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    done = "done"
    failed = "failed"


@dataclass(frozen=True)
class Counts:
    """What the ingestion made of one chunk."""

    accepted: int
    updated: int
    duplicates: int
    rejected: int
    errors: list[str]


Ingest = Callable[[UnitOfWork, User, list[Sample]], "asyncio.Future[Counts]"]


def reader_of(import_format: ImportFormat, file: IO[bytes], user: User) -> Iterator[Parsed]:
    if import_format is ImportFormat.apple_health:
        return formats.read_apple_health(file)
    if import_format is ImportFormat.health_connect:
        return formats.read_health_connect(file)
    return formats.read_csv(file, ZoneInfo(user.timezone), user.day_start)


def effective_status(row: FitnessImport, now: datetime) -> tuple[str, str | None]:
    """The status to show: an import whose process stopped reads as failed."""
    if row.status in (ImportStatus.pending, ImportStatus.processing):
        if now - row.updated_at > STALLED_AFTER:
            return ImportStatus.failed, (
                "The import stopped before the end of the file (its server process ended). "
                "Send the file again: what was already stored is not added twice."
            )
    return row.status, row.error


async def save_upload(upload: UploadFile, directory: str | None) -> tuple[Path, int]:
    """The upload copied to a private temporary file, piece by piece; its path and size."""
    descriptor, name = tempfile.mkstemp(prefix="habitual-import-", dir=directory)
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            while piece := await upload.read(COPY_PIECE):
                size += len(piece)
                await to_thread.run_sync(out.write, piece)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name), size


class ImportService:
    async def create(
        self,
        uow: UnitOfWork,
        user: User,
        import_format: ImportFormat,
        filename: str | None,
        size: int,
    ) -> FitnessImport:
        row = FitnessImport(
            user_id=user.id,
            format=import_format.value,
            status=ImportStatus.pending.value,
            filename=(filename or "")[:255] or None,
            size_bytes=size,
            warnings=[],
        )
        uow.session.add(row)
        await uow.session.flush()
        return row

    async def get(self, uow: UnitOfWork, user: User, import_id: int) -> FitnessImport:
        row = await uow.session.get(FitnessImport, import_id)
        if row is None or row.user_id != user.id:
            raise NotFound("No such import.")
        return row

    async def page(
        self, uow: UnitOfWork, user: User, paging: PageParams
    ) -> tuple[list[FitnessImport], int]:
        from sqlalchemy import func, select

        total = await uow.session.scalar(
            select(func.count()).select_from(FitnessImport).where(FitnessImport.user_id == user.id)
        )
        rows = await uow.session.scalars(
            select(FitnessImport)
            .where(FitnessImport.user_id == user.id)
            .order_by(FitnessImport.created_at.desc(), FitnessImport.id.desc())
            .limit(paging.page_size)
            .offset(paging.offset)
        )
        return list(rows), total or 0

    async def run(
        self,
        database: Database,
        import_id: int,
        user_id: int,
        import_format: ImportFormat,
        path: Path,
        ingest: Callable[[UnitOfWork, User, list[Sample]], object],
    ) -> None:
        """Read the saved file into samples, chunk by chunk; the file is deleted at the end."""
        try:
            await self._run(database, import_id, user_id, import_format, path, ingest)
        except Exception as error:  # the import's row tells the user; the log tells us
            log.exception("fitness import failed", import_id=import_id)
            reason = str(error) if isinstance(error, ValueError | Unprocessable) else None
            async with database.unit() as uow:
                row = await uow.session.get(FitnessImport, import_id)
                if row is not None:
                    row.status = ImportStatus.failed.value
                    row.error = reason or "The file could not be read to its end."
                    row.updated_at = row.finished_at = utcnow()
        finally:
            path.unlink(missing_ok=True)

    async def _run(
        self,
        database: Database,
        import_id: int,
        user_id: int,
        import_format: ImportFormat,
        path: Path,
        ingest: Callable[[UnitOfWork, User, list[Sample]], object],
    ) -> None:
        async with database.unit() as uow:
            user = await uow.session.get(User, user_id)
            row = await uow.session.get(FitnessImport, import_id)
            if user is None or row is None:
                return
            row.status = ImportStatus.processing.value
            row.updated_at = utcnow()
        warnings: list[str] = []
        with path.open("rb") as file:
            items = reader_of(import_format, file, user)
            while True:
                chunk = await to_thread.run_sync(lambda: list(islice(items, CHUNK)))
                if not chunk:
                    break
                found = [item for item in chunk if isinstance(item, Sample)]
                warnings.extend(item.text for item in chunk if isinstance(item, Note))
                async with database.unit() as uow:
                    counts = await ingest(uow, user, found) if found else None  # type: ignore[misc]
                    row = await uow.session.get(FitnessImport, import_id)
                    if row is None:  # the account went meanwhile
                        return
                    row.samples_read += len(found)
                    if isinstance(counts, Counts):
                        row.accepted += counts.accepted
                        row.updated += counts.updated
                        row.duplicates += counts.duplicates
                        row.rejected += counts.rejected
                        warnings.extend(counts.errors)
                    row.warnings = warnings[:MAX_WARNINGS]
                    row.updated_at = utcnow()
        async with database.unit() as uow:
            row = await uow.session.get(FitnessImport, import_id)
            if row is not None:
                row.status = ImportStatus.done.value
                row.warnings = warnings[:MAX_WARNINGS]
                row.updated_at = row.finished_at = utcnow()


import_service = ImportService()
