"""Lexical match between a shopper's recent item titles and every catalog item (BM25).

Catches what embeddings blur: model numbers, compatible-device names, product lines ("D7100",
"EN-EL15"). Scores are divided by the best score for that history so they compare across users.

Scoring reads bm25s's precomputed per-token document scores directly: each title is tokenized once
(cached per item), and the history's tokens are summed with one `np.bincount` instead of bm25s's
per-token `np.add.at` loop. The result equals `BM25.get_scores` of the joined titles (tested).
"""

from __future__ import annotations

import threading

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
        self._title_tokens: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def _token_ids(self, text: str) -> np.ndarray:
        tokens = self._bm25s.tokenize([text], stemmer=self._stemmer, return_ids=False, show_progress=False)[0]
        return np.array(self._retriever.get_tokens_ids(tokens), dtype=np.int64)

    def title_token_ids(self, row: int) -> np.ndarray:
        """Vocabulary ids of an item's title tokens (with repeats), tokenized once per item."""
        with self._lock:
            ids = self._title_tokens.get(row)
        if ids is None:
            ids = self._token_ids(self.space.items[self.space.ids[row]].title)
            with self._lock:
                self._title_tokens[row] = ids
        return ids

    def scores_for_tokens(self, token_ids: np.ndarray) -> np.ndarray:
        """BM25 score of every catalog item for a query of these token ids (repeats count again)."""
        if not len(token_ids):
            return np.zeros(len(self.space))
        index = self._retriever.scores
        tokens, repeats = np.unique(token_ids, return_counts=True)
        starts, ends = index["indptr"][tokens], index["indptr"][tokens + 1]
        postings = [np.arange(s, e) for s, e in zip(starts.tolist(), ends.tolist())]
        spans = np.concatenate(postings)
        weights = np.repeat(repeats, ends - starts)
        return np.bincount(index["indices"][spans], weights=index["data"][spans] * weights,
                           minlength=index["num_docs"]).astype(np.float64)

    def raw_scores(self, text: str) -> np.ndarray:
        return self.scores_for_tokens(self._token_ids(text))

    def scores(self, history_rows, rows: np.ndarray | None = None) -> np.ndarray:
        """Scores of `rows` (default: every item) for the recent titles, over the catalog's best."""
        recent = list(history_rows)[-RECENT_TITLES:]
        if not recent:
            return np.zeros(len(self.space) if rows is None else len(rows))
        scores = self.scores_for_tokens(np.concatenate([self.title_token_ids(int(r)) for r in recent]))
        best = scores.max()
        scores = scores / best if best > 0 else scores
        return scores if rows is None else scores[rows]
