"""The catalog item record and its validation.

`parse_item` turns one decoded JSON value into an `Item` or raises `RecordError` with a reason a
person can act on. It is strict about what cannot be repaired (no id, no title, wrong types) and
lenient about what can (numeric strings for prices, a lone category string, unknown fields).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_TEXT_CHARS = 20_000          # longer descriptions are cut (and the cut is reported)
MAX_TITLE_CHARS = 1_000
MAX_ATTRIBUTE_VALUE_CHARS = 500
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v]+")

AttributeValue = str | float | bool


class RecordError(ValueError):
    """A line that cannot become a record; the message is the reason shown in the rejects report."""


@dataclass
class Item:
    item_id: str
    title: str
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    brand: str | None = None
    price: float | None = None
    currency: str | None = None
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    rating: float | None = None
    rating_count: int | None = None
    image_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Item":
        return cls(**data)


KNOWN_FIELDS = {f for f in Item.__dataclass_fields__ if f != "extra"}


def clean_text(value: str, limit: int) -> tuple[str, bool]:
    """Drop control characters, collapse runs of spaces, cut at `limit`; report whether it was cut."""
    text = _SPACES.sub(" ", _CONTROL_CHARS.sub("", value)).strip()
    if len(text) > limit:
        return text[:limit].rstrip(), True
    return text, False


def _optional_text(raw: dict, name: str, limit: int, notes: list[str]) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n".join(value)            # Amazon-style descriptions come as a list of paragraphs
    if not isinstance(value, str):
        raise RecordError(f"{name} must be a string or null, got {type(value).__name__}")
    text, cut = clean_text(value, limit)
    if cut:
        notes.append(f"{name} cut from {len(value):,} to {limit:,} characters")
    return text or None


def _item_id(raw: dict) -> str:
    value = raw.get("item_id")
    if value is None:
        raise RecordError("missing item_id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordError(f"item_id must be a string, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise RecordError("empty item_id")
    if len(text) > 256 or _CONTROL_CHARS.search(text):
        raise RecordError("item_id is longer than 256 characters or holds control characters")
    return text


def _number(raw: dict, name: str, *, low: float | None = None, high: float | None = None) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip().lstrip("$€£").replace(",", "")
        if stripped == "" or stripped.lower() in {"none", "null", "n/a", "—", "-"}:
            return None
        try:
            value = float(stripped)
        except ValueError:
            raise RecordError(f"{name} must be a number, got {raw[name]!r:.40}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"{name} must be a number or null, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise RecordError(f"{name} must be finite, got {value}")
    if low is not None and value < low:
        raise RecordError(f"{name} {value:g} is outside the allowed range (below {low:g})")
    if high is not None and value > high:
        raise RecordError(f"{name} {value:g} is outside the allowed range (above {high:g})")
    return value


def _categories(raw: dict) -> list[str]:
    value = raw.get("categories")
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError("categories must be a list of strings")
    cleaned = (clean_text(v, 200)[0] for v in value)
    return [c for c in cleaned if c]


def _attribute_value(value: Any) -> AttributeValue | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v is not None)
    elif isinstance(value, dict):
        value = ", ".join(f"{k}: {v}" for k, v in value.items())
    text = clean_text(str(value), MAX_ATTRIBUTE_VALUE_CHARS)[0]
    return text or None


def _attributes(raw: dict) -> dict[str, AttributeValue]:
    value = raw.get("attributes")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"attributes must be an object, got {type(value).__name__}")
    result: dict[str, AttributeValue] = {}
    for name, attr in value.items():
        key = clean_text(str(name), 100)[0]
        parsed = _attribute_value(attr)
        if key and parsed is not None:
            result[key] = parsed
    return result


def parse_item(raw: Any, notes: list[str] | None = None) -> Item:
    """Validate one decoded JSON value as a catalog item (DATA.md's `items.jsonl` fields).

    Repairs that change data (a cut description) are appended to `notes` for the report.
    """
    notes = [] if notes is None else notes
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    title = raw.get("title")
    if not isinstance(title, str):
        raise RecordError("missing title" if title is None else f"title must be a string, got {type(title).__name__}")
    title, _ = clean_text(title, MAX_TITLE_CHARS)
    if not title:
        raise RecordError("empty title")
    rating_count = _number(raw, "rating_count", low=0)
    brand = _optional_text(raw, "brand", 200, notes)
    currency = _optional_text(raw, "currency", 10, notes)
    image_url = _optional_text(raw, "image_url", 2_000, notes)
    return Item(
        item_id=_item_id(raw),
        title=title,
        description=_optional_text(raw, "description", MAX_TEXT_CHARS, notes),
        categories=_categories(raw),
        brand=brand,
        price=_number(raw, "price", low=0),
        currency=currency,
        attributes=_attributes(raw),
        rating=_number(raw, "rating", low=0, high=5),
        rating_count=None if rating_count is None else int(rating_count),
        image_url=image_url,
        extra={k: v for k, v in raw.items() if k not in KNOWN_FIELDS},
    )
