"""Short-lived access tokens: HS256 JWTs with a pinned algorithm and every claim checked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from habitual.config import Settings

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "typ", "sid"]


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
            return AccessClaims(user_id=int(claims["sub"]), session_id=int(claims["sid"]))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken(str(exc)) from exc
