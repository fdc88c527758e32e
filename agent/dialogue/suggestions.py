"""Example requests offered with a clarifying question, written from the catalog's own product types.

When a message cannot be searched ("something for my mom, she likes cooking" in a catalog without a
cooking category), the shopper is offered the product types nearest to what they wrote (MiniLM
similarity of the message to each type's name: the kitchen's coffee makers first), not the
catalog's largest types. Each example carries a budget that at least half of that type's items
fit, so the example is one a shopper can send as it is.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from agent.understanding.vocabulary import is_category_name
from retrieval.catalog import Item

MAX_TYPES = 500                  # types compared with a message: the largest ones, a few ms to score
BUDGET_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 10)
MESSAGE_CHARS = 500              # of a message compared with the types (the embedder reads less)


@dataclass(frozen=True)
class ProductType:
    name: str                    # the most specific category, as the catalog spells it
    items: int
    budget: float | None         # a round price at or above the median price; None without prices

    def example(self) -> str:
        name = self.name.lower()
        return f"{name} under {self.budget:g}" if self.budget is not None else name


def round_budget(price: float) -> float:
    """The smallest round price (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 times a power of ten) >= `price`."""
    if price <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(price))
    return next(step * scale for step in BUDGET_STEPS if step * scale >= price - 1e-9)


def product_types(items: Iterable[Item], limit: int = MAX_TYPES) -> list[ProductType]:
    """Leaf categories, most items first (ties by name), with their round median budget."""
    prices: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for item in items:
        if not item.categories:
            continue
        leaf = item.categories[-1].strip()
        if not is_category_name(leaf):
            continue
        counts[leaf] = counts.get(leaf, 0) + 1
        if item.price is not None and item.price > 0:
            prices.setdefault(leaf, []).append(float(item.price))
    ranked = sorted(counts, key=lambda name: (-counts[name], name))[:limit]
    return [ProductType(name, counts[name], round_budget(statistics.median(prices[name])) if name in prices else None)
            for name in ranked]


class RequestSuggestions:
    def __init__(self, items: Iterable[Item], embedder=None, limit: int = MAX_TYPES):
        """`embedder` (the catalog's, with `embed(texts)` giving unit vectors) ranks types by
        closeness to a message; without one the largest types are offered."""
        self.types = product_types(items, limit)
        self.embedder = embedder
        self._vectors: np.ndarray | None = None

    def examples(self, message: str | None = None, k: int = 3) -> list[str]:
        """k example requests: the types nearest to `message`, or the largest types without one."""
        return [product_type.example() for product_type in self.nearest(message, k)]

    def nearest(self, message: str | None, k: int = 3) -> list[ProductType]:
        if not message or not message.strip() or self.embedder is None or not self.types:
            return self.types[:k]
        if self._vectors is None:           # embedded at the first vague message, then kept
            self._vectors = self.embedder.embed([product_type.name for product_type in self.types])
        similarity = self._vectors @ self.embedder.embed([message[:MESSAGE_CHARS]])[0]
        order = sorted(range(len(self.types)), key=lambda i: (-float(similarity[i]), i))
        return [self.types[i] for i in order[:k]]
