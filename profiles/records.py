"""Behaviour, review and user records of a dataset folder, validated one line at a time.

`events.jsonl`, `reviews.jsonl` and `users.jsonl` follow DATA.md. A bad line becomes a
`Rejected` entry with its file, line number and reason; nothing valid is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.catalog import RecordError

EVENT_TYPES = ("view", "click", "cart", "purchase", "rate", "dislike")   # dislike: "not for me"


@dataclass(frozen=True)
class Event:
    user_id: str
    item_id: str
    type: str
    ts: float
    session_id: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class Review:
    user_id: str
    item_id: str
    text: str
    ts: float
    rating: float | None = None
    title: str | None = None


@dataclass(frozen=True)
class UserRecord:
    user_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


def _identifier(raw: dict, name: str) -> str:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise RecordError(f"missing or invalid {name}")
    return str(value).strip()


def _number(raw: dict, name: str, required: bool) -> float | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise RecordError(f"{name} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise RecordError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _object(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    return raw


def parse_event(raw: Any) -> Event:
    raw = _object(raw)
    kind = str(raw.get("type", "")).strip().lower()
    if kind not in EVENT_TYPES:
        raise RecordError(f"type must be one of {EVENT_TYPES}, got {raw.get('type')!r}")
    session = raw.get("session_id")
    return Event(user_id=_identifier(raw, "user_id"), item_id=_identifier(raw, "item_id"), type=kind,
                 ts=_number(raw, "ts", required=True),
                 session_id=None if session is None else str(session),
                 value=_number(raw, "value", required=False))


def parse_review(raw: Any) -> Review:
    raw = _object(raw)
    text = raw.get("text")
    if not isinstance(text, str):
        raise RecordError("text must be a string")
    rating = _number(raw, "rating", required=False)
    if rating is not None and not 0 <= rating <= 5:
        raise RecordError(f"rating must be between 0 and 5, got {rating:g}")
    title = raw.get("title")
    return Review(user_id=_identifier(raw, "user_id"), item_id=_identifier(raw, "item_id"),
                  text=text, ts=_number(raw, "ts", required=True) or 0.0, rating=rating,
                  title=title if isinstance(title, str) else None)


def parse_user(raw: Any) -> UserRecord:
    raw = _object(raw)
    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise RecordError("attributes must be an object")
    return UserRecord(user_id=_identifier(raw, "user_id"), attributes=dict(attributes))
