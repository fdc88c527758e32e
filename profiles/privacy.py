"""Shopper identifiers never appear in logs or caches in clear: only this one-way key."""

from __future__ import annotations

import hashlib


def user_key(user_id: str) -> str:
    return "u_" + hashlib.sha256(f"shopwise-user:{user_id}".encode()).hexdigest()[:16]
