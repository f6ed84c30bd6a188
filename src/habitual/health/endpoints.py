"""/livez and /readyz, for load balancers and orchestrators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from habitual.db import current_revision, head_revision
from habitual.deps import RuntimeDep
from habitual.errors import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    migration: str


@router.get("/livez", response_model=Health, summary="Is the process alive")
async def livez() -> Health:
    """Always `ok` while the process answers."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Can the process serve",
    responses=problem_responses(503),
)
async def readyz(runtime: RuntimeDep) -> Readiness:
    """`ok` when the database answers and its schema is at the newest migration; 503 if not."""
    try:
        revision = await current_revision(runtime.database.engine)
    except (SQLAlchemyError, OSError):
        raise ServiceUnavailable("The database is not reachable.") from None
    if revision != head_revision():
        raise ServiceUnavailable(f"Migrations pending: database at {revision}, code at head.")
    return Readiness(status="ok", database="ok", migration=revision or "")
