"""/groups: invite-only groups with an owner, admins and members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from habitual.deps import HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import MethodNotAllowed, problem_responses
from habitual.groups.schemas import (
    GroupCreate,
    GroupRead,
    GroupUpdate,
    InviteCreate,
    InviteRead,
    JoinRequest,
    MemberRead,
    RoleUpdate,
    TransferRequest,
)
from habitual.groups.service import group_service
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import PathID

router = APIRouter(prefix="/groups", tags=["groups"])

GroupID = PathID
InviteID = PathID
MemberID = PathID
Paging = Annotated[PageParams, Depends(page_params)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupRead,
    summary="Create a group",
    responses=problem_responses(401, 403, 413, 422),
)
async def create_group(body: GroupCreate, user: HabitWriter, uow: UoW) -> GroupRead:
    """A group you own: you are its first member, with the role `owner`."""
    return await group_service.create(uow, user, body)


@router.get(
    "",
    response_model=Page[GroupRead],
    summary="Your groups",
    responses=problem_responses(401, 403, 422),
)
async def list_groups(user: HabitReader, uow: UoW, paging: Paging) -> Page[GroupRead]:
    """The groups you are a member of, with your role in each, oldest first."""
    items, total = await group_service.page(uow, user, paging)
    return Page[GroupRead](items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.post(
    "/join",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupRead,
    summary="Join a group with an invite code",
    responses={
        200: {"description": "You were a member already: the group, nothing used"},
        **problem_responses(401, 403, 404, 409, 413, 422),
    },
)
async def join_group(
    body: JoinRequest, user: HabitWriter, uow: UoW, runtime: RuntimeDep, response: Response
) -> GroupRead:
    """Join the group of an invite `code`. An unknown, expired, used-up or revoked code is 404;
    a member joining again gets 200 and uses nothing of the code. A group holding
    `HABITUAL_GROUP_MAX_MEMBERS` members already is 409. Concurrent joins never pass a code's
    `max_uses` nor the member limit."""
    group, joined = await group_service.join(
        uow, user, body.code, max_members=runtime.settings.group_max_members
    )
    if not joined:
        response.status_code = status.HTTP_200_OK
    return group


@router.api_route(
    "/join", methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def join_other_methods() -> None:
    """Without it, `PATCH /groups/join` would reach `PATCH /groups/{group_id}` (a 422 for
    the id `join`) instead of a 405."""
    raise MethodNotAllowed("POST")


@router.get(
    "/{group_id}",
    response_model=GroupRead,
    summary="One group",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_group(group_id: GroupID, user: HabitReader, uow: UoW) -> GroupRead:
    """A group you are a member of; any other is 404."""
    return await group_service.get(uow, user, group_id)


@router.patch(
    "/{group_id}",
    response_model=GroupRead,
    summary="Change a group",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def update_group(
    group_id: GroupID, body: GroupUpdate, user: HabitWriter, uow: UoW
) -> GroupRead:
    """Its owner changes its name or description; another member gets 403, anyone else 404."""
    return await group_service.update(uow, user, group_id, body)


@router.delete(
    "/{group_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a group",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_group(group_id: GroupID, user: HabitWriter, uow: UoW) -> None:
    """Its owner deletes it with its memberships and invites; another member gets 403, anyone
    else 404."""
    await group_service.delete(uow, user, group_id)


@router.post(
    "/{group_id}/invites",
    status_code=status.HTTP_201_CREATED,
    response_model=InviteRead,
    summary="Make an invite code",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def create_invite(
    group_id: GroupID, body: InviteCreate, user: HabitWriter, uow: UoW
) -> InviteRead:
    """The owner or an admin of the group makes a code, answered once, here (only its SHA-256
    digest is kept), optionally expiring after `expires_in_hours` or after `max_uses` joins.
    A plain member gets 403, anyone else 404."""
    return await group_service.invite(uow, user, group_id, body)


@router.delete(
    "/{group_id}/invites/{invite_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an invite code",
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_invite(
    group_id: GroupID, invite_id: InviteID, user: HabitWriter, uow: UoW
) -> None:
    """The owner or an admin revokes a code at once: joining with it is 404 from now on."""
    await group_service.revoke_invite(uow, user, group_id, invite_id)


@router.get(
    "/{group_id}/members",
    response_model=Page[MemberRead],
    summary="A group's members",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_members(
    group_id: GroupID, user: HabitReader, uow: UoW, paging: Paging
) -> Page[MemberRead]:
    """Its members, first joined first: user id, display name (else username), role and when
    they joined; never an email or phone. Members only; anyone else 404."""
    rows, total = await group_service.members(uow, user, group_id, paging)
    items = [MemberRead.model_validate(row._asdict()) for row in rows]
    return Page[MemberRead](items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.patch(
    "/{group_id}/members/{user_id}",
    response_model=MemberRead,
    summary="Change a member's role",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
async def update_member(
    group_id: GroupID, user_id: MemberID, body: RoleUpdate, user: HabitWriter, uow: UoW
) -> MemberRead:
    """The owner makes a member an `admin` or a plain `member`; the owner's own role changes
    only by a transfer (409). Another member gets 403, anyone else 404."""
    row = await group_service.set_role(uow, user, group_id, user_id, body)
    return MemberRead.model_validate(row._asdict())


@router.delete(
    "/{group_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member, or leave",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def remove_member(group_id: GroupID, user_id: MemberID, user: HabitWriter, uow: UoW) -> None:
    """Your own user id: you leave (the owner cannot: 409, transfer ownership first). Someone
    else's: the owner removes anyone, an admin plain members (403 otherwise)."""
    await group_service.remove(uow, user, group_id, user_id)


@router.post(
    "/{group_id}/transfer",
    response_model=GroupRead,
    summary="Hand ownership over",
    responses=problem_responses(401, 403, 404, 409, 413, 422),
)
async def transfer_group(
    group_id: GroupID, body: TransferRequest, user: HabitWriter, uow: UoW
) -> GroupRead:
    """The owner makes another member (`user_id`; not a member: 404) the owner, and stays on as
    an admin. Another member gets 403, anyone else 404."""
    return await group_service.transfer(uow, user, group_id, body.user_id)
