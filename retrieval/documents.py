"""What of an item gets embedded, indexed lexically, and stored as filterable metadata.

One normalisation (`fold`) is shared by the metadata written here and the filters that read it,
so that a filter means the same thing in Chroma, in the lexical index and in plain Python.
"""

from __future__ import annotations

import re

from retrieval.catalog import AttributeValue, Item

MAX_CATEGORY_LEVELS = 8
KEY_ATTRIBUTES_IN_TEXT = 8
_IDENTIFIER_ATTRIBUTE = re.compile(r"\b(asin|upc|ean|gtin|sku|isbn|mpn|id|part number|model number)\b", re.I)


def fold(text: str) -> str:
    """Case- and space-insensitive key for brands, categories and attribute names/values."""
    return " ".join(text.casefold().split())


def fold_value(value: AttributeValue) -> AttributeValue:
    return fold(value) if isinstance(value, str) else value


def category_key(level: int) -> str:
    return f"cat{level}"


def key_attributes(item: Item, limit: int = KEY_ATTRIBUTES_IN_TEXT) -> list[tuple[str, AttributeValue]]:
    """Descriptive attributes worth reading: no identifiers, no long prose, no 'false' flags."""
    picked = []
    for name, value in item.attributes.items():
        if _IDENTIFIER_ATTRIBUTE.search(name) or value is False:
            continue
        if isinstance(value, str) and len(value) > 80:
            continue
        picked.append((name, value))
        if len(picked) == limit:
            break
    return picked


def _format_value(value: AttributeValue) -> str:
    if value is True:
        return "yes"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def item_text(item: Item) -> str:
    """Text for embedding and BM25: the most telling fields first, since models truncate."""
    parts = [item.title]
    if item.brand:
        parts.append(f"Brand: {item.brand}")
    if item.categories:
        parts.append("Category: " + " > ".join(item.categories))
    attributes = key_attributes(item)
    if attributes:
        parts.append("; ".join(f"{name}: {_format_value(value)}" for name, value in attributes))
    if item.description:
        parts.append(item.description[:2_000])
    return ". ".join(parts)


def item_metadata(item: Item) -> dict[str, str | float | int]:
    """Chroma metadata: the filterable facts (price, brand, each category level, rating, rating
    count), scalar values, folded keys; absent facts are left out, not nulled. Attributes stay
    out: storing two dozen keys per item halved Chroma's write speed, and attribute equality is
    applied to Chroma's answers instead (see CatalogIndex.dense)."""
    meta: dict[str, str | float | int] = {"item_id": item.item_id}
    if item.price is not None:
        meta["price"] = float(item.price)
    if item.brand:
        meta["brand"] = fold(item.brand)
    if item.rating is not None:
        meta["rating"] = float(item.rating)
    if item.rating_count is not None:
        meta["rating_count"] = int(item.rating_count)
    for level, category in enumerate(item.categories[:MAX_CATEGORY_LEVELS]):
        meta[category_key(level)] = fold(category)
    return meta


def folded_attributes(item: Item) -> dict[str, AttributeValue]:
    """Attribute names and string values folded; the first of two names that fold alike wins."""
    folded: dict[str, AttributeValue] = {}
    for name, value in item.attributes.items():
        folded.setdefault(fold(name), fold_value(value))
    return folded
