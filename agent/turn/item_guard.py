"""The item guard: only items that exist in the catalog, as recorded there, and that satisfy every
hard constraint may be shown, whatever a ranker or candidate source returned."""

from __future__ import annotations

from agent.ranking.interface import RankedItem
from retrieval.catalog import Item
from retrieval.filters import Filters


def admissible(ranked: list[RankedItem], catalog: dict[str, Item], filters: Filters, k: int
               ) -> tuple[list[RankedItem], list[tuple[str, str]]]:
    """The first k admissible items (each carrying the catalog's own record), and what was dropped."""
    kept: list[RankedItem] = []
    dropped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in ranked:
        item_id = entry.item.item_id
        record = catalog.get(item_id)
        if record is None:
            dropped.append((item_id, "not in the catalog"))
        elif item_id in seen:
            dropped.append((item_id, "duplicate"))
        elif not filters.matches(record):
            dropped.append((item_id, "violates a hard constraint"))
        else:
            seen.add(item_id)
            kept.append(RankedItem(record, entry.score, entry.contributions))
            if len(kept) == k:
                break
    return kept, dropped
