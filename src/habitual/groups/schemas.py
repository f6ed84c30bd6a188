"""Groups, their members and invites, in and out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from habitual.habits.schemas import Description
from habitual.kit.schemas import ID, InputModel, Integer, OutputModel


class GroupRole(StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"


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
