"""BM25 over item text with bm25s, persisted beside the vector store.

Scores are computed for every document and then masked by the filters, so the lexical side
honours exactly the same hard constraints as the dense side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_STOPWORDS = "en"


def _quiet_bm25s() -> None:
    # bm25s sets its logger to DEBUG when imported; keep its index-building chatter out of our logs.
    import logging

    logging.getLogger("bm25s").setLevel(logging.WARNING)


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(frozen=True)
class LexicalHit:
    index: int
    score: float


class LexicalIndex:
    def __init__(self, retriever, item_ids: list[str]):
        self._retriever = retriever
        self._stemmer = _stemmer()
        self.item_ids = item_ids

    @classmethod
    def build(cls, item_ids: list[str], texts: list[str]) -> "LexicalIndex":
        import bm25s

        _quiet_bm25s()
        stemmer = _stemmer()
        tokens = bm25s.tokenize(texts, stopwords=_STOPWORDS, stemmer=stemmer, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever, list(item_ids))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(folder))
        partial = folder / "item_ids.json.partial"
        partial.write_text(json.dumps(self.item_ids))
        partial.replace(folder / "item_ids.json")

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25.load(str(folder))
        return cls(retriever, json.loads((folder / "item_ids.json").read_text()))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no term matches)."""
        import bm25s

        tokenized = bm25s.tokenize([query], stopwords=_STOPWORDS, stemmer=self._stemmer,
                                   show_progress=False, return_ids=False)[0]
        vocab = self._retriever.vocab_dict
        known = [t for t in tokenized if t in vocab]
        if not known:
            return np.zeros(len(self.item_ids), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def top(self, query: str, k: int, mask: np.ndarray | None = None) -> list[LexicalHit]:
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = int((scores > 0).sum())
        k = min(k, positive)
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [LexicalHit(int(i), float(scores[i])) for i in best]
