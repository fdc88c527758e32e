"""Next-item recommenders compared side by side: `pop`, `item-knn`, `bm25-history`, `sasrec`, `shopwise`.

Each method scores every catalog row for one shopper's history at one moment. All of them are
fitted on the same training data: every shopper's events minus their held-out target.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from agent.ranking.features import History
from agent.ranking.model import RankingModel, history_of

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
    """BM25 over item texts with the history's titles as the query (the LLM ranker's first stage)."""
    from finetune.candidate_order import HistoryMatchOrder

    items = model.space.items
    first_stage = HistoryMatchOrder(items[i] for i in model.space.ids)

    def score(history: History, before: float) -> np.ndarray:
        return first_stage.catalog_scores([items[model.space.ids[r]] for r in history.rows])
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
