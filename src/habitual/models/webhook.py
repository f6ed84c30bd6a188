from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitual.kit.types import BigID
from habitual.models.base import Base, Timestamped


class Webhook(Timestamped, Base):
    """An endpoint of the user's that receives signed POSTs for the events it subscribed to.

    The signing secret has to be read back (it signs every delivery), so it is kept sealed
    under a key derived from the server's secret key (kit/secrets.py `SecretBox`), never in
    plain text; it is shown to the user once, at creation, and never returned again.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigID, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    sealed_secret: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
