from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, field_validator

from habitual.habits.rules import mask_to_days
from habitual.kit.schemas import ID, Flag, InputModel, OutputModel
from habitual.kit.timezones import Weekday
from habitual.models import Channel, Reminder

WEEKDAYS = list(Weekday)


def _two_digit_hour(value: str) -> str:
    """`7:30` as `07:30`, the form it is stored and answered in."""
    return value.zfill(5)


LocalTime = Annotated[
    str,
    Field(
        pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$",
        description="Local wall time, HH:MM (H:MM is taken too; answers give HH:MM)",
        examples=["07:30"],
    ),
    AfterValidator(_two_digit_hour),
]
Days = Annotated[list[Weekday], Field(min_length=1, max_length=7)]
Channels = Annotated[list[Channel], Field(min_length=1, max_length=3)]
Message = Annotated[str, Field(min_length=1, max_length=500)]


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("must not repeat")
    return values


class ReminderCreate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"message"})

    habit_id: ID
    time: LocalTime
    days: Days = Field(default_factory=lambda: list(Weekday), description="Default: every day")
    message: Message | None = None
    channels: Channels = Field(default_factory=lambda: [Channel.inapp])
    active: Flag = True

    _distinct = field_validator("days", "channels")(_unique)


class ReminderUpdate(InputModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"message"})

    habit_id: ID | None = None
    time: LocalTime | None = None
    days: Days | None = None
    message: Message | None = None
    channels: Channels | None = None
    active: Flag | None = None

    _distinct = field_validator("days", "channels")(_unique)


class ReminderRead(OutputModel):
    id: int
    habit_id: int
    time: str
    days: list[Weekday]
    message: str | None
    channels: list[Channel]
    active: bool
    next_fire_at: datetime | None = Field(description="When it fires next (UTC); null if inactive")
    last_fired_at: datetime | None
    created_at: datetime
    updated_at: datetime


def reminder_read(reminder: Reminder) -> ReminderRead:
    return ReminderRead(
        id=reminder.id,
        habit_id=reminder.habit_id,
        time=reminder.local_time,
        days=[WEEKDAYS[day] for day in sorted(mask_to_days(reminder.days))],
        message=reminder.message,
        channels=reminder.channels,
        active=reminder.active,
        next_fire_at=reminder.next_fire_at,
        last_fired_at=reminder.last_fired_at,
        created_at=reminder.created_at,
        updated_at=reminder.updated_at,
    )
