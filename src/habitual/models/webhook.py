from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID
from habitual.models.base import Base, Timestamped


class Webhook(Timestamped, Base):
    """An endpoint of the user's that receives signed POSTs for the events it subscribed to.

    The signing secret has to be kept as it is (it signs every delivery); it is shown to the
    user once, at creation, and never returned again.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
