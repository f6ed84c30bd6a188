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
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from habitual.errors import Unprocessable
from habitual.kit.clock import utcnow
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

    The key is claimed before the work, in the request's transaction: a concurrent duplicate
    blocks on the unique index until the first commits, then replays its answer.
    """
    if key is None:
        status, model = await handler()
        return Response(model.model_dump_json(), status_code=status, media_type="application/json")
    stored = await _stored(session, user_id, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.created_at < utcnow() - RETENTION
        )
    )
    record = IdempotencyKey(
        user_id=user_id, key=key, request_hash=fingerprint, response_status=0, response_body=""
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        stored = await _stored(session, user_id, key)
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    status, model = await handler()
    body: Any = model.model_dump_json()
    record.response_status, record.response_body = status, body
    await session.flush()
    return Response(body, status_code=status, media_type="application/json")
