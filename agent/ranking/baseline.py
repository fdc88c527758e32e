"""The default, non-personal ranker and the search candidate source.

`SearchCandidates` proposes items from the catalog index with the hard constraints as filters.
`BaselineRanker` orders any candidates by query match, rating, popularity and soft-preference
overlap; personal signals come from other `Ranker`s and `CandidateSource`s (agent/ranking/).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from agent.ranking.interface import Candidate, RankedItem, RankingContext
from retrieval.documents import fold, item_text
from retrieval.index import CatalogIndex

_WORD_SPLIT = str.split


class SearchCandidates:
    name = "search"

    def __init__(self, index: CatalogIndex, method: str = "shopwise"):
        self.index = index
        self.method = method

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        hits = self.index.search(context.query, context.filters, k=k, method=self.method)
        return [Candidate(hit.item, signals={"search_score": hit.score, "search_rank": float(rank)},
                          sources=(self.name,))
                for rank, hit in enumerate(hits, 1)]


@dataclass(frozen=True)
class BaselineRanker:
    """score = w_match * match + w_rating * rating/5 + w_popularity * popularity + w_preference * overlap."""

    weights: dict[str, float] = field(default_factory=lambda: {
        "match": 1.0, "rating": 0.15, "popularity": 0.1, "preference": 0.2})

    def rank(self, context: RankingContext, candidates: list[Candidate], k: int) -> list[RankedItem]:
        if not candidates:
            return []
        most_ratings = max((c.item.rating_count or 0) for c in candidates)
        preferences = {w for p in context.soft_preferences for w in _WORD_SPLIT(fold(p)) if len(w) > 3}
        ranked = []
        for candidate in candidates:
            signals = {
                "match": _match(candidate),
                "rating": (candidate.item.rating or 0.0) / 5.0,
                "popularity": math.log1p(candidate.item.rating_count or 0) / math.log1p(most_ratings)
                if most_ratings else 0.0,
                "preference": _overlap(preferences, candidate) if preferences else 0.0,
            }
            contributions = {name: self.weights.get(name, 0.0) * value for name, value in signals.items()}
            ranked.append(RankedItem(candidate.item, sum(contributions.values()), contributions))
        ranked.sort(key=lambda r: (-r.score, r.item.item_id))
        return ranked[:k]


def _match(candidate: Candidate) -> float:
    """Search rank as a 0..1 score (1 for the top hit); candidates from other sources get 0."""
    rank = candidate.signals.get("search_rank")
    return 1.0 / math.sqrt(rank) if rank else 0.0


def _overlap(preferences: set[str], candidate: Candidate) -> float:
    text = set(_WORD_SPLIT(fold(item_text(candidate.item))))
    return len(preferences & text) / len(preferences)
