"""Device tokens: a client's proof that it logged in to an account before (OWASP's device
cookies). A valid one exempts the client from the account-wide login limit, not its own."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from habitual.config import Settings
from habitual.kit.clock import utcnow

DEVICE_TOKEN_PREFIX = "hab_dev_"  # noqa: S105 - a public prefix


class DeviceTokens:
    """Signed `hab_dev_<user>.<issued>.<device>.<mac>` values; nothing is stored.

    The signature covers the account's password hash, so a new password forgets every device.
    Every verification key is tried, so the tokens outlive a rotation of the signing key.
    """

    def __init__(self, settings: Settings):
        self._keys = [
            hmac.digest(key.encode(), b"habitual device tokens", hashlib.sha256)
            for key in settings.verification_keys
        ]
        self._ttl_seconds = settings.login_device_token_ttl_days * 86_400

    def issue(self, user_id: int, password_hash: str) -> str:
        body = f"{user_id}.{int(utcnow().timestamp())}.{secrets.token_urlsafe(16)}"
        return f"{DEVICE_TOKEN_PREFIX}{body}.{self._mac(self._keys[0], body, password_hash)}"

    def device_of(self, token: str, user_id: int, password_hash: str) -> str | None:
        """The device a token names, if it is a live token of this account; None otherwise."""
        parts = token.removeprefix(DEVICE_TOKEN_PREFIX).split(".")
        if not token.startswith(DEVICE_TOKEN_PREFIX) or len(parts) != 4:
            return None
        owner, issued, device, mac = parts
        body = f"{owner}.{issued}.{device}"
        if not any(
            hmac.compare_digest(mac.encode(), self._mac(key, body, password_hash).encode())
            for key in self._keys
        ):
            return None
        age = utcnow().timestamp() - int(issued)  # signed by us: a number
        if owner != str(user_id) or age > self._ttl_seconds:
            return None
        return device

    @staticmethod
    def _mac(key: bytes, body: str, password_hash: str) -> str:
        message = f"{body}\x00{password_hash}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()
