"""`Idempotency-Key`: the same key and request replay the first response; another request with
the same key is a 422. Keys belong to a user and are kept for 24 hours."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, NamedTuple

from fastapi import Header
from fastapi.responses import Response
from pydantic import BaseModel

from habitual.errors import Unprocessable
from habitual.kit.clock import utcnow
from habitual.kit.rawsql import RawConnection

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


class StoredAnswer(NamedTuple):
    request_hash: str
    response_status: int
    response_body: str


async def _stored(connection: RawConnection, user_id: int, key: str) -> StoredAnswer | None:
    row = await connection.fetchrow(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys "
        "WHERE user_id = $1 AND key = $2 AND created_at >= $3",
        user_id,
        key,
        utcnow() - RETENTION,
    )
    return None if row is None else StoredAnswer(*row)


def _replay(stored: StoredAnswer, fingerprint: str) -> Response:
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
    connection: RawConnection,
    user_id: int,
    key: str | None,
    fingerprint: str,
    handler: Callable[[], Awaitable[tuple[int, BaseModel]]],
) -> Response:
    """Run `handler` unless this key already answered; store its answer with the key.

    The key is claimed before the work, in the request's transaction, with one
    `INSERT ... ON CONFLICT`: a concurrent duplicate blocks on the unique index until the first
    commits, then finds its answer and replays it. A failed request rolls its claim back.
    On the driver (kit/rawsql.py), as entries are; a SQLAlchemy session passes
    `await uow.connection()`.
    """
    if key is None:
        status, model = await handler()
        return Response(model.model_dump_json(), status_code=status, media_type="application/json")
    stored = await _stored(connection, user_id, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    now = utcnow()
    claimed = await connection.fetchrow(  # an expired key of the same name is taken over
        "INSERT INTO idempotency_keys "
        "(user_id, key, request_hash, response_status, response_body, created_at) "
        "VALUES ($1, $2, $3, 0, '', $4) "
        "ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, "
        "response_status = 0, response_body = '', created_at = excluded.created_at "
        "WHERE idempotency_keys.created_at < $5 RETURNING id",
        user_id,
        key,
        fingerprint,
        now,
        now - RETENTION,
    )
    if claimed is None:  # a concurrent request with this key committed first
        stored = await _stored(connection, user_id, key)
        if stored is None:
            raise Unprocessable("This Idempotency-Key is in use; retry shortly.")
        return _replay(stored, fingerprint)
    status, model = await handler()
    body = model.model_dump_json()
    await connection.execute(
        "UPDATE idempotency_keys SET response_status = $1, response_body = $2 WHERE id = $3",
        status,
        body,
        claimed[0],
    )
    return Response(body, status_code=status, media_type="application/json")
