"""`LIKE` patterns that match what a user typed literally."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """`text` with `\\`, `%` and `_` escaped, for `LIKE ... ESCAPE '\\'`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
