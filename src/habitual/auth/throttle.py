"""Limits on guessing passwords and on making accounts (`limits`, in memory or in Redis).

Each attempt is counted *before* its password is checked, in one atomic increment per limit, so
however many arrive at once no more than a limit's allowance are ever checked in its window; an
attempt that succeeds gives its counts back. Windows are fixed (they start at the first count),
because only their counters can be given back.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from habitual.auth.devices import DeviceTokens
from habitual.config import Settings
from habitual.errors import TooManyRequests

TOO_MANY_LOGINS = "Too many failed logins; try again later."
TOO_MANY_PASSWORDS = "Too many wrong passwords; try again later."
TOO_MANY_REGISTRATIONS = "Too many registrations from this address; try again later."

# One counter: a limit and the identifiers (a namespace first) it is kept under.
Bucket = tuple[RateLimitItem, tuple[str, ...]]


def limit_storage(settings: Settings) -> Storage:
    """Where every rate limit of the process counts: Redis when configured (shared between
    processes), memory otherwise. The runtime builds one and every limiter uses it."""
    if settings.redis_url is None:
        return MemoryStorage()
    uri = settings.redis_url.replace("redis://", "async+redis://", 1).replace(
        "rediss://", "async+rediss://", 1
    )
    # Its errors as `limits.errors.StorageError`: answered 503 (habitual/errors.py).
    storage = storage_from_string(uri, key_prefix=settings.redis_key_prefix, wrap_exceptions=True)
    assert isinstance(storage, Storage)
    return storage


def client_network(address: str) -> str:
    """The client as the limits count it: an IPv6 address by its /64, which one subscriber
    usually holds whole (counting each of its addresses would count nothing)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def account_key(user_id: int | None, identifier: str) -> str:
    """An account is counted by its id, whichever of its names was typed; a name that is no
    account by a digest of the name (the text may be a password typed in the wrong box)."""
    if user_id is not None:
        return f"user:{user_id}"
    return "name:" + hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


class Counter:
    """Counts attempts in buckets, refusing with 429 once any bucket is used up."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self._limiter = FixedWindowRateLimiter(storage)

    async def count(self, buckets: Sequence[Bucket], detail: str) -> None:
        """Count one attempt in every bucket, in order; past a limit, give back what was
        counted and raise 429. The narrowest bucket goes first, so that an attempt it refuses
        never touches (even for a moment) a wider one shared with other clients."""
        counted: list[Bucket] = []
        for limit, identifiers in buckets:
            counted.append((limit, identifiers))
            if not await self._limiter.hit(limit, *identifiers):
                stats = await self._limiter.get_window_stats(limit, *identifiers)
                await self.give_back(counted)
                raise TooManyRequests(detail, retry_after=math.ceil(stats.reset_time - time.time()))

    async def give_back(self, buckets: Sequence[Bucket]) -> None:
        for limit, identifiers in buckets:
            # `limits` has no refund; a negative increment of the same counter is one.
            await self.storage.incr(limit.key_for(*identifiers), limit.get_expiry(), amount=-1)

    async def clear(self, buckets: Sequence[Bucket]) -> None:
        for limit, identifiers in buckets:
            await self._limiter.clear(limit, *identifiers)


class Attempt:
    """An attempt counted before its password was checked; a success settles the counts."""

    def __init__(
        self, counter: Counter, *, cleared: Sequence[Bucket], given_back: Sequence[Bucket]
    ):
        self._counter = counter
        self._cleared = cleared
        self._given_back = given_back

    async def succeeded(self) -> None:
        """Forget this client's failures on the account, and give back the shared counts."""
        await self._counter.clear(self._cleared)
        await self._counter.give_back(self._given_back)


class LoginThrottle:
    """Failed logins per (account, client) tightly, per account loosely with growing delays,
    per client address loosely; wrong current passwords per user; registrations per address.

    A guesser elsewhere uses up only their own (account, address) allowance and the loose
    account-wide one; a client holding a device token of the account (it logged in before) is
    counted per device instead, so it can still log in while the account is held.
    """

    def __init__(self, settings: Settings, storage: Storage):
        self.storage = storage
        self.devices = DeviceTokens(settings)
        self._counter = Counter(storage)
        self._per_account_client = parse_many(settings.login_limit_per_account_address)
        self._per_account = parse_many(settings.login_limit_per_account)
        self._per_address = parse_many(settings.login_limit_per_address)
        self._per_user_password = parse_many(settings.password_recheck_limit)
        self._registrations = parse_many(settings.registration_limit_per_address)

    async def login_attempt(self, account: str, address: str, device: str | None) -> Attempt:
        """Count a login to `account` (see `account_key`) before its password is checked."""
        if device is not None:
            per_device = self._buckets(self._per_account_client, "login-device", account, device)
            await self._counter.count(per_device, TOO_MANY_LOGINS)
            return Attempt(self._counter, cleared=per_device, given_back=())
        network = client_network(address)
        per_client = self._buckets(self._per_account_client, "login-client", account, network)
        shared = [
            *self._buckets(self._per_address, "login-address", network),
            *self._buckets(self._per_account, "login-account", account),
        ]
        await self._counter.count([*per_client, *shared], TOO_MANY_LOGINS)
        return Attempt(self._counter, cleared=per_client, given_back=shared)

    async def password_attempt(self, user_id: int) -> Attempt:
        """Count a check of a logged-in user's current password before it is made."""
        buckets = self._buckets(self._per_user_password, "password", str(user_id))
        await self._counter.count(buckets, TOO_MANY_PASSWORDS)
        return Attempt(self._counter, cleared=(), given_back=buckets)

    async def registration(self, address: str) -> None:
        """Count a registration from this address; every one counts, taken names too."""
        buckets = self._buckets(self._registrations, "register", client_network(address))
        await self._counter.count(buckets, TOO_MANY_REGISTRATIONS)

    @staticmethod
    def _buckets(limits: Sequence[RateLimitItem], *identifiers: str) -> list[Bucket]:
        return [(limit, identifiers) for limit in limits]
