"""Short-lived access tokens: HS256 JWTs with a pinned algorithm and every claim checked."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from habitual.config import Settings
from habitual.kit.types import MAX_ID

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "typ", "sid"]
# Tokens this process has verified, until they expire: an app sends the same token for its
# whole life (15 min), and decoding it again was ~8% of a `GET /today` (py-spy, 1 worker;
# 54 µs a decode). Whether a token is ours cannot change without a restart (the keys are
# settings); whether its login is still alive is asked of the database on every request.
# Sized for a worker that serves ten thousand people within a token's life: at 4,096 a load
# rotating through 10,000 users missed on every request (bench/README.md); an entry, token
# included, is ~600 bytes (tracemalloc), so a full cache is ~10 MB.
VERIFIED_CACHE_SIZE = 16_384
# What `issue` writes for an id: ASCII digits, no sign, space or `_` (all of which int() takes).
ID_TEXT = re.compile(r"[1-9][0-9]{0,18}")


def key_id(key: str) -> str:
    """A stable public name for a key, so a verifier picks the right one during rotation."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: int


class InvalidToken(Exception):
    """The token is malformed, forged, expired, or not meant for us."""


class AccessTokens:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._signing_key = settings.signing_key
        self._keys = {key_id(key): key for key in settings.verification_keys}
        self._verified: dict[str, tuple[AccessClaims, int]] = {}

    @property
    def ttl_seconds(self) -> int:
        return self._settings.access_token_ttl_seconds

    def issue(self, user_id: int, session_id: int, now: datetime) -> str:
        claims = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": str(user_id),
            "sid": str(session_id),
            "typ": ACCESS_TYPE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        headers = {"kid": key_id(self._signing_key), "typ": "JWT"}
        return jwt.encode(claims, self._signing_key, algorithm=ALGORITHM, headers=headers)

    def verify(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():  # PyJWT's own test of `exp`
            return known[0]
        claims = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = claims
        return claims[0]

    def _decode(self, token: str) -> tuple[AccessClaims, int]:
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(str(header.get("kid")))
            if key is None:
                raise InvalidToken("unknown key id")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            if claims["typ"] != ACCESS_TYPE:
                raise InvalidToken("not an access token")
            access = AccessClaims(user_id=_id(claims["sub"]), session_id=_id(claims["sid"]))
            return access, int(claims["exp"])
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
            raise InvalidToken(str(exc)) from exc


def _id(claim: object) -> int:
    """A row id as `issue` writes it; a database would refuse anything past `MAX_ID` (a 500)."""
    if not isinstance(claim, str) or not ID_TEXT.fullmatch(claim) or int(claim) > MAX_ID:
        raise InvalidToken("the token names no valid id")
    return int(claim)
