"""Two users, and the app's clock stopped at NOW so that "today" is a fixed date."""

from __future__ import annotations

import pytest

from tests.factories import Account
from tests.stats.backfill import NOW


@pytest.fixture
async def bob(accounts) -> Account:
    """Another user, whose habits must never show up in Alice's statistics."""
    account: Account = await accounts.create()
    return account


@pytest.fixture
async def alice(accounts, frozen_clock, bob) -> Account:
    account: Account = await accounts.create()
    frozen_clock(NOW)  # after both logins: access tokens expire by the real clock
    return account
