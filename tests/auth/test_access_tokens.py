"""Access tokens: what a login issues, and every way a forged or stale token is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from habitual.auth.jwt import key_id
from tests.factories import API

REQUIRED_CLAIMS = {"iss", "aud", "exp", "iat", "sub", "typ", "sid"}


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def b64url_decode(segment: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


def claims_of(token: str) -> dict[str, Any]:
    """The claims a real token carries, read without checking it."""
    return b64url_decode(token.split(".")[1])


def sign(
    claims: dict[str, Any], key: str, *, kid: str | None = None, algorithm: str = "HS256"
) -> str:
    """Sign `claims` as Habitual would, naming the key by `kid` (its real id unless given)."""
    headers = {"kid": kid or key_id(key), "typ": "JWT"}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})


async def test_an_issued_access_token_is_hs256_with_a_key_id(accounts, settings):
    alice = await accounts.create()

    header = jwt.get_unverified_header(alice.access_token)

    assert header["alg"] == "HS256"
    assert header["kid"] == key_id(settings.signing_key)


async def test_an_issued_access_token_carries_every_required_claim(accounts, settings):
    alice = await accounts.create()

    claims = jwt.decode(
        alice.access_token,
        settings.signing_key,
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )

    assert set(claims) == REQUIRED_CLAIMS
    assert claims["iss"] == settings.jwt_issuer
    assert claims["aud"] == settings.jwt_audience
    assert claims["sub"] == str(alice.id)
    assert claims["typ"] == "access"
    assert claims["sid"].isdigit()
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds


async def test_a_token_resigned_with_the_real_key_is_accepted(client, accounts, settings):
    """The control for the forgeries below: the helpers themselves make valid tokens."""
    alice = await accounts.create()

    response = await me(client, sign(claims_of(alice.access_token), settings.signing_key))

    assert response.status_code == 200
    assert response.json()["id"] == alice.id


async def test_a_missing_bearer_token_is_unauthorized(client):
    response = await client.get(f"{API}/users/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_garbage_bearer_token_is_unauthorized(client):
    response = await me(client, "not-a-jwt")

    assert response.status_code == 401


async def test_an_unsigned_alg_none_token_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    header = {"alg": "none", "typ": "JWT", "kid": key_id(settings.signing_key)}
    token = f"{b64url(header)}.{b64url(claims_of(alice.access_token))}."

    response = await me(client, token)

    assert response.status_code == 401


async def test_a_token_signed_with_the_wrong_key_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    wrong_key = "some-other-key-" + "z" * 32

    token = sign(claims_of(alice.access_token), wrong_key, kid=key_id(settings.signing_key))

    assert (await me(client, token)).status_code == 401


async def test_a_token_signed_with_an_unknown_key_id_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()

    token = sign(claims_of(alice.access_token), settings.signing_key, kid="0123456789abcdef")

    assert (await me(client, token)).status_code == 401


async def test_a_token_without_a_key_id_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()

    token = jwt.encode(claims_of(alice.access_token), settings.signing_key, algorithm="HS256")

    assert (await me(client, token)).status_code == 401


async def test_an_expired_token_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    now = int(time.time())
    claims = claims_of(alice.access_token) | {"iat": now - 3600, "exp": now - 60}

    response = await me(client, sign(claims, settings.signing_key))

    assert response.status_code == 401


async def test_a_token_for_another_audience_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {"aud": "some-other-api"}

    assert (await me(client, sign(claims, settings.signing_key))).status_code == 401


async def test_a_token_from_another_issuer_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {"iss": "someone-else"}

    assert (await me(client, sign(claims, settings.signing_key))).status_code == 401


async def test_a_token_whose_type_is_not_access_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {"typ": "refresh"}

    assert (await me(client, sign(claims, settings.signing_key))).status_code == 401


async def test_a_token_without_a_session_id_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    claims = claims_of(alice.access_token)
    del claims["sid"]

    assert (await me(client, sign(claims, settings.signing_key))).status_code == 401


async def test_a_token_with_a_non_numeric_subject_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {"sub": "alice"}

    assert (await me(client, sign(claims, settings.signing_key))).status_code == 401


async def test_a_token_altered_after_signing_is_unauthorized(client, accounts):
    alice = await accounts.create()
    bob = await accounts.create()
    header, _, signature = alice.access_token.split(".")
    # Bob's user and session, so only the signature stands between Alice and Bob's account.
    bobs_login = claims_of(bob.access_token)
    altered = claims_of(alice.access_token) | {"sub": bobs_login["sub"], "sid": bobs_login["sid"]}

    response = await me(client, f"{header}.{b64url(altered)}.{signature}")

    assert response.status_code == 401


async def test_a_token_declaring_rs256_is_unauthorized(client, accounts, settings):
    alice = await accounts.create()
    _, payload, signature = alice.access_token.split(".")
    header = {"alg": "RS256", "typ": "JWT", "kid": key_id(settings.signing_key)}

    response = await me(client, f"{b64url(header)}.{payload}.{signature}")

    assert response.status_code == 401


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_a_token_signed_with_hs512_and_the_real_key_is_unauthorized(
    client, accounts, settings
):
    alice = await accounts.create()

    token = sign(claims_of(alice.access_token), settings.signing_key, algorithm="HS512")

    assert (await me(client, token)).status_code == 401


async def test_a_token_signed_with_a_previous_key_is_still_accepted(
    accounts, app_factory, settings
):
    alice = await accounts.create()
    old_key = settings.signing_key
    async with app_factory(
        secret_key="new-key-" + "n" * 32, previous_secret_keys=[old_key]
    ) as rotated:
        response = await me(rotated, alice.access_token)

    assert response.status_code == 200
    assert response.json()["id"] == alice.id


async def test_after_rotation_new_tokens_are_signed_with_the_new_key(
    accounts, app_factory, settings
):
    alice = await accounts.create()
    new_key = "new-key-" + "n" * 32
    async with app_factory(
        secret_key=new_key, previous_secret_keys=[settings.signing_key]
    ) as rotated:
        tokens = (
            await rotated.post(
                f"{API}/auth/login", json={"username": alice.username, "password": alice.password}
            )
        ).json()

    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key_id(new_key)


async def test_a_token_signed_with_a_retired_key_is_unauthorized(accounts, app_factory):
    alice = await accounts.create()
    async with app_factory(secret_key="new-key-" + "n" * 32, previous_secret_keys=[]) as rotated:
        response = await me(rotated, alice.access_token)

    assert response.status_code == 401


async def test_a_token_accepted_before_is_refused_once_it_expires(client, accounts, settings):
    """Verified tokens are remembered, but only until their own expiry."""
    alice = await accounts.create()
    expires = int(time.time()) + 2
    token = sign(claims_of(alice.access_token) | {"exp": expires}, settings.signing_key)
    assert (
        await client.get(f"{API}/today", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200

    await asyncio.sleep(expires - time.time() + 0.05)  # past `exp`, by the same clock
    response = await client.get(f"{API}/today", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


# A signed token is trusted only as far as its ids are ids: anything else is a 401, never a 500.
NOT_AN_ID = [
    str(10**30),
    str(2**63),  # one past the largest id a database holds
    "0",
    "-1",
    "+1",
    " 1",
    "1_0",
    "\uff11",  # a fullwidth digit, which int() would take
    "1e3",
    "9" * 5000,  # past the digits int() converts
]


@pytest.mark.parametrize("claim", ["sub", "sid"])
@pytest.mark.parametrize("value", NOT_AN_ID)
async def test_a_signed_token_whose_id_is_not_a_stored_id_is_unauthorized(
    client, accounts, settings, claim, value
):
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {claim: value}

    response = await me(client, sign(claims, settings.signing_key))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("value", [10**30, 2**63, True, 1.5, None, [1], {"id": 1}])
async def test_a_signed_token_whose_session_id_is_not_text_is_unauthorized(
    client, accounts, settings, value
):
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {"sid": value}

    response = await me(client, sign(claims, settings.signing_key))

    assert response.status_code == 401


async def test_the_largest_stored_id_is_still_read_as_an_id(client, accounts, settings):
    """At the edge of the range the token is well formed; no such login exists, so 401."""
    alice = await accounts.create()
    claims = claims_of(alice.access_token) | {"sub": str(2**63 - 1), "sid": str(2**63 - 1)}

    response = await me(client, sign(claims, settings.signing_key))

    assert response.status_code == 401
