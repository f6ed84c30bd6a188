"""Every table, one module each; importing this package registers them all on `Base`."""

from habitual.models.auth_session import AuthSession
from habitual.models.base import Base
from habitual.models.checkin import Checkin
from habitual.models.habit import Habit
from habitual.models.habit_rule import HabitRule
from habitual.models.idempotency_key import IdempotencyKey
from habitual.models.personal_access_token import PersonalAccessToken
from habitual.models.profile import Profile
from habitual.models.refresh_token import RefreshToken
from habitual.models.user import Role, User

__all__ = [
    "AuthSession",
    "Base",
    "Checkin",
    "Habit",
    "HabitRule",
    "IdempotencyKey",
    "PersonalAccessToken",
    "Profile",
    "RefreshToken",
    "Role",
    "User",
]
