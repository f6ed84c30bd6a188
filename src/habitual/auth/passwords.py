"""Argon2id password hashing (pwdlib), off the event loop."""

from __future__ import annotations

from anyio import to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from habitual.config import Settings


class Passwords:
    """Hash and verify passwords; an unknown account costs the same time as a wrong password."""

    def __init__(self, settings: Settings):
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    time_cost=settings.argon2_time_cost,
                    memory_cost=settings.argon2_memory_kib,
                    parallelism=settings.argon2_parallelism,
                ),
            )
        )
        self._dummy_hash = self._hash.hash("not a real password, only spent time")

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._hash.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """Check `password`; give back a new hash when the stored one uses old parameters."""
        if password_hash is None:
            await to_thread.run_sync(self._hash.verify, password, self._dummy_hash)
            return False, None
        return await to_thread.run_sync(self._hash.verify_and_update, password, password_hash)
