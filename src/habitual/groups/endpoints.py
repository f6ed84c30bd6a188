"""/groups: invite-only groups with an owner, admins and members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from habitual.deps import HabitReader, HabitWriter, RuntimeDep, UoW
from habitual.errors import MethodNotAllowed, problem_responses
from habitual.groups.feed import group_feed_service
from habitual.groups.progress import group_progress_service
from habitual.groups.schemas import (
    FeedItemRead,
    GroupCreate,
    GroupProgressRead,
    GroupRead,
    GroupUpdate,
    InviteCreate,
    InviteRead,
    JoinRequest,
    MemberRead,
    RoleUpdate,
    SharedHabitRead,
    TransferRequest,
)
from habitual.groups.service import group_service
from habitual.kit.pagination import Page, PageParams, page_params
from habitual.kit.schemas import HabitDate, PathID

router = APIRouter(prefix="/groups", tags=["groups"])

GroupID = PathID
InviteID = PathID
MemberID = PathID
HabitID = PathID
Paging = Annotated[PageParams, Depends(page_params)]
From = Annotated[
    HabitDate | None,
    Query(alias="from", description="First local date, YYYY-MM-DD (default: see below)"),
]
To = Annotated[
    HabitDate | None,
    Query(alias="to", description="Last local date, YYYY-MM-DD (default: see below)"),
]


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


@router.put(
    "/{group_id}/habits/{habit_id}",
    status_code=status.HTTP_201_CREATED,
    response_model=SharedHabitRead,
    summary="Share one of your habits with a group",
    responses={
        200: {"description": "It was shared already: the share, unchanged"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def share_habit(
    group_id: GroupID, habit_id: HabitID, user: HabitWriter, uow: UoW, response: Response
) -> SharedHabitRead:
    """Members see its progress (`GET /groups/{id}/progress`) and its milestones, goals
    reached and challenge results (`GET /groups/{id}/feed`) from now on. 201 the first time,
    200 when it is shared already. Not a member of the group, or not your habit: 404. An
    archived habit: 409 (one archived while shared stays shared)."""
    shared, made = await group_service.share(uow, user, group_id, habit_id)
    if not made:
        response.status_code = status.HTTP_200_OK
    return SharedHabitRead.model_validate(shared._asdict())


@router.delete(
    "/{group_id}/habits/{habit_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop sharing a habit with a group",
    responses=problem_responses(401, 403, 404, 422),
)
async def unshare_habit(group_id: GroupID, habit_id: HabitID, user: HabitWriter, uow: UoW) -> None:
    """The habit's owner stops sharing it; the group's owner may stop anyone's, an admin a
    plain member's (403 otherwise). Not shared with the group: 404."""
    await group_service.unshare(uow, user, group_id, habit_id)


@router.get(
    "/{group_id}/habits",
    response_model=Page[SharedHabitRead],
    summary="The habits shared with a group",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_shared_habits(
    group_id: GroupID, user: HabitReader, uow: UoW, paging: Paging
) -> Page[SharedHabitRead]:
    """What the members share with the group, first shared first. Members only."""
    rows, total = await group_service.shared_page(uow, user, group_id, paging)
    items = [SharedHabitRead.model_validate(row._asdict()) for row in rows]
    return Page[SharedHabitRead](
        items=items, total=total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/{group_id}/progress",
    response_model=GroupProgressRead,
    response_model_by_alias=True,
    summary="The members' progress on their shared habits",
    responses=problem_responses(401, 403, 404, 422),
)
async def group_progress(
    group_id: GroupID, user: HabitReader, uow: UoW, first: From = None, last: To = None
) -> GroupProgressRead:
    """Every member, with each habit they share: periods `met` and `due`, `success_rate` in
    the range, and `current_streak` up to their today, judged as `GET /habits/{id}/stats`
    judges them. Each member's days are their own (time zone, day start, week start). Default
    range: each member's current week; `from` or `to` alone: that day and the six after (or
    before) it; the same dates for everyone when given. At most 366 days. Members only."""
    return await group_progress_service.progress(uow, user, group_id, first, last)


@router.get(
    "/{group_id}/feed",
    response_model=Page[FeedItemRead],
    summary="Milestones, goals and challenge results of shared habits",
    responses=problem_responses(401, 403, 404, 422),
)
async def group_feed(
    group_id: GroupID, user: HabitReader, uow: UoW, paging: Paging
) -> Page[FeedItemRead]:
    """Streak milestones, goals reached, targets met, goals achieved and challenge results of
    the habits shared with the group, told while they were shared, newest first. Of each
    event only its figures: never notes, emails or usernames. Members only."""
    items, total = await group_feed_service.page(uow, user, group_id, paging)
    return Page[FeedItemRead](
        items=items, total=total, page=paging.page, page_size=paging.page_size
    )
