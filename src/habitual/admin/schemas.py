from __future__ import annotations

from pydantic import EmailStr, StrictBool

from habitual.kit.schemas import InputModel, TimezoneName
from habitual.models import Role
from habitual.users.schemas import Password, Username


class AdminUserCreate(InputModel):
    username: Username
    email: EmailStr
    password: Password
    role: Role = Role.user
    is_active: StrictBool = True
    timezone: TimezoneName = "UTC"


class AdminUserUpdate(InputModel):
    role: Role | None = None
    is_active: StrictBool | None = None
