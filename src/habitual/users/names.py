"""What other people see of an account: its display name, or else its username; never an
email address or a phone number. Challenges and leaderboards show people by these."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, func

from habitual.models import User

# The same, in SQL: for a statement that lists other people (`users` as in FROM).
DISPLAY_NAME_SQL = "COALESCE(users.display_name, users.username)"


class Named(Protocol):
    @property
    def username(self) -> str: ...

    @property
    def display_name(self) -> str | None: ...


def display_name_of(user: Named) -> str:
    """The name to show others for `user`."""
    return user.display_name or user.username


def display_name_column() -> ColumnElement[str]:
    """`display_name_of` as a column of a SQLAlchemy statement on `users`."""
    return func.coalesce(User.display_name, User.username)
