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

import csv
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import ijson
from anyio import to_thread
from fastapi import UploadFile

from habitual.db import Database, UnitOfWork
from habitual.errors import NotFound, Unprocessable
from habitual.fitness import formats
from habitual.fitness.formats import Note, Parsed, Sample
from habitual.fitness.schemas import Rejected
from habitual.fitness.service import fitness_service
from habitual.kit.clock import utcnow
from habitual.kit.pagination import PageParams
from habitual.models import FitnessImport, User

log = logging.getLogger(__name__)

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


def reader_of(import_format: ImportFormat, file: IO[bytes], user: User) -> Iterator[Parsed]:
    if import_format is ImportFormat.apple_health:
        return formats.read_apple_health(file)
    if import_format is ImportFormat.health_connect:
        return formats.read_health_connect(file)
    return formats.read_csv(file, ZoneInfo(user.timezone), user.day_start)


def sample_in(sample: Sample) -> dict[str, object]:
    """A parsed sample in the shape `POST /fitness/samples` takes (checked by the ingestion)."""
    body: dict[str, object] = {
        "metric": sample.metric,
        "value": sample.value,
        "start": sample.start,
        "source": sample.source,
    }
    if sample.end is not None:
        body["end"] = sample.end
    if sample.external_id is not None:
        body["external_id"] = sample.external_id
    if sample.version is not None:
        body["version"] = sample.version
    return body


def rejection_lines(chunk: list[dict[str, object]], rejected: list[Rejected]) -> list[str]:
    """A warning line per refused sample: which one, and why."""
    lines = []
    for refusal in rejected:
        sample = chunk[refusal.index]
        why = "; ".join(
            f"{'.'.join(str(part) for part in issue.loc)}: {issue.msg}" for issue in refusal.errors
        )
        lines.append(
            f"A {sample['metric']} sample from {sample['source']} at {sample['start']} "
            f"was refused: {why}."
        )
    return lines


def effective_status(row: FitnessImport, now: datetime) -> tuple[str, str | None]:
    """The status to show: an import whose process stopped reads as failed."""
    stalled = now - row.updated_at > STALLED_AFTER
    if row.status in (ImportStatus.pending, ImportStatus.processing) and stalled:
        return ImportStatus.failed, (
            "The import stopped before the end of the file (its server process ended). "
            "Send the file again: what was already stored is not added twice."
        )
    return row.status, row.error


async def save_upload(
    upload: UploadFile, import_format: ImportFormat, directory: str | None
) -> tuple[Path, int]:
    """The upload copied to a private temporary file, piece by piece; its path and size.
    A file that plainly is not of its format is refused (422) and removed."""
    descriptor, name = tempfile.mkstemp(prefix="habitual-import-", dir=directory)
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            while piece := await upload.read(COPY_PIECE):
                size += len(piece)
                await to_thread.run_sync(out.write, piece)
        sniff(import_format, name)
    except BaseException:
        Path(name).unlink(missing_ok=True)  # noqa: ASYNC240 - one unlink, no waiting
        raise
    return Path(name), size


def sniff(import_format: ImportFormat, name: str) -> None:
    """Refuse at once a file that cannot be of its format (the reading itself comes later)."""
    with open(name, "rb") as file:
        head = file.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise Unprocessable("The file is empty.", field=("body", "file"))
    if import_format is ImportFormat.apple_health and not head.startswith((b"PK", b"<")):
        raise Unprocessable(
            "An apple_health import takes Apple's export.zip or its export.xml.",
            field=("body", "file"),
        )
    if import_format is ImportFormat.health_connect and not head.startswith((b"[", b"{")):
        raise Unprocessable(
            "A health_connect import takes records as JSON (a list or an object).",
            field=("body", "file"),
        )
    if import_format is ImportFormat.csv and b"\0" in head:
        raise Unprocessable("A csv import takes a text file.", field=("body", "file"))


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
    ) -> None:
        """Read the saved file into samples, chunk by chunk; the file is deleted at the end."""
        try:
            await self._run(database, import_id, user_id, import_format, path)
        except Exception as error:  # the import's row tells the user; the log tells us
            log.exception("fitness import %s failed", import_id)
            unreadable = isinstance(error, ValueError | SyntaxError | ijson.JSONError | csv.Error)
            reason = f"The file could not be read: {error}" if unreadable else None
            async with database.unit() as uow:
                row = await uow.session.get(FitnessImport, import_id)
                if row is not None:
                    row.status = ImportStatus.failed.value
                    row.error = reason or "The file could not be read to its end."
                    row.updated_at = row.finished_at = utcnow()
        finally:
            await to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def _run(
        self,
        database: Database,
        import_id: int,
        user_id: int,
        import_format: ImportFormat,
        path: Path,
    ) -> None:
        async with database.unit() as uow:
            user = await uow.session.get(User, user_id)
            row = await uow.session.get(FitnessImport, import_id)
            if user is None or row is None:
                return
            row.status = ImportStatus.processing.value
            row.updated_at = utcnow()
        warnings: list[str] = []
        file = await to_thread.run_sync(path.open, "rb")
        with file:
            items = reader_of(import_format, file, user)
            while True:
                chunk = await to_thread.run_sync(lambda: list(islice(items, CHUNK)))
                if not chunk:
                    break
                found = [sample_in(item) for item in chunk if isinstance(item, Sample)]
                warnings.extend(item.text for item in chunk if isinstance(item, Note))
                async with database.unit() as uow:
                    row = await uow.session.get(FitnessImport, import_id)
                    if row is None:  # the account went meanwhile
                        return
                    if found:
                        counts = await fitness_service.ingest(uow, user, found)
                        row.accepted += counts.accepted
                        row.updated += counts.updated
                        row.duplicates += counts.duplicates
                        row.rejected += len(counts.rejected)
                        warnings.extend(rejection_lines(found, counts.rejected))
                    row.samples_read += len(found)
                    row.warnings = warnings[:MAX_WARNINGS]
                    row.updated_at = utcnow()
        async with database.unit() as uow:
            row = await uow.session.get(FitnessImport, import_id)
            if row is not None:
                row.status = ImportStatus.done.value
                row.warnings = warnings[:MAX_WARNINGS]
                row.updated_at = row.finished_at = utcnow()


import_service = ImportService()
