"""`Idempotency-Key`: the same key and request replay the first response; another request with
the same key is a 422. Keys belong to a user and are kept for 24 hours."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.errors import Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.upsert import insert_for
from habitual.models import IdempotencyKey

RETENTION = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string; a retry with the same key and body replays the answer",
    ),
]


def request_fingerprint(method: str, path: str, body: BaseModel) -> str:
    canonical = json.dumps(
        [method, path, body.model_dump(mode="json", exclude_unset=True)], sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _stored(session: AsyncSession, user_id: int, key: str) -> IdempotencyKey | None:
    statement = select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id,
        IdempotencyKey.key == key,
        IdempotencyKey.created_at >= utcnow() - RETENTION,
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used for a different request; use a new key.",
            field=("header", "Idempotency-Key"),
        )
    return Response(
        stored.response_body,
        status_code=stored.response_status,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


async def run_once(
    session: AsyncSession,
    user_id: int,
    key: str | None,
    fingerprint: str,
    handler: Callable[[], Awaitable[tuple[int, BaseModel]]],
) -> Response:
    """Run `handler` unless this key already answered; store its answer with the key.

    The key is claimed before the work, in the request's transaction, with one
    `INSERT ... ON CONFLICT`: a concurrent duplicate blocks on the unique index until the first
    commits, then finds its answer and replays it. A failed request rolls its claim back.
    """
    if key is None:
        status, model = await handler()
        return Response(model.model_dump_json(), status_code=status, media_type="application/json")
    stored = await _stored(session, user_id, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    claim = (
        insert_for(session, IdempotencyKey)
        .values(
            user_id=user_id,
            key=key,
            request_hash=fingerprint,
            response_status=0,
            response_body="",
            created_at=utcnow(),
        )
        .on_conflict_do_update(  # an expired key of the same name is taken over
            index_elements=[IdempotencyKey.user_id, IdempotencyKey.key],
            set_={
                "request_hash": fingerprint,
                "response_status": 0,
                "response_body": "",
                "created_at": utcnow(),
            },
            where=IdempotencyKey.created_at < utcnow() - RETENTION,
        )
        .returning(IdempotencyKey.id)
    )
    record_id = (await session.execute(claim)).scalar_one_or_none()
    if record_id is None:  # a concurrent request with this key committed first
        stored = await _stored(session, user_id, key)
        if stored is None:
            raise Unprocessable("This Idempotency-Key is in use; retry shortly.")
        return _replay(stored, fingerprint)
    status, model = await handler()
    body: Any = model.model_dump_json()
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == record_id)
        .values(response_status=status, response_body=body)
    )
    return Response(body, status_code=status, media_type="application/json")


async def purge_expired(session: AsyncSession) -> int:
    """Delete keys past their retention (the worker calls this now and then)."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - RETENTION)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
