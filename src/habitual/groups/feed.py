"""A group's feed: what the notifications told of habits while they were shared with it.

Only the events of `FeedEvent`, only of habits shared with the group at the time (told at or
after the share; a habit shared again shows only what came after), and of each event's data
only its figures: never a note, a goal's or challenge's id or name, an email or a username.
"""

from __future__ import annotations

from typing import Any

from habitual.db import UnitOfWork
from habitual.groups.repository import FeedRow, GroupRepository
from habitual.groups.schemas import FeedEvent, FeedItemRead
from habitual.groups.service import group_service
from habitual.kit.pagination import PageParams
from habitual.models import User

# What of each event's data the group sees.
SAFE_DATA: dict[FeedEvent, tuple[str, ...]] = {
    FeedEvent.streak_milestone: ("length", "unit", "start", "end"),
    FeedEvent.goal_reached: ("date", "value"),
    FeedEvent.target_met: ("period_start", "period_end"),
    FeedEvent.goal_achieved: ("target", "consecutive", "start_date", "end_date"),
    FeedEvent.challenge_finished: ("rank", "participants"),
}


def feed_item(row: FeedRow) -> FeedItemRead:
    event = FeedEvent(row.event)
    data: dict[str, Any] = row.data or {}
    return FeedItemRead(
        id=row.id,
        event=event,
        user_id=row.user_id,
        display_name=row.display_name,
        habit_id=row.habit_id,
        habit_name=row.habit_name,
        data={key: data[key] for key in SAFE_DATA[event] if key in data},
        occurred_at=row.created_at,
    )


class GroupFeedService:
    async def page(
        self, uow: UnitOfWork, user: User, group_id: int, paging: PageParams
    ) -> tuple[list[FeedItemRead], int]:
        await group_service.require_member(uow, user, group_id)
        rows, total = await GroupRepository(uow).feed_page(
            group_id, [event.value for event in FeedEvent], paging.page_size, paging.offset
        )
        return [feed_item(row) for row in rows], total


group_feed_service = GroupFeedService()
