"""Every request counts against a rate limit: per user, per personal token with a limit of its
own, and per client address without credentials; in memory or in Redis.

The limits here are realistic (the defaults, or a handful per minute); the rest of the suite runs
far below its own. The clock is stopped in each test, so that no window ends halfway through.
"""

from __future__ import annotations

import asyncio
import os
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits.aio.storage import MemoryStorage, RedisStorage
from pydantic import ValidationError

from habitual.auth.usage import Bucket, Quota, UsageLimiter, batch_of
from habitual.config import (
    MAX_RATE_LIMIT_REQUESTS,
    MAX_RATE_LIMIT_WINDOW_SECONDS,
    Settings,
    parse_rate_limit,
    rate_limit_text,
)
from habitual.kit.clock import clock, utcnow
from tests.factories import API, PROBLEM_JSON, Account, Accounts

requires_redis = pytest.mark.skipif(
    not os.environ.get("HABITUAL_TEST_REDIS_URL"), reason="HABITUAL_TEST_REDIS_URL is not set"
)
HABITS = f"{API}/habits"
TOKENS = f"{API}/users/me/tokens"
DEFAULTS = {"rate_limit_user": "600/minute", "rate_limit_anonymous": "60/minute"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def quota(response: httpx.Response) -> tuple[int, int, int]:
    """The RateLimit header fields: limit, remaining, reset."""
    headers = response.headers
    return (
        int(headers["RateLimit-Limit"]),
        int(headers["RateLimit-Remaining"]),
        int(headers["RateLimit-Reset"]),
    )


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == 429
    _, remaining, reset = quota(response)
    assert remaining == 0
    # Both name the same instant (the draft: Reset SHOULD match Retry-After).
    assert response.headers["Retry-After"] == str(reset)
    assert 1 <= reset <= 60


async def token_with(
    client: httpx.AsyncClient, owner: Account, rate_limit: str | None = None
) -> str:
    body: dict[str, object] = {"name": "script", "scopes": ["habits:read"]}
    if rate_limit is not None:
        body["rate_limit"] = rate_limit
    response = await client.post(TOKENS, json=body, headers=owner.auth)
    assert response.status_code == 201, response.text
    assert response.json()["rate_limit"] == rate_limit
    token: str = response.json()["token"]
    return token


async def test_every_response_reports_the_users_quota_counting_down(
    accounts, app_factory, frozen_clock
):
    alice = await accounts.create("alice")
    frozen_clock(utcnow())
    async with app_factory(**DEFAULTS) as client:
        first = await client.get(HABITS, headers=alice.auth)
        second = await client.get(HABITS, headers=alice.auth)
        failed = await client.get(f"{HABITS}/987654", headers=alice.auth)

    assert first.status_code == 200
    limit, remaining, reset = quota(first)
    assert (limit, remaining) == (600, 599)
    assert 1 <= reset <= 60
    assert quota(second) == (600, 598, reset)
    # Errors count too, and say so.
    assert failed.status_code == 404
    assert quota(failed) == (600, 597, reset)


async def test_past_the_limit_the_answer_is_429_with_retry_after_until_the_window_ends(
    accounts, app_factory, frozen_clock
):
    alice = await accounts.create("alice")
    now = utcnow()
    frozen_clock(now)
    async with app_factory(rate_limit_user="3/minute") as client:
        remaining = [quota(await client.get(HABITS, headers=alice.auth))[1] for _ in range(3)]
        refused = await client.get(HABITS, headers=alice.auth)
        assert remaining == [2, 1, 0]
        assert_limited(refused)

        frozen_clock(now + timedelta(seconds=int(refused.headers["Retry-After"])))
        again = await client.get(HABITS, headers=alice.auth)

    assert again.status_code == 200
    assert quota(again)[:2] == (3, 2)


async def test_one_users_limit_leaves_another_user_alone(accounts, app_factory, frozen_clock):
    alice, bob = await accounts.create("alice"), await accounts.create("bob")
    frozen_clock(utcnow())
    async with app_factory(rate_limit_user="2/minute") as client:
        for _ in range(2):
            await client.get(HABITS, headers=alice.auth)
        assert_limited(await client.get(HABITS, headers=alice.auth))
        response = await client.get(HABITS, headers=bob.auth)

    assert response.status_code == 200
    assert quota(response)[:2] == (2, 1)


async def test_a_users_tokens_and_logins_share_the_users_budget(
    accounts, app_factory, frozen_clock
):
    alice = await accounts.create("alice")
    phone = await token_with(accounts.client, alice)
    watch = await token_with(accounts.client, alice)
    frozen_clock(utcnow())
    async with app_factory(rate_limit_user="5/minute") as client:
        for credentials in (bearer(phone), bearer(watch), alice.auth, bearer(phone)):
            assert (await client.get(HABITS, headers=credentials)).status_code == 200
        last = await client.get(HABITS, headers=bearer(watch))
        assert last.status_code == 200
        assert quota(last)[:2] == (5, 0)

        assert_limited(await client.get(HABITS, headers=bearer(phone)))
        assert_limited(await client.get(HABITS, headers=alice.auth))


async def test_a_token_with_a_lower_limit_runs_out_on_its_own(accounts, app_factory, frozen_clock):
    alice = await accounts.create("alice")
    script = await token_with(accounts.client, alice, "2/minute")
    other = await token_with(accounts.client, alice)
    frozen_clock(utcnow())
    async with app_factory(**DEFAULTS) as client:
        counted = [quota(await client.get(HABITS, headers=bearer(script))) for _ in range(2)]
        refused = await client.get(HABITS, headers=bearer(script))
        by_other_token = await client.get(HABITS, headers=bearer(other))
        by_login = await client.get(HABITS, headers=alice.auth)

    # The headers name the bucket closest to running out: the token's.
    assert [(limit, remaining) for limit, remaining, _ in counted] == [(2, 1), (2, 0)]
    assert_limited(refused)
    assert quota(refused)[0] == 2
    # The token's requests counted against its user too, but the user has plenty left.
    assert by_other_token.status_code == 200
    assert quota(by_other_token)[:2] == (600, 597)
    assert by_login.status_code == 200
    assert quota(by_login)[:2] == (600, 596)


async def test_a_token_with_a_lower_limit_still_counts_against_its_users_limit(
    accounts, app_factory, frozen_clock
):
    alice = await accounts.create("alice")
    script = await token_with(accounts.client, alice, "100/hour")
    frozen_clock(utcnow())
    async with app_factory(rate_limit_user="2/minute") as client:
        for _ in range(2):
            assert (await client.get(HABITS, headers=bearer(script))).status_code == 200
        assert_limited(await client.get(HABITS, headers=alice.auth))


@pytest.mark.parametrize(
    ("plan", "token_limit"),
    [
        (None, "601/minute"),  # the default is 600/minute
        (None, "11/second"),  # 660 a minute
        ("6000/minute", "101/second"),
        ("10/second", "601/minute"),
    ],
)
async def test_a_token_cannot_be_given_a_higher_limit_than_its_user(
    accounts, app_factory, plan, token_limit
):
    admin = await accounts.create_admin()
    alice = await accounts.create("alice")
    if plan:
        patched = await accounts.client.patch(
            f"{API}/admin/users/{alice.id}", json={"rate_limit": plan}, headers=admin.auth
        )
        assert patched.status_code == 200
    async with app_factory(**DEFAULTS) as client:
        body = {"name": "script", "scopes": ["habits:read"], "rate_limit": token_limit}
        response = await client.post(TOKENS, json=body, headers=alice.auth)
        listed = await client.get(TOKENS, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["loc"] == ["body", "rate_limit"]
    assert listed.json() == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("600/minute", "600/minute"),
        ("10 per second", "10/second"),
        ("5000/2 hours", "5000/2 hours"),
    ],
)
async def test_a_token_may_have_a_limit_as_high_as_its_users(accounts, app_factory, given, stored):
    alice = await accounts.create("alice")
    async with app_factory(**DEFAULTS) as client:
        body = {"name": "script", "scopes": ["habits:read"], "rate_limit": given}
        response = await client.post(TOKENS, json=body, headers=alice.auth)

    assert response.status_code == 201, response.text
    assert response.json()["rate_limit"] == stored


