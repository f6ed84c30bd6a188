"""The scopes of personal access tokens: what each lets a token do."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """What a personal access token may do; a password login may do all of it."""

    habits_read = "habits:read"
    habits_write = "habits:write"
    checkins_write = "checkins:write"
    profile_read = "profile:read"
    fitness_read = "fitness:read"
    fitness_write = "fitness:write"

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS = {
    Scope.habits_read: "Read habits, check-ins and statistics",
    Scope.habits_write: "Create, change and delete habits",
    Scope.checkins_write: "Record, change and delete check-ins",
    Scope.profile_read: "Read the account and profile",
    Scope.fitness_read: "Read fitness data, daily figures and fitness goals",
    Scope.fitness_write: "Send fitness samples; set fitness goals and sources",
}
