"""The LLM ranker's first stage: the order in which candidates are listed in its prompt.

LlamaRec lists its retriever's candidates in the retriever's order and lets the LLM re-rank them;
a small model then only has to learn when to move an item up, not to compare twenty titles with the
history from scratch (with shuffled lists the 135M model stayed at the random level, even on its own
training lists). Here the order is how well a candidate's text matches the shopper's recent titles
(BM25 over the catalog's item texts, as the `bm25-history` recommender of `eval rank`). It reads only
item texts, nothing learned from events, so training rows and held-out rows are ordered alike and
the order leaks no one's future.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from retrieval.catalog import Item
from retrieval.documents import item_text

RECENT_TITLES = 10


class HistoryMatchOrder:
    def __init__(self, catalog: Iterable[Item], recent: int = RECENT_TITLES):
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        items = list(catalog)
        self._row = {item.item_id: row for row, item in enumerate(items)}
        self._retriever = bm25s.BM25()
        if items:
            corpus = bm25s.tokenize([item_text(item) for item in items], stemmer=self._stemmer, show_progress=False)
            self._retriever.index(corpus, show_progress=False)
        self.recent = recent

    def catalog_scores(self, history: Sequence[Item]) -> np.ndarray:
        """BM25 score of every catalog item (in the order given at construction) for the recent
        history's titles; all zeros when no title word is in the catalog's vocabulary."""
        titles = " ".join(item.title for item in list(history)[-self.recent:])
        tokens = self._bm25s.tokenize([titles], stemmer=self._stemmer, return_ids=False, show_progress=False)[0]
        known = [t for t in tokens if t in self._retriever.vocab_dict] if self._row else []
        return self._retriever.get_scores(known) if known else np.zeros(len(self._row))

    def scores(self, history: Sequence[Item], candidates: Sequence[Item]) -> list[float]:
        """BM25 score of each candidate for the recent history's titles (0 for items not in the catalog)."""
        scores = self.catalog_scores(history)
        return [float(scores[self._row[c.item_id]]) if c.item_id in self._row else 0.0 for c in candidates]

    def order(self, history: Sequence[Item], candidates: Sequence[Item]) -> list[int]:
        """Positions of `candidates`, best match first; ties (no shared words) keep the given order."""
        scores = np.asarray(self.scores(history, candidates))
        return sorted(range(len(candidates)), key=lambda i: -scores[i])
