from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, StringConstraints

from habitual.kit.schemas import ID, InputModel, OutputModel

# Categories a habit may be in at once.
MAX_CATEGORIES_PER_HABIT = 20


def _text(low: int, high: int) -> AfterValidator:
    """Trimmed, `low`..`high` characters, none of them a control character or a line break."""

    def check(value: str) -> str:
        text = unicodedata.normalize("NFC", value.strip())
        if not low <= len(text) <= high:
            raise ValueError(f"must be {low} to {high} characters, outer spaces left out")
        if any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in text):
            raise ValueError("must not contain control characters or line breaks")
        return text

    return AfterValidator(check)


CategoryName = Annotated[
    str,
    StringConstraints(max_length=240),
    _text(1, 60),
    Field(description="1..60 characters, trimmed; unique regardless of case", examples=["Health"]),
]
Description = Annotated[str, StringConstraints(max_length=500), Field(description="Up to 500")]
Icon = Annotated[
    str,
    StringConstraints(max_length=240),
    _text(1, 64),
    Field(description="An icon's name in your app (`heart`) or an emoji: 1..64 characters"),
]
Color = Annotated[
    str,
    StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"),
    AfterValidator(str.lower),
    Field(description="`#rrggbb`, answered in lower case", examples=["#4caf50"]),
]


def _collapsed(ids: list[int]) -> list[int]:
    """The ids, each once, in ascending order: a repeated id means the same category."""
    return sorted(set(ids))


CategoryIDs = Annotated[
    list[ID],
    Field(
        max_length=MAX_CATEGORIES_PER_HABIT,
        description=f"Ids from `GET /categories` (at most {MAX_CATEGORIES_PER_HABIT}); repeats "
        "count once, an unknown id is 422",
    ),
    AfterValidator(_collapsed),
]


class CategoryWrite(InputModel):
    """A new category."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description", "icon", "color"})

    name: CategoryName
    description: Description | None = None
    icon: Icon | None = None
    color: Color | None = None


class CategoryPatch(InputModel):
    """Change some fields; `null` clears `description`, `icon` or `color`."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description", "icon", "color"})

    name: CategoryName | None = None
    description: Description | None = None
    icon: Icon | None = None
    color: Color | None = None


class CategoryRead(OutputModel):
    id: int
    name: str
    description: str | None
    icon: str | None
    color: str | None
    created_at: datetime
    updated_at: datetime
