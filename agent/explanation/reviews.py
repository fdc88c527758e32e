"""Review text per item, read from a dataset folder's reviews.jsonl (DATA.md), best first."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from retrieval.amazon import review_to_record
from retrieval.jsonl import read_lines

log = logging.getLogger(__name__)
MAX_REVIEWS_PER_ITEM = 5


class ReviewSnippets:
    def __init__(self, by_item: dict[str, list[str]] | None = None):
        self.by_item = by_item or {}

    def for_item(self, item_id: str) -> list[str]:
        return self.by_item.get(item_id, [])

    @classmethod
    def from_folder(cls, folder: Path) -> "ReviewSnippets":
        """reviews.jsonl[.gz] (DATA.md), or Amazon Reviews 2023 `<Category>.jsonl[.gz]` beside a meta_ file."""
        paths = [p for p in (folder / "reviews.jsonl", folder / "reviews.jsonl.gz") if p.is_file()]
        amazon = [p for p in sorted(folder.glob("*.jsonl*")) if (folder / f"meta_{p.name}").is_file()]
        if not paths and not amazon:
            return cls()
        scored: dict[str, list[tuple[float, str]]] = defaultdict(list)
        lines = [(line, False) for path in paths for line in read_lines(path)]
        lines += [(line, True) for path in amazon for line in read_lines(path)]
        for line, is_amazon in lines:
            value = line.value
            if is_amazon and line.error is None:
                try:
                    value = review_to_record(value)
                except (ValueError, TypeError, KeyError):
                    continue
            if line.error or not isinstance(value, dict) or not isinstance(value.get("text"), str):
                continue
            rating = value.get("rating") if isinstance(value.get("rating"), (int, float)) else 0
            scored[str(value.get("item_id"))].append((float(rating), value["text"]))
        by_item = {item_id: [text for _, text in sorted(reviews, key=lambda r: -r[0])[:MAX_REVIEWS_PER_ITEM]]
                   for item_id, reviews in scored.items()}
        log.info("review snippets for %d items from %s", len(by_item), folder)
        return cls(by_item)
