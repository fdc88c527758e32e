"""Amazon Reviews 2023 (McAuley Lab) records mapped onto the dataset-folder fields of DATA.md.

`meta_<Category>.jsonl[.gz]` holds items keyed by `parent_asin`; `<Category>.jsonl[.gz]` holds
reviews with millisecond timestamps. Only the mapping lives here; validation is shared with the
native format (`catalog.parse_item`).
"""

from __future__ import annotations

from typing import Any

from retrieval.catalog import RecordError


def _first_image(images: Any) -> str | None:
    if not isinstance(images, list):
        return None
    for image in images:
        if isinstance(image, dict):
            for size in ("large", "hi_res", "thumb"):
                if isinstance(image.get(size), str) and image[size]:
                    return image[size]
    return None


def _categories(raw: dict) -> list[str]:
    categories = raw.get("categories")
    categories = categories if isinstance(categories, list) else []
    main = raw.get("main_category")
    if isinstance(main, str) and main and (not categories or categories[0] != main):
        categories = [main, *categories]
    return categories


def meta_to_item_fields(raw: Any) -> dict:
    """One `meta_*.jsonl` object -> the fields `parse_item` expects."""
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    if not raw.get("parent_asin"):
        raise RecordError("missing parent_asin")
    description = raw.get("description")
    if isinstance(description, list):
        description = [d for d in description if isinstance(d, str) and d.strip()]
    features = raw.get("features") if isinstance(raw.get("features"), list) else []
    attributes = dict(raw.get("details") or {}) if isinstance(raw.get("details"), dict) else {}
    if features:
        attributes["features"] = [f for f in features if isinstance(f, str)]
    text_parts = (description or []) if isinstance(description, list) else [description]
    return {
        "item_id": raw["parent_asin"],
        "title": raw.get("title"),
        "description": "\n".join(p for p in text_parts if p) or None,
        "categories": _categories(raw),
        "brand": raw.get("store") or None,
        "price": raw.get("price"),
        "currency": "USD",
        "attributes": attributes,
        "rating": raw.get("average_rating"),
        "rating_count": raw.get("rating_number"),
        "image_url": _first_image(raw.get("images")),
    }


def review_to_record(raw: Any) -> dict:
    """One `<Category>.jsonl` review -> DATA.md's `reviews.jsonl` fields (ts in seconds)."""
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    for name in ("user_id", "parent_asin"):
        if not raw.get(name):
            raise RecordError(f"missing {name}")
    timestamp = raw.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        raise RecordError("timestamp must be a number (milliseconds)")
    return {
        "user_id": str(raw["user_id"]),
        "item_id": str(raw["parent_asin"]),
        "rating": raw.get("rating"),
        "title": raw.get("title"),
        "text": raw.get("text") or "",
        "ts": int(timestamp // 1000),
    }