async def test_an_admin_gives_a_user_a_plan_and_takes_it_back(accounts, app_factory, frozen_clock):
    admin = await accounts.create_admin()
    alice = await accounts.create("alice")
    account = f"{API}/admin/users/{alice.id}"
    frozen_clock(utcnow())
    async with app_factory(**DEFAULTS) as client:
        given = await client.patch(
            account, json={"rate_limit": "6000 per minute"}, headers=admin.auth
        )
        with_plan = await client.get(HABITS, headers=alice.auth)
        other_change = await client.patch(account, json={"role": "user"}, headers=admin.auth)
        taken = await client.patch(account, json={"rate_limit": None}, headers=admin.auth)
        without_plan = await client.get(HABITS, headers=alice.auth)
        read = await client.get(account, headers=admin.auth)

    assert given.status_code == 200
    assert given.json()["rate_limit"] == "6000/minute"
    assert quota(with_plan)[:2] == (6000, 5999)
    assert other_change.json()["rate_limit"] == "6000/minute"
    assert taken.json()["rate_limit"] is None
    assert quota(without_plan)[:2] == (600, 599)
    assert read.json()["rate_limit"] is None


async def test_an_admin_creates_an_account_with_a_plan(accounts, app_factory, frozen_clock):
    admin = await accounts.create_admin()
    body = {"username": "bob", "email": "bob@example.com", "password": "correct horse battery"}
    frozen_clock(utcnow())
    async with app_factory(**DEFAULTS) as client:
        created = await client.post(
            f"{API}/admin/users", json=body | {"rate_limit": "6000 per minute"}, headers=admin.auth
        )
        login = await client.post(
            f"{API}/auth/login", json={"username": "bob", "password": body["password"]}
        )
        used = await client.get(HABITS, headers=bearer(login.json()["access_token"]))

    assert created.status_code == 201, created.text
    assert created.json()["rate_limit"] == "6000/minute"
    assert quota(used)[:2] == (6000, 5999)


