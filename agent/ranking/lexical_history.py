"""Lexical match between a shopper's recent item titles and every catalog item (BM25).

Catches what embeddings blur: model numbers, compatible-device names, product lines ("D7100",
"EN-EL15"). Scores are divided by the best score for that history so they compare across users.
"""

from __future__ import annotations

import numpy as np

from agent.ranking.item_space import ItemSpace
from retrieval.documents import item_text

RECENT_TITLES = 10


class HistoryLexicalMatcher:
    def __init__(self, space: ItemSpace):
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        self.space = space
        self._retriever = bm25s.BM25()
        corpus = [item_text(space.items[i]) for i in space.ids]
        self._retriever.index(bm25s.tokenize(corpus, stemmer=self._stemmer, show_progress=False), show_progress=False)

    def raw_scores(self, text: str) -> np.ndarray:
        tokens = self._bm25s.tokenize([text], stemmer=self._stemmer, return_ids=False, show_progress=False)[0]
        if not tokens:
            return np.zeros(len(self.space))
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float64)

    def scores(self, history_rows) -> np.ndarray:
        rows = list(history_rows)[-RECENT_TITLES:]
        if not rows:
            return np.zeros(len(self.space))
        scores = self.raw_scores(" ".join(self.space.items[self.space.ids[r]].title for r in rows))
        best = scores.max()
        return scores / best if best > 0 else scores
