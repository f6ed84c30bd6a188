"""Groups, their members and invites, in and out."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from habitual.habits.schemas import Description
from habitual.kit.schemas import ID, InputModel, Integer, OutputModel


class GroupRole(StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"


class FeedEvent(StrEnum):
    """What a group's feed tells of a shared habit: the notification events it shows."""

    streak_milestone = "streak_milestone"
    goal_reached = "goal_reached"
    target_met = "target_met"
    goal_achieved = "goal_achieved"
    challenge_finished = "challenge_finished"


class AssignableRole(StrEnum):
    """What the owner may make a member; ownership moves only by a transfer."""

    admin = "admin"
    member = "member"


GroupName = Annotated[str, Field(min_length=1, max_length=100)]


class GroupCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description"})

    name: GroupName
    description: Description | None = None


class GroupUpdate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description"})

    name: GroupName | None = None
    description: Description | None = None


class GroupRead(OutputModel):
    id: int
    owner_id: int
    name: str
    description: str | None
    members: int = Field(description="How many members it has, its owner included")
    role: GroupRole = Field(description="Your role in the group")
    created_at: datetime
    updated_at: datetime


class InviteCreate(InputModel):
    expires_in_hours: Annotated[Integer, Field(ge=1, le=24 * 365)] | None = Field(
        default=None, description="The code stops working this many hours from now; none: never"
    )
    max_uses: Annotated[Integer, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="Joins the code allows; none: no limit but the group's size"
    )


class InviteRead(OutputModel):
    id: int
    group_id: int
    code: str = Field(description="Answered once, here: only its digest is kept")
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    created_at: datetime


class JoinRequest(InputModel):
    code: Annotated[str, Field(min_length=1, max_length=100, description="An invite code")]


class MemberRead(OutputModel):
    user_id: int
    display_name: str = Field(description="Their display name, else their username")
    role: GroupRole
    joined_at: datetime


class RoleUpdate(InputModel):
    role: AssignableRole


class TransferRequest(InputModel):
    user_id: ID = Field(description="A member of the group, who becomes its owner")


class SharedHabitRead(OutputModel):
    group_id: int
    habit_id: int
    user_id: int = Field(description="The habit's owner, the member who shares it")
    habit_name: str
    shared_at: datetime


class HabitProgressRead(OutputModel):
    habit_id: int
    habit_name: str
    archived: bool = Field(description="Archived since it was shared; it stays shared")
    met: int = Field(description="Periods met in the range")
    due: int = Field(description="Periods that counted: met or missed (skipped ones do not)")
    success_rate: float | None = Field(description="met / due; null when nothing was due")
    current_streak: int = Field(description="Met periods in a row up to the member's today")
    streak_unit: str = Field(description="days, weeks or months")


class MemberProgressRead(OutputModel):
    user_id: int
    display_name: str = Field(description="Their display name, else their username")
    from_date: date = Field(serialization_alias="from", description="First local date counted")
    to_date: date = Field(serialization_alias="to", description="Last local date counted")
    habits: list[HabitProgressRead] = Field(description="The habits they share with the group")


class GroupProgressRead(OutputModel):
    group_id: int
    members: list[MemberProgressRead] = Field(description="Every member, first joined first")


class FeedItemRead(OutputModel):
    id: int
    event: FeedEvent
    user_id: int
    display_name: str = Field(description="Their display name, else their username")
    habit_id: int
    habit_name: str
    data: dict[str, Any] = Field(
        description="The event's figures only (streak length and unit, target, value, rank...)"
    )
    occurred_at: datetime
