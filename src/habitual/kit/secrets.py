"""Opaque tokens: generated with a recognisable prefix, stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str) -> str:
    """A fresh secret of 256 random bits, e.g. `hab_pat_…`, shown to its owner once."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode()).hexdigest()
