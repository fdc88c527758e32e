"""Next-item recommenders compared side by side: `pop`, `item-knn`, `bm25-history`, `sasrec`, `shopwise`.

Each method scores every catalog row for one shopper's history at one moment. All of them are
fitted on the same training data: every shopper's events minus their held-out target.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from agent.ranking.features import History
from agent.ranking.model import RankingModel, history_of
from retrieval.documents import item_text

METHODS = ("pop", "item-knn", "bm25-history", "sasrec", "shopwise")
DEFAULT_METHOD = "shopwise"
Scorer = Callable[[History, float], np.ndarray]


def popularity_scorer(model: RankingModel, training: dict[str, list]) -> Scorer:
    counts = np.zeros(len(model.space))
    for sequence in training.values():
        for event in sequence:
            counts[model.space.index[event.item_id]] += 1
    return lambda history, before: counts


def item_knn_scorer(model: RankingModel, training: dict[str, list]) -> Scorer:
    """Cosine similarity between items' buyer vectors, summed over the history."""
    from scipy import sparse

    rows, cols = [], []
    for user_row, sequence in enumerate(training.values()):
        for event in sequence:
            rows.append(user_row)
            cols.append(model.space.index[event.item_id])
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(training), len(model.space)))
    matrix.data[:] = 1.0
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0))).ravel()
    normalized = matrix @ sparse.diags(1.0 / np.maximum(norms, 1e-9))
    similarity = (normalized.T @ normalized).tocsr()
    similarity.setdiag(0.0)

    def score(history: History, before: float) -> np.ndarray:
        if not len(history):
            return np.zeros(len(model.space))
        return np.asarray(similarity[np.unique(history.rows)].sum(axis=0)).ravel()
    return score


def bm25_history_scorer(model: RankingModel) -> Scorer:
    """BM25 over item texts with the history's titles as the query."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    corpus = [item_text(model.space.items[i]) for i in model.space.ids]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stemmer=stemmer, show_progress=False), show_progress=False)

    def score(history: History, before: float) -> np.ndarray:
        titles = " ".join(model.space.items[model.space.ids[r]].title for r in history.rows[-10:])
        tokens = bm25s.tokenize([titles], stemmer=stemmer, return_ids=False, show_progress=False)[0]
        return retriever.get_scores(tokens) if tokens else np.zeros(len(model.space))
    return score


def build_scorers(model: RankingModel, training: dict[str, list]) -> dict[str, Scorer]:
    return {
        "pop": popularity_scorer(model, training),
        "item-knn": item_knn_scorer(model, training),
        "bm25-history": bm25_history_scorer(model),
        "sasrec": lambda history, before: model.sequential.scores(history.rows),
        "shopwise": lambda history, before: _full_catalog(model, history, before),
    }


def _full_catalog(model: RankingModel, history: History, before: float) -> np.ndarray:
    return model.score(history, np.arange(len(model.space)), before)


def history_for(model: RankingModel, user_events: list, item_ids, fallback_ts: float) -> History:
    """The shopper's history as events (times and types from the log where known)."""
    known = {e.item_id: e for e in user_events}
    events = [known.get(i) for i in item_ids if i in model.space.index]
    if all(e is not None for e in events):
        return history_of(model.space, events, model.config.interactions)
    rows = model.space.rows([i for i in item_ids if i in model.space.index])
    return History(rows=rows, ts=np.full(len(rows), fallback_ts), weights=np.ones(len(rows)))