INVALID_LIMITS = [
    "lots",
    "",
    "600",
    "0/minute",
    "-5/minute",
    "600/fortnight",
    "1/2 days",  # a window longer than a day
    "1/0 minutes",
    "1000000001/second",
    "10/second;600/minute",  # one limit only
    "600/minute\x00",
    600,
    ["600/minute"],
]


@pytest.mark.parametrize("rate_limit", INVALID_LIMITS, ids=repr)
async def test_an_invalid_plan_is_422_and_changes_nothing(client, accounts, rate_limit):
    admin = await accounts.create_admin()
    alice = await accounts.create("alice")
    account = f"{API}/admin/users/{alice.id}"

    response = await client.patch(account, json={"rate_limit": rate_limit}, headers=admin.auth)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"][0]["loc"][:2] == ["body", "rate_limit"]
    assert (await client.get(account, headers=admin.auth)).json()["rate_limit"] is None


@pytest.mark.parametrize("rate_limit", INVALID_LIMITS, ids=repr)
async def test_an_account_with_an_invalid_plan_is_422_and_not_created(client, accounts, rate_limit):
    admin = await accounts.create_admin()
    body = {"username": "bob", "email": "bob@example.com", "password": "correct horse battery"}

    response = await client.post(
        f"{API}/admin/users", json=body | {"rate_limit": rate_limit}, headers=admin.auth
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:2] == ["body", "rate_limit"]
    listed = await client.get(f"{API}/admin/users", params={"q": "bob"}, headers=admin.auth)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("rate_limit", INVALID_LIMITS, ids=repr)
async def test_an_invalid_token_limit_is_422(client, accounts, rate_limit):
    alice = await accounts.create("alice")
    body = {"name": "script", "scopes": ["habits:read"], "rate_limit": rate_limit}

    response = await client.post(TOKENS, json=body, headers=alice.auth)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:2] == ["body", "rate_limit"]
    assert (await client.get(TOKENS, headers=alice.auth)).json() == []


async def test_users_cannot_give_themselves_a_plan(client, accounts):
    alice = await accounts.create("alice")

    response = await client.patch(
        f"{API}/users/me", json={"rate_limit": "1000000/second"}, headers=alice.auth
    )

    assert response.status_code == 422


