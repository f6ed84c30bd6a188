"""/habits/{id}/shares and /shared/{token} (under /api/v1); the public page /s/{token}."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from habitual.deps import AddressLimited, HabitID, HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import problem_responses
from habitual.kit.schemas import PathID
from habitual.models import HabitShare
from habitual.shares.pages import PAGE_STYLE, card_png, card_svg, share_page
from habitual.shares.schemas import ShareCreate, ShareCreated, SharedHabit, ShareRead
from habitual.shares.service import share_service

router = APIRouter(prefix="/habits/{habit_id}/shares", tags=["sharing"])
shared_router = APIRouter(prefix="/shared", tags=["sharing"])
# Outside /api/v1: the links people paste into chats and posts.
public_router = APIRouter(prefix="/s", tags=["sharing"])

ShareID = PathID
ShareToken = Annotated[str, Path(description="The link's token, as its owner got it")]

# The page's one inline style block, allowed by its hash; nothing else may load or run.
STYLE_HASH = base64.b64encode(hashlib.sha256(PAGE_STYLE.encode()).digest()).decode()
PAGE_HEADERS = {
    "content-security-policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "x-robots-tag": "noindex",
    "cache-control": "no-store",
}
CARD_HEADERS = {"x-robots-tag": "noindex", "cache-control": "no-store"}
HTML_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}}
}
SVG_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}
}
PNG_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ShareCreated,
    summary="Share a habit with a link",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def create_share(
    habit_id: HabitID, body: ShareCreate, user: HabitWriter, uow: UoW, runtime: RuntimeDep
) -> ShareCreated:
    """A public link to the habit's figures (name, streaks, success rate, this year's met
    days), for anyone who has it. The response holds the token (it starts with `hab_sh_`)
    this once; only its SHA-256 digest is stored. A personal access token needs the `habits:write`
    scope."""
    share, token = await share_service.create(uow, user, habit_id, body)
    return ShareCreated(
        id=share.id,
        url=f"{runtime.settings.public_url}/s/{token}",
        token=token,
        created_at=share.created_at,
        expires_at=share.expires_at,
    )


@router.get(
    "",
    response_model=list[ShareRead],
    summary="The habit's share links",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_shares(habit_id: HabitID, user: HabitReader, uow: UoW) -> Sequence[HabitShare]:
    """Every link of the habit, newest first, expired ones too, without their tokens."""
    return await share_service.list(uow, user, habit_id)


@router.delete(
    "/{share_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a share link",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_share(habit_id: HabitID, share_id: ShareID, user: HabitWriter, uow: UoW) -> None:
    """Revoke the link at once: its page, card and JSON answer 404 from now on."""
    await share_service.delete(uow, user, habit_id, share_id)


@shared_router.get(
    "/{token}",
    response_model=SharedHabit,
    summary="A shared habit's figures",
    dependencies=[AddressLimited],
    responses=problem_responses(404, 429),
)
async def get_shared(token: ShareToken, uow: UoW) -> SharedHabit:
    """No authentication: the figures behind a live link. Never notes, email, phone, times of
    check-ins, or the username when a display name is set. Unknown, revoked or expired: 404."""
    return await share_service.shared(uow, token)


@public_router.get(
    "/{token}",
    response_class=HTMLResponse,
    summary="A shared habit's page",
    dependencies=[AddressLimited],
    responses={**HTML_OK, **problem_responses(404, 429)},
)
async def get_share_page(token: ShareToken, uow: UoW, runtime: RuntimeDep) -> HTMLResponse:
    """No authentication: a small HTML page with Open Graph and Twitter card tags, kept out of
    search engines (`noindex`). Unknown, revoked or expired: 404."""
    shared = await share_service.shared(uow, token)
    page_url = f"{runtime.settings.public_url}/s/{token}"
    return HTMLResponse(share_page(shared, page_url), headers=PAGE_HEADERS)


@public_router.get(
    "/{token}/card.svg",
    response_class=Response,
    summary="A shared habit's card",
    dependencies=[AddressLimited],
    responses={**SVG_OK, **problem_responses(404, 429)},
)
async def get_share_card(token: ShareToken, uow: UoW) -> Response:
    """No authentication: the same figures as a 1200x630 SVG image for social media."""
    shared = await share_service.shared(uow, token)
    return Response(card_svg(shared), media_type="image/svg+xml", headers=CARD_HEADERS)


@public_router.get(
    "/{token}/card.png",
    response_class=Response,
    summary="A shared habit's card as PNG",
    dependencies=[AddressLimited],
    responses={**PNG_OK, **problem_responses(404, 429)},
)
async def get_share_card_png(token: ShareToken, uow: UoW) -> Response:
    """No authentication: the SVG card rasterised, 1200x630 PNG, for sites that take no SVG."""
    shared = await share_service.shared(uow, token)
    png = await run_in_threadpool(card_png, card_svg(shared))
    return Response(png, media_type="image/png", headers=CARD_HEADERS)
