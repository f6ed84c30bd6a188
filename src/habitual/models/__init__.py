"""Every table, one module each; importing this package registers them all on `Base`."""

from habitual.models.auth_session import AuthSession
from habitual.models.base import Base
from habitual.models.caldav_account import CaldavAccount
from habitual.models.calendar_feed import CalendarFeed
from habitual.models.category import Category, HabitCategory
from habitual.models.challenge import Challenge, ChallengeFinalStanding, ChallengeParticipant
from habitual.models.checkin import Checkin
from habitual.models.delivery import Channel, Delivery, DeliveryStatus
from habitual.models.fitness import FitnessDay, FitnessGoal, FitnessSample, FitnessSources
from habitual.models.fitness_import import FitnessImport
from habitual.models.goal import Goal, GoalState
from habitual.models.group import Group, GroupHabit, GroupInvite, GroupMember
from habitual.models.habit import FEED_HABIT, Habit
from habitual.models.habit_import import HabitImport, ImportedHabit
from habitual.models.habit_rule import HabitRule
from habitual.models.habit_share import HabitShare
from habitual.models.idempotency_key import IdempotencyKey
from habitual.models.leaderboard_entry import DROP_BOARDS, REFRESH_BOARDS, LeaderboardEntry
from habitual.models.notification import Event, Notification
from habitual.models.notification_preference import NotificationPreference
from habitual.models.one_time_token import OneTimeToken, TokenPurpose
from habitual.models.password_reset_request import PasswordResetRequest
from habitual.models.personal_access_token import PersonalAccessToken
from habitual.models.profile import Profile
from habitual.models.refresh_token import RefreshToken
from habitual.models.reminder import Reminder
from habitual.models.stats_carry import StatsCarry
from habitual.models.user import Role, User
from habitual.models.webhook import Webhook

__all__ = [
    "DROP_BOARDS",
    "FEED_HABIT",
    "REFRESH_BOARDS",
    "AuthSession",
    "Base",
    "CaldavAccount",
    "CalendarFeed",
    "Category",
    "Challenge",
    "ChallengeFinalStanding",
    "ChallengeParticipant",
    "Channel",
    "Checkin",
    "Delivery",
    "DeliveryStatus",
    "Event",
    "FitnessDay",
    "FitnessGoal",
    "FitnessImport",
    "FitnessSample",
    "FitnessSources",
    "Goal",
    "GoalState",
    "Group",
    "GroupHabit",
    "GroupInvite",
    "GroupMember",
    "Habit",
    "HabitCategory",
    "HabitImport",
    "HabitRule",
    "HabitShare",
    "IdempotencyKey",
    "ImportedHabit",
    "LeaderboardEntry",
    "Notification",
    "NotificationPreference",
    "OneTimeToken",
    "PasswordResetRequest",
    "PersonalAccessToken",
    "Profile",
    "RefreshToken",
    "Reminder",
    "Role",
    "StatsCarry",
    "TokenPurpose",
    "User",
    "Webhook",
]