async def test_requests_without_credentials_count_against_their_address(
    accounts, app_factory, frozen_clock
):
    alice = await accounts.create("alice")
    frozen_clock(utcnow())
    async with app_factory(**DEFAULTS) as client:
        guesses = [
            await client.post(f"{API}/auth/refresh", json={"refresh_token": f"guess-{n}"})
            for n in range(30)
        ] + [await client.get(HABITS, headers=bearer(f"guess-{n}")) for n in range(30)]
        refused_refresh = await client.post(f"{API}/auth/refresh", json={"refresh_token": "x"})
        refused_bearer = await client.get(HABITS, headers=bearer("hab_pat_guess"))
        refused_login = await client.post(
            f"{API}/auth/login", json={"username": "alice", "password": alice.password}
        )
        # A signed-in user behind the same address is counted as themself, not as the address.
        signed_in = await client.get(HABITS, headers=alice.auth)

    assert [response.status_code for response in guesses] == [401] * 60
    assert [quota(response)[:2] for response in guesses[-2:]] == [(60, 1), (60, 0)]
    assert_limited(refused_refresh)
    assert_limited(refused_bearer)
    assert_limited(refused_login)
    assert signed_in.status_code == 200
    assert quota(signed_in)[:2] == (600, 599)


async def test_another_address_has_its_own_anonymous_budget(app_factory, client, frozen_clock):
    frozen_clock(utcnow())
    async with app_factory(rate_limit_anonymous="1/minute") as limited:
        await limited.post(f"{API}/auth/refresh", json={"refresh_token": "guess"})
        assert_limited(await limited.post(f"{API}/auth/refresh", json={"refresh_token": "guess"}))
    # `client` comes from another address (and runs the suite's far higher limit).
    response = await client.post(f"{API}/auth/refresh", json={"refresh_token": "guess"})
    assert response.status_code == 401


async def test_health_probes_are_not_limited(app_factory, frozen_clock):
    frozen_clock(utcnow())
    async with app_factory(rate_limit_anonymous="1/minute") as client:
        responses = [await client.get("/livez") for _ in range(3)]

    assert [response.status_code for response in responses] == [200] * 3
    assert all("RateLimit-Limit" not in response.headers for response in responses)


async def test_off_lifts_the_default_limits(accounts, app_factory, frozen_clock):
    alice = await accounts.create("alice")
    frozen_clock(utcnow())
    async with app_factory(rate_limit_user="off", rate_limit_anonymous="OFF") as client:
        signed_in = [await client.get(HABITS, headers=alice.auth) for _ in range(3)]
        anonymous = await client.post(f"{API}/auth/refresh", json={"refresh_token": "guess"})

    assert [response.status_code for response in signed_in] == [200] * 3
    assert "RateLimit-Limit" not in signed_in[-1].headers
    assert anonymous.status_code == 401
    assert "RateLimit-Limit" not in anonymous.headers


async def test_with_the_default_off_a_plan_still_applies(accounts, app_factory, frozen_clock):
    admin = await accounts.create_admin()
    alice = await accounts.create("alice")
    await accounts.client.patch(
        f"{API}/admin/users/{alice.id}", json={"rate_limit": "1/minute"}, headers=admin.auth
    )
    frozen_clock(utcnow())
    async with app_factory(rate_limit_user="off") as client:
        assert (await client.get(HABITS, headers=alice.auth)).status_code == 200
        assert_limited(await client.get(HABITS, headers=alice.auth))


@pytest.mark.parametrize("setting", ["rate_limit_user", "rate_limit_anonymous"])
@pytest.mark.parametrize("value", ["lots", "0/minute", "1/2 days", "1/second,2/minute"])
def test_an_invalid_default_refuses_to_start(setting, value):
    with pytest.raises(ValidationError, match=setting):
        Settings(_env_file=None, **{setting: value})


THROTTLE_SETTINGS = ["login_limit_per_account", "password_recheck_limit"]


@pytest.mark.parametrize("setting", THROTTLE_SETTINGS)
@pytest.mark.parametrize(
    "value", ["5/0 minutes", "0/minute", "5/minute;lots", "1/2 days", "5/minute;", "off"]
)
def test_an_invalid_throttle_refuses_to_start(setting, value):
    """Each limit of a throttle is read as strictly as a plan: `limits` alone would read
    "5/0 minutes" as five a minute."""
    with pytest.raises(ValidationError, match=setting):
        Settings(_env_file=None, **{setting: value})


@pytest.mark.parametrize("setting", THROTTLE_SETTINGS)
def test_a_throttle_of_several_limits_is_kept_in_canonical_notation(setting):
    values: dict[str, Any] = {setting: "5 per 15 minutes; 20/day|40 per 12 hours"}
    settings_read = Settings(_env_file=None, **values)
    assert getattr(settings_read, setting) == "5/15 minutes;20/day;40/12 hours"


