"""Query-independent evidence from the catalog itself, used by the default search method.

A Bayesian-average rating (the item's stars shrunk towards the catalog mean by its number of
ratings) ranks well-reviewed items above barely-reviewed ones; it only orders candidates that the
query already found, so it can break near-ties but never bring in an unrelated item. Catalogs
without ratings simply get no prior.
"""

from __future__ import annotations

import math
from typing import Iterable

from retrieval.catalog import Item
from retrieval.documents import fold

PRIOR_STRENGTH = 10          # ratings needed before an item's own average outweighs the catalog's


class QualityPrior:
    def __init__(self, items: Iterable[Item]):
        rated = [(i.rating, i.rating_count or 1) for i in items if i.rating is not None]
        total = sum(count for _, count in rated)
        self.catalog_mean = sum(r * c for r, c in rated) / total if total else None

    def score(self, item: Item) -> float | None:
        if self.catalog_mean is None or item.rating is None:
            return None
        count = item.rating_count or 1
        average = (item.rating * count + self.catalog_mean * PRIOR_STRENGTH) / (count + PRIOR_STRENGTH)
        return average + 0.01 * math.log1p(count)      # more evidence wins exact ties

    def ranking(self, items: list[Item]) -> list[str]:
        scored = [(self.score(i), i.item_id) for i in items]
        return [item_id for score, item_id in sorted((s for s in scored if s[0] is not None),
                                                     key=lambda pair: -pair[0])]


def collapse_duplicates(ranked_ids: list[str], catalog: dict[str, Item]) -> list[str]:
    """Keep the best-ranked of items whose titles are the same once case and spacing are folded."""
    seen: set[str] = set()
    kept = []
    for item_id in ranked_ids:
        key = fold(catalog[item_id].title)
        if key not in seen:
            seen.add(key)
            kept.append(item_id)
    return kept
