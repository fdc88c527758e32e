"""Candidate generators beside conversational search: the profile embedding, co-purchase
neighbours of recent items, and popularity (the cold-start fallback). Each honours the filters."""

from __future__ import annotations

from typing import Callable

import numpy as np

from agent.ranking.features import History
from agent.ranking.interactions import InteractionLog
from agent.ranking.interface import Candidate, RankingContext
from agent.ranking.item_space import ItemSpace


def _top_first(scores: np.ndarray, depth: int) -> np.ndarray:
    """Row indices by descending score, only the first `depth` sorted (a partial sort)."""
    if depth >= len(scores):
        return np.argsort(-scores)
    head = np.argpartition(-scores, depth)[:depth]
    return head[np.argsort(-scores[head])]


def _take(space: ItemSpace, scores: np.ndarray, context: RankingContext, k: int, source: str,
          signal: str, exclude: set[int] = frozenset(), ranked: np.ndarray | None = None) -> list[Candidate]:
    """The k best-scoring rows that pass the filters (scores <= 0 count as no signal, except for
    popularity); looks deeper only while filters or exclusions, not a lack of signal, cut it short.
    `ranked`: every row already sorted by descending score (fixed scores sort once)."""
    depth = 4 * k + len(exclude)
    unfiltered = context.filters.is_empty
    if ranked is None:                       # only rows with a signal are sorted (co-purchase: a few)
        with_signal = np.isfinite(scores) if source == "popularity" else np.isfinite(scores) & (scores > 0)
        rows = np.flatnonzero(with_signal)
    pool = len(scores) if ranked is not None else len(rows)
    while True:
        order = ranked[:depth] if ranked is not None else rows[_top_first(scores[rows], depth)]
        values = scores[order]
        usable = np.isfinite(values) if source == "popularity" else np.isfinite(values) & (values > 0)
        cut = len(order) if usable.all() else int(np.argmin(usable))   # first row without signal
        picked = []
        for row, value in zip(order[:cut].tolist(), values[:cut].tolist()):
            if row in exclude:
                continue
            item = space.items[space.ids[row]]
            if unfiltered or context.filters.matches(item):
                picked.append(Candidate(item=item, signals={signal: value}, sources=(source,)))
                if len(picked) >= k:
                    return picked
        if cut < len(order) or depth >= pool:             # no more signal, or every candidate row seen
            return picked
        depth *= 4                                       # strict filters: look deeper


class ProfileEmbeddingSource:
    name = "profile"

    def __init__(self, space: ItemSpace, profile_vector: Callable[[str], np.ndarray | None],
                 history: Callable[[str], History]):
        self.space, self.profile_vector, self.history = space, profile_vector, history

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        vector = self.profile_vector(context.user_id) if context.user_id else None
        if vector is None:
            return []
        seen = set(self.history(context.user_id).rows.tolist())
        return _take(self.space, self.space.similarities(vector), context, k, self.name, "profile_similarity", seen)


class CoPurchaseSource:
    name = "co_purchase"

    def __init__(self, log: InteractionLog, history: Callable[[str], History], recent: int = 10):
        self.log, self.history, self.recent = log, history, recent

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        rows = self.history(context.user_id).rows[-self.recent:].tolist() if context.user_id else []
        rows += self.log.space.rows(context.session_item_ids).tolist()
        if not rows:
            return []
        scores = self.log.co_counts(np.unique(rows))
        return _take(self.log.space, scores, context, k, self.name, "co_purchase_count", set(rows))


class PopularitySource:
    name = "popularity"

    def __init__(self, log: InteractionLog):
        self.log = log
        self._counts = log.counts() + 1e-6 * np.nan_to_num(log.space.rating_count)
        self._ranked = np.argsort(-self._counts, kind="stable")        # the counts are a snapshot

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        return _take(self.log.space, self._counts, context, k, self.name, "popularity", ranked=self._ranked)


class QuerySource:
    """Dense match of the query in the item space (the chat turn may use CatalogIndex search instead)."""

    name = "search"

    def __init__(self, space: ItemSpace, embed_query: Callable[[str], np.ndarray]):
        self.space, self.embed_query = space, embed_query

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        if not context.query.strip():
            return []
        scores = self.space.similarities(self.embed_query(context.query))
        return _take(self.space, scores, context, k, self.name, "dense_score")


class SearchSource:
    """Adapter from `retrieval` CatalogIndex hybrid search."""

    name = "search"

    def __init__(self, index):
        self.index = index

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        hits = self.index.search(context.query, context.filters, k=k)
        return [Candidate(item=h.item, signals={"search_score": h.score}, sources=(self.name,)) for h in hits]