@pytest.mark.parametrize(
    "retired",
    [
        "HABITUAL_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        "HABITUAL_LOGIN_MAX_FAILURES_PER_ADDRESS",
        "HABITUAL_LOGIN_FAILURE_WINDOW_SECONDS",
    ],
)
def test_a_retired_setting_refuses_to_start_naming_what_replaced_it(retired, monkeypatch):
    monkeypatch.setenv(retired, "5")
    with pytest.raises(ValidationError, match=f"{retired} is no longer read: use HABITUAL_LOGIN_"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("text", "amount", "seconds"),
    [("600/minute", 600, 60), ("10 per second", 10, 1), ("5000/2 hours", 5000, 7200)],
)
def test_a_limit_is_read_in_the_limits_notation(text, amount, seconds):
    limit = parse_rate_limit(text)
    assert (limit.amount, limit.get_expiry()) == (amount, seconds)


@given(st.text(max_size=40))
def test_any_text_is_a_limit_within_bounds_or_a_value_error(text):
    try:
        limit = parse_rate_limit(text)
    except ValueError:
        return
    assert 1 <= limit.amount <= MAX_RATE_LIMIT_REQUESTS
    assert 1 <= limit.get_expiry() <= MAX_RATE_LIMIT_WINDOW_SECONDS


@given(
    st.integers(1, MAX_RATE_LIMIT_REQUESTS),
    st.sampled_from([("second", 1), ("minute", 60), ("hour", 3600), ("day", 86_400)]),
    st.integers(1, 86_400),
)
def test_a_limits_canonical_text_reads_back_as_the_same_limit(amount, unit, multiples):
    name, seconds = unit
    if seconds * multiples > MAX_RATE_LIMIT_WINDOW_SECONDS:
        return
    limit = parse_rate_limit(f"{amount} per {multiples} {name}s")
    again = parse_rate_limit(rate_limit_text(limit))
    assert (again.amount, again.get_expiry()) == (amount, seconds * multiples)
    assert rate_limit_text(again) == rate_limit_text(limit)


@requires_redis
async def test_the_count_is_kept_in_redis_and_shared_by_app_instances(
    accounts: Accounts, app_factory, runtime, frozen_clock
):
    assert isinstance(runtime.limit_storage, RedisStorage)
    alice = await accounts.create("alice")
    frozen_clock(utcnow())
    async with (
        app_factory(rate_limit_user="3/minute") as first,
        app_factory(rate_limit_user="3/minute") as second,
    ):
        for client in (first, second, first):
            assert (await client.get(HABITS, headers=alice.auth)).status_code == 200
        assert_limited(await second.get(HABITS, headers=alice.auth))


