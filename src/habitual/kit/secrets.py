"""Opaque tokens, stored only as SHA-256 digests; and secrets the server must read back
(webhook signing secrets), stored encrypted under a key derived from the server's own."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from habitual.config import Settings


def new_token(prefix: str) -> str:
    """A fresh secret of 256 random bits, e.g. `hab_pat_…`, shown to its owner once."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


# Names what the derived key is for: a key for anything else derives from another label.
SEALING_LABEL = b"habitual/sealed-secrets/v1"


class UnreadableSecret(Exception):
    """A sealed secret that none of the server's keys opens (it was sealed under a key that
    is neither the current one nor among the previous ones)."""


def _sealing_key(server_key: str) -> Fernet:
    """A Fernet key (AES-128-CBC and HMAC-SHA256) derived from a server key with HKDF."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEALING_LABEL)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(server_key.encode())))


class SecretBox:
    """Seals secrets under the current server key; opens those sealed under it or under a
    previous one (a key rotation), and reseals those under the current key."""

    def __init__(self, current_key: str, previous_keys: Sequence[str] = ()):
        self._current = _sealing_key(current_key)
        self._all = MultiFernet([self._current, *map(_sealing_key, previous_keys)])

    @classmethod
    def for_settings(cls, settings: Settings) -> SecretBox:
        """The box of HABITUAL_SECRET_KEY (or its key file) and HABITUAL_PREVIOUS_SECRET_KEYS."""
        previous = [key.get_secret_value() for key in settings.previous_secret_keys]
        return cls(settings.signing_key, previous)

    def seal(self, secret: str) -> str:
        return self._current.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._all.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise UnreadableSecret from None

    def is_current(self, sealed: str) -> bool:
        """Whether the secret is sealed under the current key (no reseal needed)."""
        try:
            self._current.decrypt(sealed.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def reseal(self, sealed: str) -> str:
        """The same secret sealed under the current key."""
        return self.seal(self.open(sealed))
