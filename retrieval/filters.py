"""Hard constraints on search results, with one meaning everywhere they are applied.

`Filters.matches` is the reference predicate on an `Item`; `to_chroma_where` states the same
condition for the vector store (all but attribute equality, which Chroma does not store and the
caller checks on its answers: `attribute_predicate`); `mask` evaluates it on the in-memory
columns that the lexical and exact dense sides use. Tests hold all three to agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval.catalog import AttributeValue, Item
from retrieval.documents import (MAX_CATEGORY_LEVELS, category_key, fold, fold_value,
                                 folded_attributes)


@dataclass(frozen=True)
class Filters:
    price_min: float | None = None
    price_max: float | None = None
    brands: tuple[str, ...] = ()                  # keep only these brands (any of)
    exclude_brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()              # any level of the category path equals any of these
    min_rating: float | None = None
    attributes: tuple[tuple[str, AttributeValue], ...] = ()   # every (name, value) must hold
    exclude_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError(f"price range is empty: min {self.price_min:g} > max {self.price_max:g}")

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    # -- reference predicate ------------------------------------------------------------------
    def matches(self, item: Item) -> bool:
        if item.item_id in self.exclude_ids:
            return False
        if self.price_min is not None and (item.price is None or item.price < self.price_min):
            return False
        if self.price_max is not None and (item.price is None or item.price > self.price_max):
            return False
        brand = fold(item.brand) if item.brand else None
        if self.brands and brand not in {fold(b) for b in self.brands}:
            return False
        if self.exclude_brands and brand in {fold(b) for b in self.exclude_brands}:
            return False
        if self.categories:
            levels = {fold(c) for c in item.categories[:MAX_CATEGORY_LEVELS]}
            if not levels & {fold(c) for c in self.categories}:
                return False
        if self.min_rating is not None and (item.rating is None or item.rating < self.min_rating):
            return False
        return self.attributes_match(item)

    # -- vector store -------------------------------------------------------------------------
    def to_chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.price_min is not None:
            clauses.append({"price": {"$gte": float(self.price_min)}})
        if self.price_max is not None:
            clauses.append({"price": {"$lte": float(self.price_max)}})
        if self.brands:
            clauses.append({"brand": {"$in": sorted({fold(b) for b in self.brands})}})
        if self.exclude_brands:
            # Items without a brand have no "brand" key; $nin keeps them, as `matches` does.
            clauses.append({"brand": {"$nin": sorted({fold(b) for b in self.exclude_brands})}})
        if self.categories:
            wanted = sorted({fold(c) for c in self.categories})
            levels = [{category_key(level): {"$in": wanted}} for level in range(MAX_CATEGORY_LEVELS)]
            clauses.append({"$or": levels})
        if self.min_rating is not None:
            clauses.append({"rating": {"$gte": float(self.min_rating)}})
        if self.exclude_ids:
            clauses.append({"item_id": {"$nin": list(self.exclude_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def attributes_match(self, item: Item) -> bool:
        """The attribute-equality part of `matches`, for answers of a `to_chroma_where` query."""
        folded = folded_attributes(item)
        return all(_same(folded.get(fold(name)), value) for name, value in self.attributes)

    # -- in-memory columns --------------------------------------------------------------------
    def mask(self, columns: "FilterColumns") -> np.ndarray:
        keep = np.ones(len(columns), dtype=bool)
        with np.errstate(invalid="ignore"):      # NaN (unknown) compares False: excluded
            if self.price_min is not None:
                keep &= columns.price >= self.price_min
            if self.price_max is not None:
                keep &= columns.price <= self.price_max
            if self.min_rating is not None:
                keep &= columns.rating >= self.min_rating
        if self.brands:
            keep &= np.isin(columns.brand, [fold(b) for b in self.brands])
        if self.exclude_brands:
            keep &= ~np.isin(columns.brand, [fold(b) for b in self.exclude_brands])
        if self.categories:
            keep &= columns.in_any_category({fold(c) for c in self.categories})
        for name, value in self.attributes:
            keep &= columns.with_attribute(fold(name), _stored(value))
        if self.exclude_ids:
            keep &= ~np.isin(columns.item_ids, list(self.exclude_ids))
        return keep


def _stored(value: AttributeValue) -> AttributeValue:
    value = fold_value(value)
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _same(actual: AttributeValue | None, wanted: AttributeValue) -> bool:
    if actual is None:
        return False
    wanted = _stored(wanted)
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return actual is wanted
    return actual == wanted


@dataclass
class FilterColumns:
    """Columnar view of the catalog for vectorised filtering (one row per lexical document)."""

    item_ids: np.ndarray
    price: np.ndarray
    rating: np.ndarray
    brand: np.ndarray
    categories: list[frozenset[str]]
    attributes: list[dict[str, AttributeValue]]
    _category_cache: dict = field(default_factory=dict)
    _attribute_cache: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.item_ids)

    @classmethod
    def from_items(cls, items: list[Item]) -> "FilterColumns":
        def number(value):
            return np.nan if value is None else float(value)

        return cls(
            item_ids=np.array([i.item_id for i in items], dtype=object),
            price=np.array([number(i.price) for i in items], dtype=np.float64),
            rating=np.array([number(i.rating) for i in items], dtype=np.float64),
            brand=np.array([fold(i.brand) if i.brand else "" for i in items], dtype=object),
            categories=[frozenset(fold(c) for c in i.categories[:MAX_CATEGORY_LEVELS]) for i in items],
            attributes=[folded_attributes(i) for i in items],
        )

    def in_any_category(self, wanted: set[str]) -> np.ndarray:
        key = frozenset(wanted)
        if len(self._category_cache) > 256:
            self._category_cache.clear()
        if key not in self._category_cache:
            self._category_cache[key] = np.array([bool(c & wanted) for c in self.categories], dtype=bool)
        return self._category_cache[key]

    def with_attribute(self, name: str, value: AttributeValue) -> np.ndarray:
        key = (name, type(value).__name__, value)
        if len(self._attribute_cache) > 256:
            self._attribute_cache.clear()
        if key not in self._attribute_cache:
            self._attribute_cache[key] = np.array(
                [_same(attrs.get(name), value) for attrs in self.attributes], dtype=bool)
        return self._attribute_cache[key]