async def test_browsers_of_allowed_origins_may_read_the_headers(accounts, app_factory):
    alice = await accounts.create("alice")
    async with app_factory(cors_origins=["http://example.com"], **DEFAULTS) as client:
        response = await client.get(HABITS, headers=alice.auth | {"Origin": "http://example.com"})

    exposed = {
        name.strip().lower()
        for name in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed


class CountingStorage(MemoryStorage):
    """The real memory storage, counting the increments it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.increments = 0

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.increments += 1
        return await super().incr(key, expiry, amount)


async def counted(limiter: UsageLimiter, bucket: Bucket) -> Quota:
    """`limiter.hit`, which answers None only when its storage cannot be reached."""
    quota = await limiter.hit(bucket)
    assert quota is not None
    return quota


def limiter_over(storage: MemoryStorage) -> UsageLimiter:
    return UsageLimiter(Settings(_env_file=None), storage)


@settings(max_examples=40, deadline=None)
@given(
    amount=st.integers(1, 1500),
    processes=st.integers(1, 4),
    order=st.lists(st.integers(0, 3), min_size=1, max_size=50),
)
def test_processes_sharing_a_count_let_at_most_one_more_each_through(amount, processes, order):
    async def run() -> tuple[int, int]:
        storage = MemoryStorage()
        limiters = [limiter_over(storage) for _ in range(processes)]
        bucket = Bucket(parse_rate_limit(f"{amount}/hour"), "user:1")
        admitted = refused = 0
        # Round after round in the drawn order, until every process refuses.
        while refused < processes:
            refused = 0
            for step in order:
                quota = await counted(limiters[step % processes], bucket)
                admitted += not quota.exhausted
            for limiter in limiters:
                quota = await counted(limiter, bucket)
                admitted += not quota.exhausted
                refused += quota.exhausted
        return admitted, refused

    clock.freeze(datetime.now(UTC))
    try:
        admitted, _ = asyncio.run(run())
    finally:
        clock.thaw()
    # A process's first request of the window goes through before the shared count answers:
    # one over the limit for each process that arrives after the others spent the window.
    assert amount - processes * (batch_of(amount) - 1) <= admitted <= amount + processes - 1


async def test_a_process_asks_the_shared_count_once_per_reservation(frozen_clock):
    frozen_clock(utcnow())
    storage = CountingStorage()
    limiter = limiter_over(storage)
    bucket = Bucket(parse_rate_limit("600/minute"), "user:1")  # 30 reserved, then 28 of 570

    quotas = [await counted(limiter, bucket) for _ in range(58)]

    assert storage.increments == 2
    assert [quota.remaining for quota in quotas] == list(range(599, 541, -1))
    await counted(limiter, bucket)
    assert storage.increments == 3


class HeldStorage(MemoryStorage):
    """The real memory storage, whose increments wait until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        await self.release.wait()
        return await super().incr(key, expiry, amount)


async def test_a_windows_first_request_does_not_wait_for_the_shared_count(frozen_clock):
    frozen_clock(utcnow())
    storage = HeldStorage()
    limiter = limiter_over(storage)
    bucket = Bucket(parse_rate_limit("600/minute"), "user:1")

    first = await asyncio.wait_for(counted(limiter, bucket), timeout=1)
    second = asyncio.ensure_future(counted(limiter, bucket))  # waits for the reservation
    await asyncio.sleep(0.05)
    assert not second.done()
    storage.release.set()

    assert (first.remaining, (await second).remaining) == (599, 598)
    assert await storage.get(limiter_key(bucket)) == batch_of(600)


def limiter_key(bucket: Bucket) -> str:
    """The shared count's key of `bucket`'s current window (as UsageLimiter builds it)."""
    limit = bucket.limit
    window = limit.get_expiry()
    now = clock.now().timestamp()
    index = (now - zlib.crc32(bucket.identity.encode()) % window) // window
    return f"usage/{bucket.identity}/{limit.amount}/{window}/{int(index)}"


async def test_reservations_shrink_to_one_request_as_the_budget_runs_out(frozen_clock):
    frozen_clock(utcnow())
    storage = CountingStorage()
    limiter = limiter_over(storage)
    bucket = Bucket(parse_rate_limit("100/minute"), "user:1")

    quotas = [await counted(limiter, bucket) for _ in range(101)]

    assert [quota.remaining for quota in quotas[:100]] == list(range(99, -1, -1))
    assert quotas[100].exhausted
    # 5, 4, 4, 4, 4, 3, ... then one at a time for the last 39; the 101st is refused unasked.
    assert (batch_of(100), batch_of(100, 5), batch_of(100, 61)) == (5, 4, 1)
    assert storage.increments == 60


async def test_a_used_up_window_is_refused_without_asking_the_shared_count(frozen_clock):
    frozen_clock(utcnow())
    storage = CountingStorage()
    limiter = limiter_over(storage)
    bucket = Bucket(parse_rate_limit("3/minute"), "user:1")

    quotas = [await counted(limiter, bucket) for _ in range(10)]

    assert [quota.exhausted for quota in quotas] == [False] * 3 + [True] * 7
    assert storage.increments == 3


UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


async def test_when_redis_is_out_of_reach_requests_go_through_uncounted(
    accounts, app_factory, frozen_clock, caplog
):
    alice = await accounts.create("alice")
    frozen_clock(utcnow())
    async with app_factory(redis_url=UNREACHABLE_REDIS, rate_limit_user="2/minute") as client:
        answers = [await client.get(HABITS, headers=alice.auth) for _ in range(4)]

    # Past a limit of 2, yet not refused: a plan is fair use, and Redis's outage is not the API's.
    assert [answer.status_code for answer in answers] == [200] * 4
    assert "a request went through uncounted" in caplog.text


async def test_when_redis_is_out_of_reach_the_login_limits_refuse_with_503(accounts, app_factory):
    alice = await accounts.create("alice")
    async with app_factory(redis_url=UNREACHABLE_REDIS, rate_limit_anonymous="off") as client:
        response = await client.post(
            f"{API}/auth/login", json={"username": "alice", "password": alice.password}
        )

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["Retry-After"] == "5"
    assert "cannot be counted" in response.json()["detail"]
