"""API keys and roles: who is calling, and what they may see or change.

Roles
-----
- ``shopper``: bound to exactly one user id. Reads and changes only that user's data (chat,
  events, recommendations, profile, conversations) and may erase it (self-service erasure).
- ``agent`` (customer service): reads any customer, acts on a customer's behalf (chat and
  events as that customer), never erases.
- ``admin``: everything, including erasure.

Storage
-------
A raw key looks like ``swk_<key_id>_<secret>``: ``key_id`` (12 hex characters) finds the row,
``secret`` is 32 random bytes (256 bits, ``secrets.token_urlsafe``). Only ``sha256(salt ||
secret)`` with a per-key 16-byte random salt is stored. A slow KDF (scrypt, pbkdf2) protects
*low*-entropy secrets such as passwords against guessing; a 256-bit random secret cannot be
guessed, so one fast salted hash is as safe and keeps authentication under a millisecond on every
request (a stolen table yields nothing usable). The salt rules out precomputed tables across
databases. Comparison is constant time (``hmac.compare_digest``), and an unknown key id still
costs one hash and one compare so timing does not reveal which key ids exist.

The table lives in the same database as the profiles (``profiles.store.database_url``). A found
row is kept in memory for ``row_ttl_s`` (5 s) so that a busy server does not read the database on
every request; the secret is still hashed and compared every time. A key revoked or deleted
through this KeyStore stops working at once; one revoked by another process (``shopwise keys
revoke`` beside a running server) stops within ``row_ttl_s``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Float, String, create_engine, delete, select, update
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROLES = ("shopper", "agent", "admin")
KEY_PREFIX = "swk_"
_DUMMY_SALT = b"\x00" * 16
_DUMMY_DIGEST = hashlib.sha256(_DUMMY_SALT + b"no-such-key").hexdigest()


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    key_id: str
    role: str
    user_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        if self.role == "shopper" and not self.user_id:
            raise ValueError("a shopper principal must be bound to a user id")

    @property
    def is_staff(self) -> bool:
        return self.role in ("agent", "admin")

    def can_read_user(self, user_id: str) -> bool:
        """Profile, recommendations, conversations, events of `user_id`."""
        return self.is_staff or self.user_id == user_id

    def can_change_user(self, user_id: str) -> bool:
        """Record events or chat as `user_id` (an agent acts on a customer's behalf)."""
        return self.is_staff or self.user_id == user_id

    def can_erase(self, user_id: str) -> bool:
        """Delete everything about `user_id`: the shopper themself or an admin, never an agent."""
        if self.role == "admin":
            return True
        return self.role == "shopper" and self.user_id == user_id


@dataclass(frozen=True)
class KeyInfo:
    """A stored key without its secret (what `list()` returns)."""

    key_id: str
    role: str
    user_id: str | None
    label: str
    created_ts: float
    revoked: bool


class _Base(DeclarativeBase):
    pass


class ApiKeyRow(_Base):
    __tablename__ = "api_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    salt: Mapped[str] = mapped_column(String(64))           # hex
    digest: Mapped[str] = mapped_column(String(64))         # hex sha256(salt || secret)
    created_ts: Mapped[float] = mapped_column(Float)
    revoked_ts: Mapped[float | None] = mapped_column(Float, nullable=True)


@dataclass(frozen=True)
class _KeyRecord:
    key_id: str
    role: str
    user_id: str | None
    salt: bytes
    digest: str
    revoked: bool


def _digest(salt: bytes, secret: str) -> str:
    return hashlib.sha256(salt + secret.encode("utf-8")).hexdigest()


def _verify(parts: tuple[str, str] | None, raw_key: str | None, row: "_KeyRecord | None") -> "Principal | None":
    """The principal when the secret matches the row's digest (a dummy digest is checked when there
    is no row, so unknown and wrong keys take the same time)."""
    secret = parts[1] if parts else (raw_key or "")
    salt, expected = (row.salt, row.digest) if row is not None else (_DUMMY_SALT, _DUMMY_DIGEST)
    matches = hmac.compare_digest(_digest(salt, secret), expected)
    if row is None or not matches or row.revoked:
        return None
    return Principal(key_id=row.key_id, role=row.role, user_id=row.user_id)


def split_key(raw_key: str) -> tuple[str, str] | None:
    """('key_id', 'secret') from a raw key, or None when it is not shaped like one."""
    if not raw_key or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    key_id, sep, secret = raw_key[len(KEY_PREFIX):].partition("_")
    if not sep or len(key_id) != 12 or not secret:
        return None
    return key_id, secret


class KeyStore:
    """Hashed API keys in a SQLAlchemy database."""

    def __init__(self, engine: Engine, row_ttl_s: float = 5.0):
        self.engine = engine
        self.row_ttl_s = row_ttl_s
        self._rows: dict[str, tuple[float, _KeyRecord]] = {}     # key_id -> (read at, record)
        self._rows_lock = threading.Lock()
        _Base.metadata.create_all(engine)

    @classmethod
    def from_settings(cls, settings) -> "KeyStore":
        from profiles.store import database_url

        return cls.from_url(database_url(settings))

    @classmethod
    def from_url(cls, url: str) -> "KeyStore":
        engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            sqlalchemy_event.listen(engine, "connect", _sqlite_pragmas)
        return cls(engine)

    def create(self, role: str, user_id: str | None = None, label: str = "") -> str:
        """Store a new key and return the raw key: the only time it is ever visible."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if role == "shopper" and not user_id:
            raise ValueError("a shopper key must be bound to a user id (--user)")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        with Session(self.engine) as session, session.begin():
            session.add(ApiKeyRow(key_id=key_id, role=role, user_id=user_id or None, label=label,
                                  salt=salt.hex(), digest=_digest(salt, secret), created_ts=time.time()))
        return f"{KEY_PREFIX}{key_id}_{secret}"

    def authenticate(self, raw_key: str | None) -> Principal | None:
        """The principal for a raw key, or None (unknown, malformed, revoked)."""
        parts = split_key(raw_key or "")
        return _verify(parts, raw_key, self._record(parts[0]) if parts else None)

    def authenticate_from_memory(self, raw_key: str | None) -> "tuple[bool, Principal | None]":
        """(decided, principal) without touching the database: decided is False when the key's row
        is not kept in memory, and then `authenticate` (which reads it) must answer instead. Lets
        the async API answer most requests without a thread hop."""
        parts = split_key(raw_key or "")
        if parts is None:
            return True, _verify(None, raw_key, None)        # malformed: decided without a read
        row = self._kept(parts[0])
        return (False, None) if row is None else (True, _verify(parts, raw_key, row))

    def _kept(self, key_id: str) -> "_KeyRecord | None":
        with self._rows_lock:
            kept = self._rows.get(key_id)
        return kept[1] if kept is not None and time.monotonic() - kept[0] < self.row_ttl_s else None

    def _record(self, key_id: str) -> "_KeyRecord | None":
        """The key's row, from memory when read in the last `row_ttl_s` (unknown ids: always read)."""
        kept = self._kept(key_id)
        if kept is not None:
            return kept
        now = time.monotonic()
        with Session(self.engine) as session:
            row = session.get(ApiKeyRow, key_id)
            record = None if row is None else _KeyRecord(row.key_id, row.role, row.user_id, bytes.fromhex(row.salt),
                                                         row.digest, row.revoked_ts is not None)
        with self._rows_lock:
            if record is None:
                self._rows.pop(key_id, None)
            else:
                self._rows[key_id] = (now, record)
        return record

    def _forget(self, key_ids) -> None:
        """Drop kept rows (the caller holds `_rows_lock`)."""
        for key_id in key_ids:
            self._rows.pop(key_id, None)

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when no such (active) key exists."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(update(ApiKeyRow).where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_ts.is_(None))
                                     .values(revoked_ts=time.time()))
        with self._rows_lock:
            self._forget([key_id])
        return bool(result.rowcount)

    def delete_for_user(self, user_id: str) -> int:
        """Erasure: delete every key bound to this user (the row holds their id)."""
        with Session(self.engine) as session, session.begin():
            deleted = session.execute(delete(ApiKeyRow).where(ApiKeyRow.user_id == user_id)).rowcount or 0
        with self._rows_lock:
            self._forget([k for k, (_, record) in self._rows.items() if record.user_id == user_id])
        return deleted

    def has_user(self, user_id: str) -> bool:
        """Whether some key (active or revoked) is bound to this user."""
        with Session(self.engine) as session:
            return session.scalar(select(ApiKeyRow.key_id).where(ApiKeyRow.user_id == user_id).limit(1)) is not None

    def list(self) -> list[KeyInfo]:
        with Session(self.engine) as session:
            rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_ts))
            return [KeyInfo(r.key_id, r.role, r.user_id, r.label, r.created_ts, r.revoked_ts is not None)
                    for r in rows]

    def count(self) -> int:
        return len(self.list())


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
